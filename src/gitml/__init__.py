"""gitml: a GitOps MLOps template where a pull request is the unit of change."""

from typing import Any

# pyproject.toml's `version` is the only place the version is written: `gitml.__version__` reads
# it from the installed package's metadata. Looked up on first use, not at import, because
# importing importlib.metadata costs every `gitml` process ~50 ms.
UNKNOWN_VERSION = "0+unknown"  # a copy of the source that is not installed, as in a Bento


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("gitml")
        except PackageNotFoundError:
            return UNKNOWN_VERSION
    raise AttributeError(f"module 'gitml' has no attribute {name!r}")
