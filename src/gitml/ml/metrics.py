"""Headline metrics per task, shared by evaluation, slices and (later) the PR report."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np

from gitml.config.metric_names import HEADLINE


def compute_metrics(
    task: str,
    truth: np.ndarray,
    predicted: np.ndarray,
    proba: np.ndarray | None = None,
    classes: Sequence[Any] = (),
    positive: Any = None,
    names: Sequence[str] | None = None,
    present_only: bool = False,
    *,
    weights: np.ndarray | None = None,
) -> dict[str, float]:
    """Metrics `names` (default: the task's headline set); one undefined on this data is NaN.

    `present_only` (a slice): f1_macro and f1_weighted average over the classes `truth`
    holds, so a class absent from the slice does not count as an f1 of 0. `weights`: row
    weights (data.weight_column), or None for every row counting once.
    """
    from sklearn import metrics as m

    labels = list(classes)
    f1_labels = [c for c in labels if c in set(truth.tolist())] if present_only else labels
    w = weights
    if task == "regression":
        candidates: dict[str, Callable[[], float]] = {
            "rmse": lambda: np.sqrt(m.mean_squared_error(truth, predicted, sample_weight=w)),
            "mae": lambda: m.mean_absolute_error(truth, predicted, sample_weight=w),
            "r2": lambda: m.r2_score(truth, predicted, sample_weight=w),
        }
    else:
        assert proba is not None, "classification metrics need class probabilities"
        candidates = {
            "accuracy": lambda: np.average(truth == predicted, weights=w),
            "log_loss": lambda: m.log_loss(truth, proba, labels=labels, sample_weight=w),
        }
        if task == "binary":
            score, is_positive = proba[:, labels.index(positive)], truth == positive
            candidates |= {
                "roc_auc": lambda: (
                    roc_auc(is_positive, score)
                    if w is None
                    else m.roc_auc_score(is_positive, score, sample_weight=w)
                ),
                "average_precision": lambda: m.average_precision_score(
                    is_positive, score, sample_weight=w
                ),
                "f1": lambda: m.f1_score(
                    is_positive, predicted == positive, zero_division=0.0, sample_weight=w
                ),
                "brier": lambda: np.average((score - is_positive) ** 2, weights=w),
            }
        else:
            for average in ("macro", "weighted"):
                candidates[f"f1_{average}"] = partial(
                    m.f1_score,
                    truth,
                    predicted,
                    labels=f1_labels,
                    average=average,
                    zero_division=0.0,
                    sample_weight=w,
                )
    return {name: _defined(candidates[name]) for name in names or HEADLINE[task]}


def roc_auc(is_positive: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve by the rank (Mann-Whitney) formula; ties count one half.

    Equal to scikit-learn's roc_auc_score, without its per-call validation overhead.
    """
    from scipy.stats import rankdata

    positives = int(is_positive.sum())
    negatives = len(is_positive) - positives
    if positives == 0 or negatives == 0:
        return float("nan")
    ranks = rankdata(score)
    return float(
        (ranks[is_positive].sum() - positives * (positives + 1) / 2) / (positives * negatives)
    )


# what primary_score's fall means, per task: permutation importance is measured in it
PRIMARY_SCORE_LOSS = {
    "binary": "fall in roc_auc",
    "multiclass": "rise in log_loss",
    "regression": "rise in rmse",
}


def primary_score(
    task: str, classes: Sequence[Any] = (), positive: Any = None
) -> Callable[[np.ndarray, np.ndarray], float]:
    """score(truth, output), higher is better; output is class probabilities or predictions."""
    from sklearn import metrics as m

    labels = list(classes)

    def score(truth: np.ndarray, output: np.ndarray) -> float:
        if task == "regression":
            return -float(np.sqrt(m.mean_squared_error(truth, output)))
        if task == "binary":
            return roc_auc(truth == positive, output[:, labels.index(positive)])
        return -float(m.log_loss(truth, output, labels=labels))

    return score


def _defined(compute: Callable[[], float]) -> float:
    """NaN instead of an exception or warning when a metric is undefined (e.g. one class)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return float(compute())
        except ValueError:
            return float("nan")
