"""ROC and precision-recall curves of a binary score, as scikit-learn computes them.

The PR report draws both curves for both models; these give scikit-learn's points (unweighted
rows) with one sort each, so the report need not import scikit-learn and SciPy (about a
second at start-up) just to draw them. tests/unit/ml/test_curves.py holds them to
scikit-learn's `roc_curve` and `precision_recall_curve`.
"""

from __future__ import annotations

import numpy as np


def threshold_counts(is_positive: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """False and true positives (float) when the rows scored at least each distinct score are
    called positive, highest threshold first."""
    order = np.argsort(score, kind="stable")[::-1]  # the order within a tie does not matter
    ranked = score[order]
    last = np.r_[np.flatnonzero(np.diff(ranked)), len(ranked) - 1]  # each tie group's end
    true_pos = np.cumsum(is_positive[order], dtype=np.float64)[last]
    return 1 + last - true_pos, true_pos


def roc_curve(is_positive: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """False and true positive rates from (0, 0) up, collinear points dropped (scikit-learn's
    `roc_curve` with `drop_intermediate=True`); the test set must hold both classes."""
    false_pos, true_pos = threshold_counts(is_positive, score)
    if len(false_pos) > 2:
        turns = np.logical_or(np.diff(false_pos, 2), np.diff(true_pos, 2))
        keep = np.flatnonzero(np.r_[True, turns, True])
        false_pos, true_pos = false_pos[keep], true_pos[keep]
    false_pos, true_pos = np.r_[0.0, false_pos], np.r_[0.0, true_pos]
    return false_pos / false_pos[-1], true_pos / true_pos[-1]


def precision_recall_curve(
    is_positive: np.ndarray, score: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Precision and recall, recall falling to a last point (recall 0, precision 1), as
    scikit-learn's `precision_recall_curve`; the test set must hold a positive."""
    false_pos, true_pos = threshold_counts(is_positive, score)
    precision = true_pos / (true_pos + false_pos)  # never 0/0: each threshold calls a row
    recall = true_pos / true_pos[-1]
    return np.r_[precision[::-1], 1.0], np.r_[recall[::-1], 0.0]
