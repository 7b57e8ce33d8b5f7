"""Configuration: the typed params schema, its messages, and `conf/` → `params.yaml`."""
