"""Shared ML code: features, the model artifact, scoring, metrics, drift and the bootstrap."""
