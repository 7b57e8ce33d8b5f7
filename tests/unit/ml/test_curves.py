"""The report's ROC and precision-recall curves are scikit-learn's, point for point, with ties,
collinear runs and a perfect score."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics

from gitml.ml.curves import precision_recall_curve, roc_curve, threshold_counts


def _case(kind: str) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    is_positive = rng.random(2_000) < 0.3
    score = 1 / (1 + np.exp(-(1.5 * is_positive + rng.normal(size=2_000))))
    if kind == "ties":  # few distinct scores: tie groups mixing both classes
        score = np.round(score, 1)
    if kind == "perfect":
        score = is_positive + rng.random(2_000) * 0.5
    if kind == "steps":  # long runs of one class in score order: collinear points to drop
        score = np.repeat(np.arange(200, dtype=float), 10)
        is_positive = np.repeat(rng.random(200) < 0.5, 10)
    return is_positive, score


@pytest.mark.parametrize("kind", ["distinct", "ties", "perfect", "steps"])
def test_the_curves_are_scikit_learns(kind: str) -> None:
    is_positive, score = _case(kind)

    fpr, tpr = roc_curve(is_positive, score)
    precision, recall = precision_recall_curve(is_positive, score)

    expected_fpr, expected_tpr, _ = metrics.roc_curve(is_positive, score)
    expected_precision, expected_recall, _ = metrics.precision_recall_curve(is_positive, score)
    np.testing.assert_array_equal(fpr, expected_fpr)
    np.testing.assert_array_equal(tpr, expected_tpr)
    np.testing.assert_array_equal(precision, expected_precision)
    np.testing.assert_array_equal(recall, expected_recall)


def test_rows_of_one_score_count_once_at_that_threshold() -> None:
    # given scores 0.9 (positive), 0.5 twice (one of each class) and 0.1 (negative)
    is_positive = np.array([True, False, True, False])
    score = np.array([0.9, 0.5, 0.5, 0.1])

    false_pos, true_pos = threshold_counts(is_positive, score)

    # then one point per distinct score, highest first, each counting every row at or above
    assert false_pos.tolist() == [0.0, 1.0, 2.0]
    assert true_pos.tolist() == [1.0, 2.0, 2.0]
    # and the inputs are not reordered
    assert score.tolist() == [0.9, 0.5, 0.5, 0.1]
