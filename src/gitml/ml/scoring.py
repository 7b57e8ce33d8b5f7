"""The one scoring path: what a fitted pipeline predicts for a table of features.

`evaluate`, `gitml predict`, the service and the report's re-scoring of the baseline all score
through `score`, so a model scores the same rows the same way wherever it runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Callable

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


CHUNK_ROWS = 250_000  # rows per model call when progress is reported between calls


def score_in_chunks(
    pipeline: Pipeline, features: pd.DataFrame, task: str, done: Callable[[int], object]
) -> tuple[Any, Any]:
    """`score`, CHUNK_ROWS rows at a time, calling `done(rows)` after each chunk.

    Every row is scored on its own (preprocessing and trees work row by row), so the output is
    the same as one call's, while a progress bar moves between the calls.
    """
    parts = []
    for start in range(0, max(len(features), 1), CHUNK_ROWS):
        chunk = features.iloc[start : start + CHUNK_ROWS]
        parts.append(score(pipeline, chunk, task))
        done(len(chunk))
    if len(parts) == 1:
        return parts[0]
    predicted = np.concatenate([predicted for predicted, _ in parts])
    probabilities = [proba for _, proba in parts]
    return predicted, None if probabilities[0] is None else np.concatenate(probabilities)


def predict_table(
    pipeline: Pipeline,
    test: pd.DataFrame,
    meta: ModelMeta,
    done: Callable[[int], object] | None = None,
) -> pd.DataFrame:
    """One row per test row: row id, (id column, weight), truth, prediction, class probabilities.

    `done`: called with the rows scored after each chunk of them (see `score_in_chunks`).
    """
    import pandas as pd

    features = test[[feature.name for feature in meta.features]]
    table = pd.DataFrame({"row_id": test.index.to_numpy()})
    if meta.id_column:
        table[meta.id_column] = test[meta.id_column].to_numpy()
    if meta.weight_column:
        table["weight"] = test[meta.weight_column].to_numpy(dtype="float64")
    table["truth"] = test[meta.target].to_numpy()
    table["prediction"], proba = (
        score(pipeline, features, meta.task)
        if done is None
        else score_in_chunks(pipeline, features, meta.task, done)
    )
    for index, label in enumerate(meta.classes if proba is not None else ()):
        table[f"proba_{label}"] = proba[:, index]
    return table
