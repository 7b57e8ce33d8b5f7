"""The binary scorer's running sums give scikit-learn's ROC AUC and average precision, with
ties and with row weights (a bootstrap resample is a row of integer weights)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from gitml.ml.ranking import binary_scorer


def _case(ties: bool) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    is_positive = rng.random(400) < 0.3
    score = 1 / (1 + np.exp(-(1.5 * is_positive + rng.normal(size=400))))
    return is_positive, np.round(score, 1) if ties else score


@pytest.mark.parametrize("ties", [False, True])
def test_auc_and_ap_match_scikit_learn_for_every_weighting(ties: bool) -> None:
    is_positive, score = _case(ties)
    zeros = np.zeros(len(score))
    scorer = binary_scorer(is_positive, score, score >= 0.5, zeros, zeros)
    rng = np.random.default_rng(4)
    weights = np.vstack(
        [np.ones(len(score)), rng.multinomial(len(score), [1 / len(score)] * len(score))]
    )

    scored = scorer(weights.astype(np.float64))

    for row, w in enumerate(weights):
        assert scored["roc_auc"][row] == pytest.approx(
            roc_auc_score(is_positive, score, sample_weight=w), abs=1e-9
        )
        assert scored["average_precision"][row] == pytest.approx(
            average_precision_score(is_positive, score, sample_weight=w), abs=1e-9
        )


def test_a_resample_without_positives_has_no_auc_rather_than_a_number() -> None:
    is_positive, score = _case(ties=False)
    zeros = np.zeros(len(score))
    scorer = binary_scorer(is_positive, score, score >= 0.5, zeros, zeros)
    only_negatives = (~is_positive).astype(np.float64)[None, :]

    scored = scorer(only_negatives)

    assert np.isnan(scored["roc_auc"][0])
    assert np.isnan(scored["average_precision"][0])
