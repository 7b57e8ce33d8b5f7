"""reports/monitor.md and reports/monitor.json, rendered like the PR report."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from gitml.ml.drift import ColumnDrift
from gitml.monitor.assess import Assessment
from gitml.render.charts import BRANCH_COLOUR, BRANCH_KEY, IDEAL_COLOUR, IDEAL_KEY, Series, xychart
from gitml.render.markdown import Section, render, table

STATS = ("psi", "js", "ks", "wasserstein")


def status(result: Assessment) -> str:
    if result.action_due:
        return "action due"
    return "no action" if result.enough else "not enough traffic yet"


def too_little(result: Assessment) -> str:
    """What a window below monitor.min_records lacks, and where the bar is set."""
    return (
        f"not enough traffic yet: {result.scored_records:,} scored record(s) in the window, "
        f"drift is judged from {result.min_records:,} (monitor.min_records in "
        "conf/monitor/default.yaml, then `gitml compose`); nothing is flagged and no "
        "retraining is proposed until then"
    )


def summary(
    result: Assessment, since: datetime, until: datetime, thresholds: dict[str, float]
) -> dict[str, Any]:
    """monitor.json: everything the Markdown shows, for scripts and the retraining PR."""
    live = result.live
    return {
        "status": status(result),
        "action_due": result.action_due,
        "reasons": result.reasons,
        "window": {"since": since.isoformat(), "until": until.isoformat()},
        "scored_records": result.scored_records,
        "min_records": result.min_records,
        "scored_requests": result.scored_requests,
        "refused_requests": result.refused_requests,
        "refused_share": result.refused_share,
        "models": result.models,
        "drifted_columns": result.drifted,
        "not_logged": result.not_logged,
        "thresholds": thresholds,
        "columns": [_drift_json(c) for c in result.columns],
        "predictions": [_drift_json(c) for c in result.predictions],
        "volume": [{"period": period, "records": count} for period, count in result.volume],
        "labels": None
        if live is None
        else {
            "labelled": live.labelled,
            "unmatched_labels": live.unmatched_labels,
            "primary": live.primary,
            "worse": live.worse,
            "metrics": {
                name: {"test": vars(live.test[name]), "live": vars(live.live[name])}
                for name in live.live
            },
        },
    }


def markdown(result: Assessment, since: datetime, until: datetime, limits: dict[str, float]) -> str:
    verdict = status(result).upper()
    icon = "🔴" if result.action_due else ("🟢" if result.enough else "⚪")
    lines = [f"- {reason}" for reason in result.reasons]
    if not result.enough:
        lines.append(f"- {too_little(result)}")
    lines = lines or ["- nothing over its threshold"]
    title = (
        f"## {icon} gitml monitor: {verdict}\n\n"
        f"Window {since:%Y-%m-%d %H:%M} → {until:%Y-%m-%d %H:%M} UTC · "
        f"{result.scored_records:,} records in {result.scored_requests:,} requests · "
        f"{result.refused_requests:,} refused by the contract ({result.refused_share:.1%}) · "
        f"model {', '.join(result.models) or '(none)'}\n\n" + "\n".join(lines) + "\n"
    )
    sections = [
        Section(
            "Feature drift against the training data",
            _drift_body(result.columns, limits, result, features=True),
            1,
        ),
        Section(
            "Prediction drift against the test set's predictions",
            _drift_body(result.predictions, limits, result, features=False),
            2,
        ),
    ]
    if result.live is not None:
        sections.append(
            Section(
                "Live metrics (labels joined on id) beside the test set", _labels_body(result), 3
            )
        )
    sections.append(Section("Volume", _volume_body(result), 4))
    footer = (
        "\n_Thresholds: conf/monitor/default.yaml. Drift statistics as in the PR report: "
        "PSI, Jensen-Shannon (categories), Kolmogorov-Smirnov and Wasserstein / reference std "
        "(numbers)._\n"
    )
    return render(title, sections, footer, None)


def _drift_body(
    drift: list[ColumnDrift], limits: dict[str, float], result: Assessment, *, features: bool
) -> str:
    judged = result.enough
    rows = [
        [
            f"{'🔴 ' if c.is_drifted else ''}{c.column}",
            c.kind,
            *(_number(c.stats.get(stat)) for stat in STATS),
            (", ".join(c.drifted) or "—") if judged else "not judged",
        ]
        for c in drift
    ]
    body = (
        ""
        if judged
        else (
            f"Not judged: {result.scored_records:,} scored record(s), fewer than "
            f"monitor.min_records ({result.min_records:,}). At this size the statistics are "
            "noise: they are shown, not compared with the thresholds.\n\n"
        )
    )
    body += table(["column", "kind", *STATS, "over threshold"], rows)
    body += "\nThresholds: " + ", ".join(f"{k} {v:g}" for k, v in limits.items()) + "\n"
    if features and result.not_logged:
        body += f"\nNot in the log (serve.traffic_log.exclude): {', '.join(result.not_logged)}.\n"
    shown = [c for c in drift if math.isfinite(c.stats.get("psi", math.nan))][:10] if judged else []
    if shown:
        top = max(*(c.stats["psi"] for c in shown), limits["psi"]) * 1.1
        body += "\n" + xychart(
            "PSI per column (largest first)",
            x_title="column",
            x_axis=[c.column for c in shown],
            y_title="PSI",
            y_range=(0, top),
            series=[
                Series("PSI", [c.stats["psi"] for c in shown], BRANCH_COLOUR, BRANCH_KEY, "bar"),
                Series("threshold", [limits["psi"]] * len(shown), IDEAL_COLOUR, IDEAL_KEY),
            ],
        )
    return body


def _labels_body(result: Assessment) -> str:
    live = result.live
    assert live is not None
    rows = [
        [
            f"{'**' + name + '**' if name == live.primary else name}",
            _interval(live.test[name]),
            _interval(live.live[name]),
        ]
        for name in live.live
    ]
    body = f"{live.labelled:,} logged records matched a label"
    body += f" ({live.unmatched_labels:,} labels matched none in this window).\n\n"
    return body + table(["metric", "test set", "live"], rows)


def _volume_body(result: Assessment) -> str:
    if not result.volume:
        return "No scored records in the window.\n"
    labels = [period for period, _ in result.volume]
    counts = [count for _, count in result.volume]
    chart = xychart(
        "Scored records per period",
        x_title="period",
        x_axis=labels,
        y_title="records",
        y_range=(0, max(counts) * 1.1),
        series=[Series("records", counts, BRANCH_COLOUR, BRANCH_KEY, "bar")],
    )
    return table(["period", "records"], result.volume, limit=48) + "\n" + chart


def _drift_json(drift: ColumnDrift) -> dict[str, Any]:
    stats = {k: (None if not math.isfinite(v) else v) for k, v in drift.stats.items()}
    return {"column": drift.column, "kind": drift.kind, "stats": stats, "drifted": drift.drifted}


def _interval(value: Any) -> str:
    if not math.isfinite(value.value):
        return "—"
    return f"{value.value:.4f} [{value.low:.4f}, {value.high:.4f}]"


def _number(value: float | None) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value:.3f}"
