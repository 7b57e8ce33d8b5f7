"""Headline metrics per task, shared by evaluation, slices and (later) the PR report."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

HEADLINE = {
    "binary": ("roc_auc", "average_precision", "accuracy", "f1", "log_loss", "brier"),
    "multiclass": ("f1_macro", "f1_weighted", "accuracy", "log_loss"),
    "regression": ("rmse", "mae", "r2"),
}
# metrics where a smaller value is better; every other headline metric is "higher is better"
LOWER_IS_BETTER = frozenset({"log_loss", "brier", "rmse", "mae"})
SLICE_METRICS = {
    "binary": ("roc_auc", "accuracy"),
    "multiclass": ("accuracy", "f1_macro"),
    "regression": ("rmse", "mae"),
}


def compute_metrics(
    task: str,
    truth: np.ndarray,
    predicted: np.ndarray,
    proba: np.ndarray | None = None,
    classes: Sequence[Any] = (),
    positive: Any = None,
) -> dict[str, float]:
    """Flat metric dict for `task`; a metric undefined on this data (one class) is NaN."""
    from sklearn import metrics as m

    if task == "regression":
        return {
            "rmse": float(np.sqrt(m.mean_squared_error(truth, predicted))),
            "mae": float(m.mean_absolute_error(truth, predicted)),
            "r2": _defined(lambda: m.r2_score(truth, predicted)),
        }
    assert proba is not None, "classification metrics need class probabilities"
    labels = list(classes)
    result = {
        "accuracy": float(m.accuracy_score(truth, predicted)),
        "log_loss": float(m.log_loss(truth, proba, labels=labels)),
    }
    if task == "binary":
        score = proba[:, labels.index(positive)]
        is_positive = truth == positive
        result |= {
            "roc_auc": _defined(lambda: m.roc_auc_score(is_positive, score)),
            "average_precision": _defined(lambda: m.average_precision_score(is_positive, score)),
            "f1": float(m.f1_score(is_positive, predicted == positive, zero_division=0.0)),
            "brier": float(m.brier_score_loss(is_positive, score)),
        }
    else:
        for average in ("macro", "weighted"):
            result[f"f1_{average}"] = float(
                m.f1_score(truth, predicted, labels=labels, average=average, zero_division=0.0)
            )
    return {name: result[name] for name in HEADLINE[task]}


def primary_scorer(
    task: str, classes: Sequence[Any] = (), positive: Any = None
) -> Callable[[Any, Any, Any], float]:
    """scorer(estimator, X, y), higher is better, for permutation importance."""
    from sklearn import metrics as m

    labels = list(classes)

    def score(estimator: Any, features: Any, truth: Any) -> float:
        if task == "regression":
            return -float(np.sqrt(m.mean_squared_error(truth, estimator.predict(features))))
        proba = estimator.predict_proba(features)
        if task == "binary":
            return _defined(
                lambda: m.roc_auc_score(truth == positive, proba[:, labels.index(positive)])
            )
        return -float(m.log_loss(truth, proba, labels=labels))

    return score


def _defined(compute: Callable[[], float]) -> float:
    """NaN instead of an exception or warning when a metric is undefined (e.g. one class)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return float(compute())
        except ValueError:
            return float("nan")
