import math
from dataclasses import asdict
from typing import Any

import numpy as np
import pytest
from scipy.stats import norm
from sklearn import metrics as skm

from gitml.config.metric_names import HEADLINE
from gitml.ml.bootstrap import MetricDelta, paired_bootstrap, resample_weights, scorer, significant
from gitml.ml.metrics import compute_metrics


def binary_case(rng: np.random.Generator, n: int, signal: float) -> dict[str, Any]:
    truth = np.where(rng.random(n) < 0.3, "yes", "no")
    logit = signal * (truth == "yes") + rng.normal(size=n)
    p_yes = np.round(1 / (1 + np.exp(-logit + 1)), 2)  # rounded: many tied scores
    proba = np.column_stack([1 - p_yes, p_yes])
    predicted = np.where(p_yes >= 0.5, "yes", "no")
    return {"truth": truth, "predicted": predicted, "proba": proba, "classes": ["no", "yes"]}


def multiclass_case(rng: np.random.Generator, n: int) -> dict[str, Any]:
    classes = ["a", "b", "c"]
    truth = rng.choice(classes, size=n, p=[0.5, 0.3, 0.2])
    raw = rng.random((n, 3)) + 2 * (truth[:, None] == np.array(classes))
    proba = raw / raw.sum(axis=1, keepdims=True)
    predicted = np.array(classes)[proba.argmax(axis=1)]
    return {"truth": truth, "predicted": predicted, "proba": proba, "classes": classes}


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_unit_weights_reproduce_compute_metrics(task: str) -> None:
    rng = np.random.default_rng(1)
    if task == "binary":
        case = binary_case(rng, 500, 2.0) | {"positive": "yes"}
    elif task == "multiclass":
        case = multiclass_case(rng, 500) | {"positive": None}
    else:
        truth = rng.normal(10, 3, 500)
        case = {"truth": truth, "predicted": truth + rng.normal(0, 1, 500), "proba": None}
        case |= {"classes": [], "positive": None}
    args = (task, case["truth"], case["predicted"], case["proba"], case["classes"])

    scores = scorer(*args, case["positive"])(np.ones((1, 500)))

    expected = compute_metrics(*args, case["positive"])
    assert set(scores) == set(HEADLINE[task])
    for name, value in expected.items():
        assert scores[name][0] == pytest.approx(value, rel=1e-9), name


def test_weights_match_sklearn_sample_weight_with_ties() -> None:
    # given one bootstrap resample, i.e. integer row weights, and heavily tied scores
    rng = np.random.default_rng(2)
    case = binary_case(rng, 400, 1.5)
    weights = next(resample_weights(400, 1, seed=3))[0]
    is_yes, score = case["truth"] == "yes", case["proba"][:, 1]

    got = scorer("binary", **case, positive="yes")(weights[None, :])

    assert got["roc_auc"][0] == pytest.approx(
        skm.roc_auc_score(is_yes, score, sample_weight=weights)
    )
    assert got["average_precision"][0] == pytest.approx(
        skm.average_precision_score(is_yes, score, sample_weight=weights)
    )
    assert got["f1"][0] == pytest.approx(
        skm.f1_score(is_yes, case["predicted"] == "yes", sample_weight=weights)
    )
    multi = multiclass_case(rng, 400)
    got = scorer("multiclass", **multi)(weights[None, :])
    for average in ("macro", "weighted"):
        assert got[f"f1_{average}"][0] == pytest.approx(
            skm.f1_score(multi["truth"], multi["predicted"], average=average, sample_weight=weights)
        )


def test_resamples_are_seeded_row_counts() -> None:
    first = np.concatenate(list(resample_weights(50, 30, seed=7)))
    again = np.concatenate(list(resample_weights(50, 30, seed=7)))

    assert first.shape == (30, 50)
    assert (first.sum(axis=1) == 50).all()  # each resample draws n rows with replacement
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, np.concatenate(list(resample_weights(50, 30, seed=8))))


def test_identical_models_have_a_zero_interval() -> None:
    case = binary_case(np.random.default_rng(4), 300, 1.0)
    same = scorer("binary", **case, positive="yes")

    results = paired_bootstrap(same, same, 300, resamples=200, seed=0)

    assert all(r.delta == 0 and r.low == 0 and r.high == 0 for r in results)


