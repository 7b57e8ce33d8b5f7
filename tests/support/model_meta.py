"""A small binary model's metadata, for tests of what is built from it (spec, service)."""

from gitml.ml.meta import ModelMeta

BINARY_META = ModelMeta.model_validate(
    {
        "task": "binary",
        "target": "churned",
        "features": [{"name": "tenure_months", "dtype": "int", "kind": "numeric"}],
        "classes": [0, 1],
        "positive_class": 1,
        "model": {"name": "linear"},
    }
)
