"""Paired bootstrap of metric deltas: both models are scored on the same resampled test rows.

A resample is a vector of row counts (how often each test row was drawn). Every headline
metric is written as a function of those counts, so a block of resamples is scored with a few
matrix products and running sums instead of a Python loop. Counts are float32 (exact) and a
block is small enough to stay in the CPU's cache: 1,000 paired resamples of 200,000 rows take
about 5 s of CPU (`bench/bootstrap.py`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from gitml.config.metric_names import LOWER_IS_BETTER
from gitml.ml.ranking import binary_scorer, ratio

Scorer = Callable[[np.ndarray], dict[str, np.ndarray]]
_EPS = np.finfo(np.float64).eps
BLOCK_CELLS = 1_000_000  # resamples x rows per block: a block's sums stay in the CPU's cache


@dataclass(frozen=True)
class MetricDelta:
    """One metric of two models on the same rows, with a bootstrap interval of the delta."""

    name: str
    baseline: float
    branch: float
    delta: float  # branch - baseline
    low: float  # confidence interval of the delta
    high: float
    lower_is_better: bool
    se: float = math.nan  # bootstrap standard error of the delta (NaN: unpaired, or older)

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> MetricDelta:
        """A metric as report.json stores it, where JSON's null stands for NaN (undefined)."""
        numbers = {
            key: math.nan if record.get(key) is None else float(record[key])
            for key in ("baseline", "branch", "delta", "low", "high", "se")
        }
        return cls(record["name"], lower_is_better=bool(record["lower_is_better"]), **numbers)

    @property
    def improvement(self) -> tuple[float, float, float]:
        """(delta, low, high) oriented so that positive always means "branch is better"."""
        if self.lower_is_better:
            return -self.delta, -self.high, -self.low
        return self.delta, self.low, self.high


@dataclass(frozen=True)
class Interval:
    value: float
    low: float
    high: float


def paired_bootstrap(
    baseline: Scorer,
    branch: Scorer,
    n_rows: int,
    resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> list[MetricDelta]:
    """Point estimates and percentile intervals of branch - baseline for every metric."""
    ones = np.ones((1, n_rows))
    base_point, branch_point = baseline(ones), branch(ones)
    deltas: dict[str, list[np.ndarray]] = {name: [] for name in base_point}
    for base_scores, branch_scores in _both_scored(baseline, branch, n_rows, resamples, seed):
        for name, blocks in deltas.items():
            blocks.append(branch_scores[name] - base_scores[name])
    tail = (1 - confidence) / 2 * 100
    results = []
    for name, blocks in deltas.items():
        samples = np.concatenate(blocks)
        samples = samples[np.isfinite(samples)]
        low, high = np.percentile(samples, [tail, 100 - tail]) if len(samples) else (np.nan, np.nan)
        base_value, branch_value = float(base_point[name][0]), float(branch_point[name][0])
        results.append(
            MetricDelta(
                name=name,
                baseline=base_value,
                branch=branch_value,
                delta=branch_value - base_value,
                low=float(low),
                high=float(high),
                lower_is_better=name in LOWER_IS_BETTER,
                se=float(np.std(samples, ddof=1)) if len(samples) > 1 else math.nan,
            )
        )
    return results


def _both_scored(
    baseline: Scorer, branch: Scorer, n_rows: int, resamples: int, seed: int
) -> Iterator[tuple[dict[str, np.ndarray], dict[str, np.ndarray]]]:
    """Both models' scores of each block of resamples, in the blocks' order.

    The baseline's scores and the next block's draw run on a second thread while this one
    scores the branch: NumPy releases the GIL in its sorts, gathers, sums and products, so a
    second core nearly halves the bootstrap's wall time. The draws and the sums are the same
    as on one thread, so are the intervals.
    """
    blocks = resample_weights(n_rows, resamples, seed)
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="bootstrap") as pool:
        upcoming = pool.submit(next, blocks, None)
        while (weights := upcoming.result()) is not None:
            upcoming = pool.submit(next, blocks, None)
            theirs = pool.submit(baseline, weights)
            mine = branch(weights)
            yield theirs.result(), mine


def significant(
    metrics: Sequence[MetricDelta], confidence: float, seed_sd: dict[str, float]
) -> set[str]:
    """The metrics whose change is more than test-row sampling and training-seed noise, with
    the family of metrics controlled (Holm's step-down at 1 - `confidence`).

    Each change is a normal test of delta / sqrt(se**2 + 2 * sd**2): `se` is the paired
    bootstrap's (test rows), `sd` the metric's spread across training seeds (`seed_sd`; two
    models, each with its own seed, hence twice its variance). Metrics without a paired
    interval are never significant.
    """
    tests = []
    for metric in metrics:
        spread = math.hypot(metric.se, math.sqrt(2) * seed_sd.get(metric.name, 0.0))
        if math.isfinite(metric.delta) and math.isfinite(spread) and spread > 0:
            # two-sided normal p-value, 2 * (1 - Phi(|z|)) = erfc(|z| / sqrt 2): SciPy's
            # norm.sf without SciPy's import (a second of the report's start-up)
            tests.append((math.erfc(abs(metric.delta) / spread / math.sqrt(2)), metric.name))
    alpha, found = 1 - confidence, set()
    for rank, (p_value, name) in enumerate(sorted(tests)):
        if p_value > alpha / (len(tests) - rank):
            break
        found.add(name)
    return found


