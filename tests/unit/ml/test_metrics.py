from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn import metrics as m

from gitml.config.metric_names import HEADLINE
from gitml.ml.metrics import compute_metrics, primary_score, roc_auc


@pytest.fixture
def binary() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 2, 500)
    score = np.round(np.clip(truth * 0.3 + rng.random(500) * 0.7, 0, 1), 2)  # with ties
    return truth, score


def test_rank_auc_equals_scikit_learn_with_ties(binary: tuple[np.ndarray, np.ndarray]) -> None:
    truth, score = binary
    assert roc_auc(truth == 1, score) == pytest.approx(m.roc_auc_score(truth, score), abs=1e-12)


def test_binary_metrics_match_the_reference_implementations(
    binary: tuple[np.ndarray, np.ndarray],
) -> None:
    truth, score = binary
    proba = np.column_stack([1 - score, score])
    predicted = (score >= 0.5).astype(int)
    result = compute_metrics("binary", truth, predicted, proba, [0, 1], 1)
    assert list(result) == list(HEADLINE["binary"])
    assert result["brier"] == pytest.approx(m.brier_score_loss(truth, score))
    assert result["accuracy"] == pytest.approx(m.accuracy_score(truth, predicted))
    assert result["log_loss"] == pytest.approx(m.log_loss(truth, proba))


def test_positive_class_decides_the_orientation(binary: tuple[np.ndarray, np.ndarray]) -> None:
    truth, score = binary
    proba = np.column_stack([1 - score, score])
    predicted = (score >= 0.5).astype(int)
    as_one = compute_metrics("binary", truth, predicted, proba, [0, 1], 1, names=["roc_auc"])
    as_zero = compute_metrics("binary", truth, predicted, proba, [0, 1], 0, names=["roc_auc"])
    assert as_one["roc_auc"] == pytest.approx(as_zero["roc_auc"])  # each scores its own class
    assert list(as_one) == ["roc_auc"]


def test_an_undefined_metric_is_nan_not_an_error() -> None:
    truth = np.zeros(10, dtype=int)
    proba = np.column_stack([np.full(10, 0.8), np.full(10, 0.2)])
    result = compute_metrics("binary", truth, truth, proba, [0, 1], 1)
    assert math.isnan(result["roc_auc"])
    assert result["accuracy"] == 1.0


def test_regression_and_multiclass_sets() -> None:
    truth = np.array([1.0, 2.0, 3.0, 4.0])
    result = compute_metrics("regression", truth, truth + 1)
    assert result == {"rmse": 1.0, "mae": 1.0, "r2": pytest.approx(0.2)}
    labels = np.array(["a", "b", "c", "a"])
    proba = np.eye(3)[[0, 1, 2, 1]] * 0.9 + 0.1 / 3
    multi = compute_metrics(
        "multiclass", labels, np.array(["a", "b", "c", "b"]), proba, ["a", "b", "c"]
    )
    assert list(multi) == list(HEADLINE["multiclass"])
    assert multi["accuracy"] == 0.75


def test_primary_score_is_higher_for_better_models(binary: tuple[np.ndarray, np.ndarray]) -> None:
    truth, score = binary
    good = np.column_stack([1 - score, score])
    noise = np.random.default_rng(1).random(len(truth))
    bad = np.column_stack([1 - noise, noise])
    for task in ("binary", "multiclass"):
        scorer = primary_score(task, [0, 1], 1)
        assert scorer(truth, good) > scorer(truth, bad)