def test_interval_covers_the_true_auc_delta_about_95_percent_of_the_time() -> None:
    # given two models whose population ROC AUCs are known: positives ~ N(d, 1), negatives
    # ~ N(0, 1) give AUC = Phi(d / sqrt(2)); both score the same simulated rows (paired)
    d_base, d_branch, n, simulations = 1.0, 1.3, 400, 200
    true_delta = norm.cdf(d_branch / np.sqrt(2)) - norm.cdf(d_base / np.sqrt(2))
    rng = np.random.default_rng(5)
    covered = 0
    for simulation in range(simulations):
        truth = np.where(rng.random(n) < 0.4, "yes", "no")
        is_yes = truth == "yes"
        noise = rng.normal(size=n)  # shared noise makes the two models' errors correlated
        models = []
        for d in (d_base, d_branch):
            raw = d * is_yes + 0.6 * noise + 0.8 * rng.normal(size=n)
            p_yes = 1 / (1 + np.exp(-raw))
            proba = np.column_stack([1 - p_yes, p_yes])
            predicted = np.where(p_yes >= 0.5, "yes", "no")
            models.append(scorer("binary", truth, predicted, proba, ["no", "yes"], "yes"))

        results = paired_bootstrap(models[0], models[1], n, resamples=300, seed=simulation)

        auc = next(r for r in results if r.name == "roc_auc")
        covered += auc.low <= true_delta <= auc.high
    # 95% nominal; 200 simulations give a standard error of ~1.5 points
    assert 0.89 <= covered / simulations <= 0.99


def test_improvement_is_oriented_so_positive_means_better() -> None:
    rng = np.random.default_rng(6)
    truth = rng.normal(0, 1, 300)
    good = scorer("regression", truth, truth + rng.normal(0, 0.5, 300))
    bad = scorer("regression", truth, truth + rng.normal(0, 1.5, 300))

    results = {r.name: r for r in paired_bootstrap(bad, good, 300, resamples=200)}

    assert results["rmse"].delta < 0  # the branch's error is lower...
    assert results["rmse"].improvement[1] > 0  # ...which is a significant improvement
    assert results["r2"].improvement[1] > 0


def test_the_standard_error_is_the_spread_of_the_resampled_deltas() -> None:
    rng = np.random.default_rng(3)
    truth = rng.random(2000) < 0.3
    base, branch = (np.clip(truth * 0.4 + rng.random(2000) * 0.6, 0, 1) for _ in range(2))

    def side(score: np.ndarray) -> Any:
        proba = np.stack([1 - score, score], axis=1)
        return scorer("binary", truth.astype(int), (score > 0.5).astype(int), proba, [0, 1], 1)

    metrics = paired_bootstrap(side(base), side(branch), 2000, 400, 0.95, 0)
    auc = next(m for m in metrics if m.name == "roc_auc")

    # a 95% percentile interval spans about four standard errors
    assert (auc.high - auc.low) / auc.se == pytest.approx(3.92, rel=0.15)
    assert MetricDelta.from_json({**asdict(auc), "se": None}).se != auc.se  # older reports: NaN


def test_significant_is_holm_over_the_family_with_the_seed_spread() -> None:
    strong = MetricDelta("roc_auc", 0.8, 0.77, -0.03, -0.04, -0.02, False, se=0.005)
    weak = MetricDelta("f1", 0.6, 0.59, -0.01, -0.02, -0.0, False, se=0.005)  # z = 2

    twin = MetricDelta("accuracy", 0.8, 0.79, -0.01, -0.02, -0.0, False, se=0.005)
    assert significant([weak], 0.95, {}) == {"f1"}  # p 0.046 < 0.05 alone
    assert significant([weak, twin], 0.95, {}) == set()  # > 0.05 / 2: the family is controlled
    assert significant([strong, weak], 0.95, {}) == {"roc_auc", "f1"}  # Holm's step-down
    assert significant([strong], 0.95, {"roc_auc": 0.02}) == set()  # within seed noise
    unpaired = MetricDelta("accuracy", 0.8, 0.7, -0.1, math.nan, math.nan, False)
    assert significant([unpaired], 0.95, {}) == set()
