"""Both models on the same test rows: paired metric deltas, moved slices, chart inputs."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from gitml.config.metric_names import LOWER_IS_BETTER, SLICE_METRICS
from gitml.io import read_json
from gitml.ml.bootstrap import BLOCK_CELLS, MetricDelta, Scorer, paired_bootstrap, scorer
from gitml.ml.meta import read_model_meta
from gitml.ml.metrics import compute_metrics
from gitml.report.pairing import baseline_table, need

if TYPE_CHECKING:
    import pandas as pd

    from gitml.config.params import EvaluateParams, ReportParams
    from gitml.ml.meta import ModelMeta
    from gitml.report.baseline import Artifacts

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Scored:
    """One model's outputs on the compared rows."""

    truth: np.ndarray
    predicted: np.ndarray
    proba: np.ndarray | None
    weights: np.ndarray | None = None  # the branch's row weights (data.weight_column), if any


@dataclass(frozen=True)
class ModelComparison:
    task: str
    classes: list[Any]
    positive: Any
    rows: int
    pairing: str  # "same rows" | "rescored" | "unpaired" | "not comparable" | "no baseline"
    note: str
    metrics: list[MetricDelta]
    identical: bool = False
    slices: list[dict[str, Any]] = field(default_factory=list)
    branch: Scored | None = None
    baseline: Scored | None = None
    not_comparable: str = ""  # why the baseline's metrics measure something else, if they do


def compare_models(
    branch: Artifacts,
    baseline: Artifacts | None,
    settings: ReportParams,
    evaluate: EvaluateParams,
    seed: int,
) -> ModelComparison:
    """Score both models on the branch's test rows and bootstrap every headline delta."""
    import pandas as pd

    meta = read_model_meta(need(branch, "model_meta"))
    table = pd.read_parquet(need(branch, "predictions"))
    task, classes, positive = meta.task, meta.classes, meta.positive_class
    base_table, table, pairing, note = baseline_table(branch, baseline, table, meta)
    mine = _scored(table, meta)
    if base_table is None:
        changed = note if pairing == "not comparable" else ""
        # numbers of another target or dataset are not shown beside the branch's
        recorded = baseline.files.get("metrics") if baseline and not changed else None
        theirs_metrics = read_json(recorded) if recorded else {}
        if changed:
            note = (
                f"Not comparable with the baseline: {changed}; only the branch's metrics are shown."
            )
        return ModelComparison(
            task,
            classes,
            positive,
            len(table),
            pairing,
            note,
            _unpaired(task, mine, classes, positive, theirs_metrics),
            branch=mine,
            not_comparable=changed,
        )
    # both models weighted by the branch's row weights: the same rows count the same for both
    theirs = _scored(base_table, meta, mine.weights)
    metrics = paired_bootstrap(
        _scorer(theirs, task, classes, positive),
        _scorer(mine, task, classes, positive),
        len(table),
        settings.resamples,
        settings.confidence,
        seed,
    )
    identical = _same_outputs(mine, theirs)
    test = pd.read_parquet(need(branch, "test"))
    slices = (
        [] if identical else moved_slices(test, table, mine, theirs, meta=meta, settings=evaluate)
    )
    return ModelComparison(
        task,
        classes,
        positive,
        len(table),
        pairing,
        note,
        metrics,
        identical,
        slices[: settings.top_slices],
        mine,
        theirs,
    )


def moved_slices(
    test: pd.DataFrame,
    table: pd.DataFrame,
    mine: Scored,
    theirs: Scored,
    *,
    meta: ModelMeta,
    settings: EvaluateParams,
) -> list[dict[str, Any]]:
    """The slice metric of both models per frequent categorical value, largest move first."""
    metric = SLICE_METRICS[meta.task][0]
    features = test.loc[table["row_id"].to_numpy()]
    found: list[tuple[str, str, int]] = []
    masks: list[np.ndarray] = []
    for feature in meta.features:
        if feature.kind == "numeric" or feature.name not in features:
            continue
        values = features[feature.name].astype(object).fillna("(missing)").astype(str)
        counts = values.value_counts()
        for value, rows in counts.iloc[: settings.slice_max_categories].items():
            if rows < settings.slice_min_rows:
                break
            found.append((feature.name, str(value), int(rows)))
            masks.append((values == value).to_numpy())
    base, new = (_slice_scores(side, masks, meta, metric) for side in (theirs, mine))
    slices: list[dict[str, Any]] = [
        {
            "feature": name,
            "value": value,
            "rows": rows,
            "metric": metric,
            "baseline": float(before),
            "branch": float(after),
            "delta": float(after - before),
        }
        for (name, value, rows), before, after in zip(found, base, new, strict=True)
    ]
    movement = [abs(s["delta"]) if np.isfinite(s["delta"]) else -1.0 for s in slices]
    return [slices[i] for i in np.argsort(movement, kind="stable")[::-1]]


def _slice_scores(
    side: Scored, masks: list[np.ndarray], meta: ModelMeta, metric: str
) -> np.ndarray:
    """`metric` over each slice's rows: a slice is a row weight of one or zero, so one sort
    and a few running sums score every slice (the bootstrap's scorer; `compute_metrics` on
    each slice's rows gives the same values, with one sort per slice)."""
    score = _scorer(side, meta.task, meta.classes, meta.positive_class)
    block = max(1, BLOCK_CELLS // max(len(side.truth), 1))
    scores = [
        score(np.array(masks[start : start + block], dtype=np.float64))[metric]
        for start in range(0, len(masks), block)
    ]
    return np.concatenate(scores) if scores else np.zeros(0)


def _scored(table: pd.DataFrame, meta: ModelMeta, weights: np.ndarray | None = None) -> Scored:
    """`table`'s outputs, with `weights`, or else the table's own `weight` column if any."""
    proba = None
    if meta.task != "regression":
        proba = table[[f"proba_{c}" for c in meta.classes]].to_numpy(dtype=float)
    if weights is None and "weight" in table:
        weights = table["weight"].to_numpy(dtype=float)
    return Scored(table["truth"].to_numpy(), table["prediction"].to_numpy(), proba, weights)


def _scorer(side: Scored, task: str, classes: list[Any], positive: Any) -> Scorer:
    return scorer(
        task, side.truth, side.predicted, side.proba, classes, positive, row_weights=side.weights
    )


def _same_outputs(mine: Scored, theirs: Scored) -> bool:
    if not np.array_equal(mine.predicted, theirs.predicted):
        return False
    if mine.proba is None or theirs.proba is None:
        return True
    return bool(np.array_equal(mine.proba, theirs.proba))


def _unpaired(
    task: str, mine: Scored, classes: list[Any], positive: Any, recorded: dict[str, Any]
) -> list[MetricDelta]:
    """Branch metrics beside the baseline's recorded ones, with no interval."""
    values = compute_metrics(
        task, mine.truth, mine.predicted, mine.proba, classes, positive, weights=mine.weights
    )
    nan = float("nan")
    deltas = []
    for name, value in values.items():
        before = recorded.get(name)
        before = float(before) if isinstance(before, int | float) else nan
        deltas.append(
            MetricDelta(name, before, value, value - before, nan, nan, name in LOWER_IS_BETTER)
        )
    return deltas
