"""Binary metrics of weighted rows: ROC AUC, average precision and the linear ones.

Part of the paired bootstrap (`gitml.ml.bootstrap`): a scorer maps a block of row weights
(resample counts, float32; or ones, float64, for the point estimate) to each metric.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Scorer = Callable[[np.ndarray], dict[str, np.ndarray]]


def ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, numerator / denominator, 0.0)


def binary_scorer(
    is_positive: np.ndarray,
    score_: np.ndarray,
    predicted_positive: np.ndarray,
    correct: np.ndarray,
    row_loss: np.ndarray,
) -> Scorer:
    """ROC AUC and average precision from running sums of the weights in score order.

    Rows are sorted by score once; per resample, one cumulative sum over the negatives and one
    over the positives, both in score order, give at every positive row the weight of each
    class scored strictly lower (before its tie group) and, for the negatives, through its tie
    group, which is all both metrics need. (Integer counts sum exactly in float32, so the
    order of the sums does not change a resample's value.)
    """
    order = np.argsort(score_, kind="stable")
    sorted_scores = score_[order]
    new_group = np.r_[True, sorted_scores[1:] != sorted_scores[:-1]]
    starts = np.flatnonzero(new_group)
    group = np.cumsum(new_group) - 1
    ends = np.r_[starts[1:], len(order)]
    sorted_positive = is_positive[order].astype(bool)
    at_positive = np.flatnonzero(sorted_positive)  # sorted positions of the positives
    tied = len(starts) < len(order)
    # per positive: the sorted positions before its tie group and through it, and how many
    # positives and negatives those hold
    before, through = starts[group[at_positive]], ends[group[at_positive]]
    positives_before = np.searchsorted(at_positive, before)
    negatives_before = before - positives_before
    negatives_through = through - np.searchsorted(at_positive, through)
    positive_rows, negative_rows = order[sorted_positive], order[~sorted_positive]
    tp = predicted_positive & is_positive
    fp, fn = predicted_positive & ~is_positive, ~predicted_positive & is_positive
    squared = (score_ - is_positive) ** 2
    linear = np.stack([correct, row_loss, squared, tp, fp, fn], axis=1).astype(np.float64)
    linear_single = linear.astype(np.float32)

    def score(weights: np.ndarray) -> dict[str, np.ndarray]:
        single = weights.dtype == np.float32
        means, true_pos, false_pos, false_neg = _linear_sums(
            weights, linear_single if single else linear
        )
        positive_weights = np.take(weights, positive_rows, axis=1)  # in score order
        below_pos = _cumulative(positive_weights)  # (k, positives + 1)
        below_neg = _cumulative(np.take(weights, negative_rows, axis=1))
        total_pos, total_neg = below_pos[:, -1], below_neg[:, -1]
        neg_before = np.take(below_neg, negatives_before, axis=1)
        if tied:
            pos_before = np.take(below_pos, positives_before, axis=1)
            neg_through = np.take(below_neg, negatives_through, axis=1)
            lower = (neg_before + neg_through) / 2  # ties count one half
        else:
            pos_before, lower = below_pos[:, :-1], neg_before
        above_pos = total_pos[:, None] - pos_before
        above_all = (total_pos + total_neg)[:, None] - pos_before - neg_before
        with np.errstate(divide="ignore", invalid="ignore"):
            auc = _weighted_sum(positive_weights, lower) / (total_pos * total_neg)
            # average precision: each positive row weighs the precision of its threshold
            ap = _weighted_sum(positive_weights, ratio(above_pos, above_all)) / total_pos
        return {
            "roc_auc": np.where((total_pos > 0) & (total_neg > 0), auc, np.nan),
            "average_precision": np.where(total_pos > 0, ap, np.nan),
            "accuracy": means[0],
            "f1": ratio(2 * true_pos, 2 * true_pos + false_pos + false_neg),
            "log_loss": means[1],
            "brier": means[2],
        }

    return score


def _linear_sums(weights: np.ndarray, columns: np.ndarray) -> tuple[np.ndarray, ...]:
    """Weighted means of the first three columns, weighted sums of the others: one product."""
    sums = (weights @ columns).astype(np.float64)
    count = weights.sum(axis=1, dtype=np.float64)
    means = sums[:, :3] / count[:, None]
    return means.T, sums[:, 3], sums[:, 4], sums[:, 5]


def _cumulative(weights: np.ndarray) -> np.ndarray:
    """Running sums with a leading zero column: entry j is the weight of the first j rows."""
    out = np.zeros((weights.shape[0], weights.shape[1] + 1), dtype=weights.dtype)
    np.cumsum(weights, axis=1, out=out[:, 1:])
    return out


def _weighted_sum(weights: np.ndarray, values: np.ndarray) -> np.ndarray:
    return np.asarray(np.einsum("kn,kn->k", weights, values, dtype=np.float64))
