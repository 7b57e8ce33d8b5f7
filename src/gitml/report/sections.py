"""The report's sections, most important first; each returns markdown for one part."""

from __future__ import annotations

import json
import math
from collections import Counter
from typing import Any

import numpy as np

from gitml.ml.bootstrap import MetricDelta, significant
from gitml.ml.preflight import small_test_set
from gitml.render import charts
from gitml.render.charts import Series
from gitml.render.markdown import table
from gitml.report.compare import ModelComparison, Scored
from gitml.report.gate import Verdict, resolution
from gitml.report.rules import Rules, flatten

ICONS = {
    "pass": "✅",
    "pass within tolerance": "✅",
    "fail": "❌",
    "no change": "⚪",
    "not comparable": "⚠️",
}


def verdict(result: Verdict, summary: str) -> str:
    status = "PASS within tolerance" if result.status == "pass within tolerance" else None
    status = status or result.status.upper()
    lines = [f"## {ICONS[result.status]} gitml report: {status}", "", summary, ""]
    fell = [note.split(" ", 1)[0] for note in result.notes if note.endswith("worse.")]
    if result.status == "pass within tolerance":
        lines += [f"Passes within tolerance; significantly worse: {', '.join(fell)}.", ""]
    lines += [f"- ❌ {reason}" for reason in result.reasons]
    lines += [f"- ⚠️ {warning}" for warning in result.warnings]
    lines += [f"- {'▲' if 'better' in note else '▼'} {note}" for note in result.notes]
    return "\n".join(lines) + "\n"


def metrics(
    result: ModelComparison, judged: Rules, baseline: str, seed_sd: dict[str, float]
) -> str:
    rules = judged.gate.rules.get(result.task, {})  # type: ignore[call-overload]
    level = f"{judged.confidence:.0%} CI"
    moved = significant(result.metrics, judged.confidence, seed_sd)
    rows, seen = [], []

    for metric in result.metrics:
        rule = rules.get(metric.name)
        guard = "" if rule is None else _rule_text(rule.min, rule.max, rule.tolerance)
        if rule is not None and rule.tolerance is not None and result.not_comparable:
            guard += " (skipped: not comparable)"
        interval = (
            f"{_signed(metric.low)} to {_signed(metric.high)}" if math.isfinite(metric.low) else "—"
        )
        rows.append(
            [
                f"**{metric.name}**" if rule else metric.name,
                _value(metric.baseline),
                _value(metric.branch),
                _signed(metric.delta),
                interval,
                _direction(metric, metric.name in moved),
                guard,
            ]
        )
        smallest = resolution(metric, rule) if rule is not None else math.nan
        if math.isfinite(smallest) and not result.not_comparable:
            seen.append(f"{metric.name} {smallest:.4f}")
    header = ["metric", baseline, "branch", "change", level, "", "gate"]
    direction = "▲ significantly better · ▼ significantly worse · ≈ no significant change"
    text = f"{table(header, rows)}\n{result.note} {direction} (beyond test-row and training-seed "
    text += "noise, over the family of metrics). **Bold**: gated metrics.\n"
    if seen:
        text += (
            f"\n**Resolution**: the smallest fall the gate detects on these test rows "
            f"(tolerance + half the interval): {', '.join(seen)}.\n"
        )
    return text + _small_test_set(result)


def _small_test_set(result: ModelComparison) -> str:
    """split's warning, when the test rows are too few for the intervals to say much, or ""."""
    if result.branch is None:
        return ""
    counts = None
    if result.task != "regression":
        counts = dict.fromkeys(result.classes, 0) | Counter(result.branch.truth.tolist())
    problems = small_test_set(result.rows, counts)
    if not problems:
        return ""
    return (
        f"\n⚠️ The test set has {problems}: the intervals are wide, so a real change can show "
        "as ≈. Add rows, or raise `split.test_size`.\n"
    )


