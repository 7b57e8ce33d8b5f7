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

    Rows are sorted by score once; per resample, a cumulative sum over all rows and one over
    the positives give, at every positive row, the weight of the rows scored strictly lower
    (the start of its tie group) and through its tie group, which is all both metrics need.
    """
    order = np.argsort(score_, kind="stable")
    sorted_scores = score_[order]
    new_group = np.r_[True, sorted_scores[1:] != sorted_scores[:-1]]
    starts = np.flatnonzero(new_group)
    group = np.cumsum(new_group) - 1
    ends = np.r_[starts[1:], len(order)]
    at_positive = np.flatnonzero(is_positive[order])  # sorted positions of the positives
    tied = len(starts) < len(order)
    # per positive: rows before its tie group, rows through it; and positives before each
    before, through = starts[group[at_positive]], ends[group[at_positive]]
    positives_before = np.searchsorted(at_positive, before)
    positives_through = np.searchsorted(at_positive, through)
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
        sorted_weights = np.take(weights, order, axis=1)
        below_all = _cumulative(sorted_weights)  # (k, n + 1): weight of the first j sorted rows
        positive_weights = np.take(sorted_weights, at_positive, axis=1)
        below_pos = _cumulative(positive_weights)
        total_pos = below_pos[:, -1]
        total_weight = below_all[:, -1]
        if tied:
            pos_before = np.take(below_pos, positives_before, axis=1)
            neg_before = np.take(below_all, before, axis=1) - pos_before
            neg_through = np.take(below_all, through, axis=1)
            neg_through -= np.take(below_pos, positives_through, axis=1)
            lower = (neg_before + neg_through) / 2  # ties count one half
            above_all = total_weight[:, None] - np.take(below_all, before, axis=1)
        else:
            pos_before = below_pos[:, :-1]
            lower = np.take(below_all, at_positive, axis=1) - pos_before
            above_all = total_weight[:, None] - lower - pos_before
        above_pos = total_pos[:, None] - pos_before
        with np.errstate(divide="ignore", invalid="ignore"):
            total_neg = total_weight - total_pos
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
