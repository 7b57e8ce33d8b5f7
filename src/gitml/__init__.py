"""gitml: a GitOps MLOps template where a pull request is the unit of change."""

__version__ = "0.1.0"