def params_diff(old: dict[str, Any], new: dict[str, Any], baseline: str, limit: int | None) -> str:
    # no params at all (a baseline without a run) has no keys, not one empty key
    before, after = (_code_values(flatten(side)) if side else {} for side in (old, new))
    keys = sorted(set(before) | set(after))
    rows = [
        [f"`{key}`", before.get(key, "(absent)"), after.get(key, "(absent)")]
        for key in keys
        if before.get(key) != after.get(key)
    ]
    if not rows:
        return "No parameter changed.\n"
    return table(["parameter", baseline, "branch"], rows, limit, "parameters", align=":--")


def plots(
    result: ModelComparison, importance: dict[str, list[dict[str, Any]]], top: int, baseline: str
) -> str:
    parts = []
    if result.task == "binary":
        parts += _binary_curves(result, baseline)
    if result.task == "regression":
        parts.append(_predicted_vs_actual(result, baseline))
    if result.not_comparable:  # its importances are in another target's (or task's) units
        importance = {side: rows for side, rows in importance.items() if side != "baseline"}
    parts.append(_importance(importance, top, baseline))
    return "\n".join(part for part in parts if part) or "No plot applies to this task.\n"


def _sides(result: ModelComparison, baseline: str) -> list[tuple[Scored, str, str, str]]:
    """(outputs, name, colour, caption key) of each model present, baseline first."""
    pairs = [
        (result.baseline, baseline, charts.BASELINE_COLOUR, charts.BASELINE_KEY),
        (result.branch, "branch", charts.BRANCH_COLOUR, charts.BRANCH_KEY),
    ]
    present = []
    for side, name, colour, key in pairs:
        if side is not None:
            present.append((side, name, colour, key))
    return present


def _binary_curves(result: ModelComparison, baseline: str) -> list[str]:
    mine = result.branch
    if mine is None or mine.proba is None:
        return []
    is_positive = mine.truth == result.positive
    if is_positive.all() or not is_positive.any():
        return []  # curves are undefined on a test set with one class
    column = result.classes.index(result.positive)
    roc, pr = [], []
    for side, name, colour, key in _sides(result, baseline):
        score = side.proba[:, column] if side.proba is not None else side.predicted
        roc.append(Series(name, charts.roc_points(is_positive, score), colour, key))
        pr.append(Series(name, charts.precision_points(is_positive, score), colour, key))
    return [
        charts.xychart(
            "ROC curve",
            x_title="false positive rate",
            x_axis=(0, 1),
            y_title="true positive rate",
            y_range=(0, 1),
            series=roc,
        ),
        charts.xychart(
            "Precision-recall curve",
            x_title="recall",
            x_axis=(0, 1),
            y_title="precision",
            y_range=(0, 1),
            series=pr,
        ),
    ]


def _predicted_vs_actual(result: ModelComparison, baseline: str) -> str:
    if result.branch is None:
        return ""
    sides = _sides(result, baseline)
    truth = result.branch.truth.astype(float)
    labels, means = charts.binned_means(truth, [s[0].predicted.astype(float) for s in sides])
    series = [Series("actual (ideal)", means[0], charts.IDEAL_COLOUR, charts.IDEAL_KEY)]
    for (_, name, colour, key), values in zip(sides, means[1:], strict=True):
        series.append(Series(name, values, colour, key))
    low = float(min(np.min(m) for m in means))
    high = float(max(np.max(m) for m in means))
    return charts.xychart(
        "Predicted vs actual: mean per decile of the actual value",
        x_title="actual (decile mean)",
        x_axis=labels,
        y_title="mean",
        y_range=(low, high),
        series=series,
    )


