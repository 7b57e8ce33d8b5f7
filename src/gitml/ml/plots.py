"""Plot data for DVC (`dvc plots`) and the PR report: small tables of points, not images."""

from __future__ import annotations

from typing import Any

import numpy as np

Rows = list[dict[str, Any]]


def classification_plots(
    truth: np.ndarray,
    predicted: np.ndarray,
    proba: np.ndarray,
    *,
    classes: list[Any],
    positive: Any,
    max_points: int,
    bins: int,
    confusion_rows: int,
    seed: int,
) -> dict[str, Rows]:
    """ROC, precision-recall and calibration (binary) and the confusion matrix rows."""
    from sklearn.calibration import calibration_curve
    from sklearn.metrics import precision_recall_curve, roc_curve

    plots: dict[str, Rows] = {"confusion": _confusion(truth, predicted, confusion_rows, seed)}
    if len(classes) != 2:
        return plots
    score = proba[:, classes.index(positive)]
    is_positive = truth == positive
    if is_positive.all() or not is_positive.any():
        return plots  # curves are undefined when the test set holds one class
    fpr, tpr, _ = roc_curve(is_positive, score)
    precision, recall, _ = precision_recall_curve(is_positive, score)
    observed, expected = calibration_curve(is_positive, score, n_bins=bins, strategy="quantile")
    plots["roc"] = _thin({"fpr": fpr, "tpr": tpr}, max_points)
    plots["precision_recall"] = _thin(
        {"recall": recall[::-1], "precision": precision[::-1]}, max_points
    )
    plots["calibration"] = _table({"mean_predicted": expected, "fraction_positive": observed})
    return plots


def regression_plots(
    truth: np.ndarray, predicted: np.ndarray, max_points: int, seed: int
) -> dict[str, Rows]:
    """Predicted vs actual for a random sample of rows."""
    rows = _sample(len(truth), max_points, seed)
    return {"predicted_vs_actual": _table({"actual": truth[rows], "predicted": predicted[rows]})}


def _confusion(truth: np.ndarray, predicted: np.ndarray, max_rows: int, seed: int) -> Rows:
    # DVC's confusion template aggregates raw (actual, predicted) rows; cap them for size
    rows = _sample(len(truth), max_rows, seed)
    return _table({"actual": truth[rows].astype(str), "predicted": predicted[rows].astype(str)})


def _sample(n: int, k: int, seed: int) -> np.ndarray:
    if n <= k:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, k, replace=False))


def _thin(columns: dict[str, np.ndarray], max_points: int) -> Rows:
    """Keep at most `max_points` evenly spaced points of a curve, always with both ends."""
    n = len(next(iter(columns.values())))
    keep = np.unique(np.linspace(0, n - 1, min(n, max_points)).round().astype(int))
    return _table({name: values[keep] for name, values in columns.items()})


def _table(columns: dict[str, np.ndarray]) -> Rows:
    names = list(columns)
    values = [np.asarray(columns[name]).tolist() for name in names]
    return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]
