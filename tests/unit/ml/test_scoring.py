"""ml/scoring.py: the one scoring path, one pass through the pipeline, and the prediction
table every consumer (evaluate, the report's re-scoring) reads."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from gitml.ml import scoring
from gitml.ml.meta import ModelMeta
from gitml.ml.scoring import predict_table, score

RNG = np.random.default_rng(0)
X = pd.DataFrame({"a": RNG.normal(size=90), "b": RNG.normal(size=90)})


def _classifier(labels: list[Any]) -> Pipeline:
    y = np.array(labels * (len(X) // len(labels)))
    return make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)


@pytest.mark.parametrize("labels", [["no", "yes"], [0, 1, 2]], ids=["binary", "multiclass"])
def test_a_classifier_scores_as_predict_and_predict_proba_would(labels: list[Any]) -> None:
    pipeline = _classifier(labels)

    predictions, proba = score(pipeline, X, "binary" if len(labels) == 2 else "multiclass")

    np.testing.assert_array_equal(predictions, pipeline.predict(X))
    np.testing.assert_array_equal(proba, pipeline.predict_proba(X))
    assert set(predictions) <= set(labels)


def test_a_regressor_scores_its_predictions_and_no_probabilities() -> None:
    pipeline = make_pipeline(StandardScaler(), LinearRegression()).fit(X, X["a"] * 2 + 1)

    predictions, proba = score(pipeline, X, "regression")

    assert proba is None
    np.testing.assert_allclose(predictions, X["a"] * 2 + 1)


class _Counting:
    """A fitted classifier's face, counting the passes made through it."""

    classes_ = np.array(["no", "yes"])

    def __init__(self) -> None:
        self.passes: list[str] = []

    def predict_proba(self, features: pd.DataFrame) -> np.ndarray:
        self.passes.append("predict_proba")
        return np.tile([0.3, 0.7], (len(features), 1))

    def predict(self, features: pd.DataFrame) -> np.ndarray:
        self.passes.append("predict")
        return np.array(["yes"] * len(features))


def test_a_classifier_is_run_once_per_score_not_twice() -> None:
    pipeline = _Counting()

    predictions, _ = score(pipeline, X, "binary")

    assert pipeline.passes == ["predict_proba"]
    assert list(predictions) == ["yes"] * len(X)


def _meta(task: str, classes: list[Any], **extra: Any) -> ModelMeta:
    features = [{"name": name, "dtype": "float", "kind": "numeric"} for name in ("a", "b")]
    return ModelMeta.model_validate(
        {"task": task, "target": "y", "features": features, "classes": classes} | extra
    )


def test_the_table_has_a_row_per_test_row_with_id_weight_truth_and_each_class() -> None:
    pipeline = _classifier(["no", "yes"])
    test = X.assign(y=["no", "yes"] * 45, customer=range(100, 190), wt=1, note="unused").set_axis(
        range(500, 590)
    )
    meta = _meta("binary", ["no", "yes"], id_column="customer", weight_column="wt")

    table = predict_table(pipeline, test[["note", "y", "wt", "customer", "a", "b"]], meta)

    assert list(table.columns) == [
        "row_id", "customer", "weight", "truth", "prediction", "proba_no", "proba_yes"
    ]  # fmt: skip
    assert table["row_id"].tolist() == list(range(500, 590))  # the split's row ids
    assert table["customer"].tolist() == list(range(100, 190))
    assert table["weight"].dtype == "float64"
    assert table["truth"].tolist() == test["y"].tolist()
    proba = pipeline.predict_proba(X)
    np.testing.assert_array_equal(table[["proba_no", "proba_yes"]].to_numpy(), proba)
    np.testing.assert_array_equal(table["prediction"], pipeline.predict(X))


def test_a_regression_table_has_no_probability_columns() -> None:
    pipeline = make_pipeline(LinearRegression()).fit(X, X["a"])
    test = X.assign(y=X["a"])[["y", "b", "a"]]  # in the contract's order, not the fit's

    table = predict_table(pipeline, test, _meta("regression", []))

    assert list(table.columns) == ["row_id", "truth", "prediction"]
    np.testing.assert_allclose(table["prediction"], X["a"])


def test_in_chunks_every_row_scores_as_in_one_call(monkeypatch: pytest.MonkeyPatch) -> None:
    pipeline = _classifier(["no", "yes"])
    test = X.assign(y=["no", "yes"] * 45)
    meta = _meta("binary", ["no", "yes"])
    monkeypatch.setattr(scoring, "CHUNK_ROWS", 7)
    counted: list[int] = []

    chunked = predict_table(pipeline, test, meta, done=counted.append)

    pd.testing.assert_frame_equal(chunked, predict_table(pipeline, test, meta))
    assert counted == [7] * 12 + [6]  # 90 rows: the bar moves after every chunk


def test_regression_in_chunks_has_no_probabilities(monkeypatch: pytest.MonkeyPatch) -> None:
    pipeline = make_pipeline(LinearRegression()).fit(X, X["a"])
    monkeypatch.setattr(scoring, "CHUNK_ROWS", 40)
    counted: list[int] = []

    predicted, proba = scoring.score_in_chunks(pipeline, X, "regression", counted.append)

    np.testing.assert_array_equal(predicted, pipeline.predict(X))
    assert proba is None
    assert counted == [40, 40, 10]


def test_an_empty_table_fails_in_chunks_as_in_one_call() -> None:
    pipeline = _classifier(["no", "yes"])
    empty = X.assign(y="no").iloc[:0]
    meta = _meta("binary", ["no", "yes"])

    with pytest.raises(ValueError, match="0 sample") as one_call:
        predict_table(pipeline, empty, meta)
    with pytest.raises(ValueError, match="0 sample") as chunked:
        predict_table(pipeline, empty, meta, done=lambda rows: None)

    assert str(chunked.value) == str(one_call.value)