def _importance(importance: dict[str, list[dict[str, Any]]], top: int, baseline: str) -> str:
    mine = importance.get("branch", [])[:top]
    if not mine:
        return ""
    names = [row["feature"] for row in mine]
    # as measured: a negative importance (shuffling the feature helped) is drawn below zero
    values = [float(row["importance"]) for row in mine]
    bars = [Series("branch", values, charts.BRANCH_COLOUR, charts.BRANCH_KEY, kind="bar")]
    low, high = min(*values, 0.0) * 1.1, max(*values, 0.0) * 1.1
    if low < 0:  # xychart draws bars from the axis' lower end: a line marks where 0 is
        bars.append(
            Series("0: no effect", [0.0] * len(values), charts.IDEAL_COLOUR, charts.IDEAL_KEY)
        )
    chart = charts.xychart(
        "Top feature importances (branch)",
        x_title="feature",
        x_axis=names,
        y_title=f"{mine[0].get('score', 'score drop')} when shuffled",  # e.g. fall in roc_auc
        y_range=(low, high) if high > low else (0.0, 1.0),
        series=bars,
        horizontal=True,
    )
    header = ["feature", "branch"]
    rows = [[row["feature"], _value(row["importance"])] for row in mine]
    if "baseline" in importance:  # not when absent, or in another target's units
        theirs = {row["feature"]: float(row["importance"]) for row in importance["baseline"]}
        header.insert(1, baseline)
        for line in rows:
            line.insert(1, _value(theirs.get(line[0], math.nan)))
        # the baseline's top features that the branch dropped: what the change gave up
        features = {row["feature"] for row in importance["branch"]}
        rows += [
            [row["feature"], _value(row["importance"]), "not a feature"]
            for row in importance["baseline"][:top]
            if row["feature"] not in features
        ]
    return chart + "\n" + table(header, rows)


def confusion(result: ModelComparison, limit: int) -> str:
    mine, theirs = result.branch, result.baseline
    if result.task == "regression" or mine is None:
        return ""
    labels = list(result.classes)[:limit]
    rows = []
    for actual in labels:
        row: list[object] = [f"**{actual}**"]
        for guess in labels:
            count = int(np.sum((mine.truth == actual) & (mine.predicted == guess)))
            cell = f"{count:,}"
            if theirs is not None:
                change = count - int(np.sum((theirs.truth == actual) & (theirs.predicted == guess)))
                cell += f" ({change:+,})" if change else ""
            row.append(cell)
        rows.append(row)
    note = " (change against the baseline in brackets)" if theirs is not None else ""
    cut = (
        f" Showing {limit} of {len(result.classes)} classes." if len(result.classes) > limit else ""
    )
    header = ["actual \\ predicted", *[str(label) for label in labels]]
    return f"{table(header, rows)}\nBranch counts on the test rows{note}.{cut}\n"


def slices(moved: list[dict[str, Any]], baseline: str) -> str:
    if not moved:
        return "No slice moved (or no categorical feature has a slice of the minimum size).\n"
    rows = [
        [
            f"{s['feature']} = {s['value']}",
            f"{s['rows']:,}",
            s["metric"],
            _value(s["baseline"]),
            _value(s["branch"]),
            _signed(s["delta"]),
        ]
        for s in moved
    ]
    header = ["slice", "rows", "metric", baseline, "branch", "change"]
    return table(header, rows) + (
        "\nPoint estimates on the same rows, each slice scored over the classes it holds (a "
        "class absent from a slice does not count as an f1 of 0); small slices are noisy.\n"
    )


def lineage(rows: list[list[str]], baseline: str) -> str:
    return table(["", baseline, "branch"], rows, align=":--")


def _direction(metric: MetricDelta, moved: bool) -> str:
    gain, low, _ = metric.improvement
    if not math.isfinite(low):
        return ""
    return "≈" if not moved else "▲" if gain > 0 else "▼"


def _rule_text(low: float | None, high: float | None, tolerance: float | None) -> str:
    parts = ([f"≥ {low:g}"] if low is not None else []) + (
        [f"≤ {high:g}"] if high is not None else []
    )
    return ", ".join(parts + ([f"tolerance {tolerance:g}"] if tolerance is not None else []))


def _value(value: float) -> str:
    return f"{value:.4f}" if math.isfinite(value) else "—"


def _signed(value: float) -> str:
    return f"{value:+.4f}" if math.isfinite(value) else "—"


def _code_values(flat: dict[str, Any]) -> dict[str, str]:
    return {
        key: f"`{json.dumps(value, default=str, ensure_ascii=False)}`"
        for key, value in flat.items()
    }
