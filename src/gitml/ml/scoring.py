"""The one scoring path: what a fitted pipeline predicts for a table of features.

`evaluate`, `gitml predict`, the service and the report's re-scoring of the baseline all score
through `score`, so a model scores the same rows the same way wherever it runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd
    from sklearn.pipeline import Pipeline

    from gitml.ml.meta import ModelMeta


def score(pipeline: Pipeline, features: pd.DataFrame, task: str) -> tuple[Any, Any]:
    """Predictions, and class probabilities (None for regression), for each row of `features`.

    One pass through the pipeline: every gitml classifier predicts its most probable class
    (barring exact ties), and `predict()` would run the whole pipeline a second time.
    """
    if task == "regression":
        return np.asarray(pipeline.predict(features)), None
    proba = pipeline.predict_proba(features)
    return np.asarray(pipeline.classes_)[proba.argmax(axis=1)], proba


def predict_table(pipeline: Pipeline, test: pd.DataFrame, meta: ModelMeta) -> pd.DataFrame:
    """One row per test row: row id, (id column, weight), truth, prediction, class probabilities."""
    import pandas as pd

    features = test[[feature.name for feature in meta.features]]
    table = pd.DataFrame({"row_id": test.index.to_numpy()})
    if meta.id_column:
        table[meta.id_column] = test[meta.id_column].to_numpy()
    if meta.weight_column:
        table["weight"] = test[meta.weight_column].to_numpy(dtype="float64")
    table["truth"] = test[meta.target].to_numpy()
    table["prediction"], proba = score(pipeline, features, meta.task)
    for index, label in enumerate(meta.classes if proba is not None else ()):
        table[f"proba_{label}"] = proba[:, index]
    return table