def resample_weights(n_rows: int, resamples: int, seed: int) -> Iterator[np.ndarray]:
    """Blocks of bootstrap row counts, shape (block, n_rows); seeded, so reproducible."""
    rng = np.random.default_rng(seed)
    block = max(1, min(resamples, BLOCK_CELLS // max(n_rows, 1)))
    for start in range(0, resamples, block):
        size = min(block, resamples - start)
        drawn = rng.integers(0, n_rows, size=(size, n_rows))
        drawn += np.arange(size)[:, None] * n_rows
        counts = np.bincount(drawn.ravel(), minlength=size * n_rows).reshape(size, n_rows)
        yield counts.astype(np.float32)  # exact: a count stays far below float32's 2**24


def scorer(
    task: str,
    truth: np.ndarray,
    predicted: np.ndarray,
    proba: np.ndarray | None = None,
    classes: Sequence[Any] = (),
    positive: Any = None,
    *,
    row_weights: np.ndarray | None = None,
) -> Scorer:
    """A function from row weights (k, n) to every headline metric of the task, shape (k,).

    With all weights equal to one it returns the same values as `metrics.compute_metrics`.
    `row_weights` (data.weight_column) multiply each resample's counts: weighted metrics.
    """
    if row_weights is not None:
        unweighted = scorer(task, truth, predicted, proba, classes, positive)
        return lambda weights: unweighted(weights * row_weights)
    if task == "regression":
        return _regression_scorer(truth.astype(float), predicted.astype(float))
    assert proba is not None, "classification metrics need class probabilities"
    labels = list(classes)
    truth_index = _class_index(truth, labels)
    row_loss = -np.log(np.clip(proba[np.arange(len(truth)), truth_index], _EPS, 1.0))
    correct = (truth == predicted).astype(float)
    if task == "binary":
        is_positive = truth == positive
        score = proba[:, labels.index(positive)]
        return binary_scorer(is_positive, score, predicted == positive, correct, row_loss)
    return _multiclass_scorer(truth, predicted, labels, correct, row_loss)


def _class_index(truth: np.ndarray, labels: list[Any]) -> np.ndarray:
    """Each row's class as its position in `labels` (one comparison per class, not per row)."""
    index = np.full(len(truth), -1)
    for position, label in enumerate(labels):
        index[truth == label] = position
    if (index < 0).any():
        raise ValueError(f"{truth[index < 0][0]!r} is not one of the model's classes {labels}")
    return index


def _mean(weights: np.ndarray, values: np.ndarray) -> np.ndarray:
    return np.asarray(weights @ values / weights.sum(axis=1))


def _regression_scorer(truth: np.ndarray, predicted: np.ndarray) -> Scorer:
    error = predicted - truth

    def score(weights: np.ndarray) -> dict[str, np.ndarray]:
        total = weights.sum(axis=1)
        squared = weights @ error**2
        spread = weights @ truth**2 - (weights @ truth) ** 2 / total
        with np.errstate(divide="ignore", invalid="ignore"):
            r2 = np.where(spread > 0, 1 - squared / spread, np.nan)
        return {"rmse": np.sqrt(squared / total), "mae": _mean(weights, np.abs(error)), "r2": r2}

    return score


def _multiclass_scorer(
    truth: np.ndarray,
    predicted: np.ndarray,
    labels: list[Any],
    correct: np.ndarray,
    row_loss: np.ndarray,
) -> Scorer:
    actual = np.stack([truth == label for label in labels], axis=1).astype(float)
    guessed = np.stack([predicted == label for label in labels], axis=1).astype(float)
    hits = actual * guessed

    def score(weights: np.ndarray) -> dict[str, np.ndarray]:
        support = weights @ actual
        f1 = ratio(2 * (weights @ hits), support + weights @ guessed)
        return {
            "f1_macro": f1.mean(axis=1),
            "f1_weighted": ratio((f1 * support).sum(axis=1), support.sum(axis=1)),
            "accuracy": _mean(weights, correct),
            "log_loss": _mean(weights, row_loss),
        }

    return score


def metric_intervals(
    task: str,
    truth: np.ndarray,
    predicted: np.ndarray,
    proba: np.ndarray | None,
    classes: list[Any],
    positive: Any,
    resamples: int,
    confidence: float,
    seed: int,
    *,
    row_weights: np.ndarray | None = None,
) -> dict[str, Interval]:
    """Every headline metric with a percentile bootstrap interval (one model, its rows),
    weighted by `row_weights` (data.weight_column) if given."""
    score = scorer(task, truth, predicted, proba, classes, positive, row_weights=row_weights)
    point = score(np.ones((1, len(truth))))
    samples: dict[str, list[np.ndarray]] = {name: [] for name in point}
    for weights in resample_weights(len(truth), resamples, seed):
        for name, values in score(weights).items():
            samples[name].append(values)
    tail = (1 - confidence) / 2 * 100
    result = {}
    for name, blocks in samples.items():
        values = np.concatenate(blocks)
        values = values[np.isfinite(values)]
        low, high = np.percentile(values, [tail, 100 - tail]) if len(values) else (np.nan, np.nan)
        result[name] = Interval(float(point[name][0]), float(low), float(high))
    return result
