"""The report's data section: the branch's contract, rows added, removed and changed, and
drift against the baseline's data."""

from __future__ import annotations

import math
from typing import Any

from gitml.render.markdown import table
from gitml.report.data_diff import DataDiff
from gitml.report.gate import possessive


def data(diff: DataDiff, baseline: str, limit: int | None) -> str:
    parts = [_validation(diff.validation)]
    if diff.not_compared:
        parts.append(diff.not_compared + "\n")
    if diff.baseline_rows is not None:
        mine = "?" if diff.branch_rows is None else f"{diff.branch_rows:,}"  # no validation.json
        if diff.same_data:
            parts.append(f"Same validated data as {baseline} ({mine} rows).\n")
        else:
            parts.append(
                f"Rows: {diff.baseline_rows:,} on {baseline} → {mine} on the branch "
                f"(**+{diff.added:,}** added, **-{diff.removed:,}** removed).\n"
            )
            parts += _changed_columns(diff)
            parts += _changed_rows(diff, baseline, limit)
    if diff.drift:
        rows = [
            [
                d.column,
                d.kind,
                *(_stat(d.stats.get(k)) for k in ("psi", "js", "ks", "wasserstein")),
                "⚠️ " + ", ".join(d.drifted) if d.drifted else "—",
            ]
            for d in diff.drift
        ]
        header = ["column", "kind", "PSI", "JS", "KS", "Wasserstein/sd", "drifted"]
        drifted = sum(d.is_drifted for d in diff.drift)
        parts.append(
            f"Drift against {baseline}'s data: **{drifted} of {len(diff.drift)} columns** "
            "over a threshold.\n\n" + table(header, rows, limit, "columns")
        )
    return "\n".join(parts)


def target_changed(diff: DataDiff, baseline: str) -> str:
    """The warning for labels edited in place, or "" (said in the verdict and the data)."""
    if not diff.changed or not diff.target_changes:
        return ""
    return (
        f"The target `{diff.target}` changed for {diff.target_changes:,} of the "
        f"{diff.changed.matched:,} rows both {baseline} and the branch have (matched by "
        f"`{diff.id_column}`): the metrics are measured against other answers than "
        f"{possessive(baseline)} for these rows. Review the data change."
    )


def _changed_columns(diff: DataDiff) -> list[str]:
    return [
        f"Columns {word}: **{', '.join(f'`{column}`' for column in columns)}**.\n"
        for word, columns in (("removed", diff.columns_removed), ("added", diff.columns_added))
        if columns
    ]


def _changed_rows(diff: DataDiff, baseline: str, limit: int | None) -> list[str]:
    changed = diff.changed
    if changed is None:  # matched by content: a changed row is one removed plus one added
        return []
    if not changed.rows:
        return [f"No row kept under the same `{diff.id_column}` changed a value.\n"]
    shown = list(changed.columns.items())
    cut = shown if limit is None else shown[:limit]
    columns = ", ".join(f"{name}: {count:,}" for name, count in cut)
    more = f", and {len(shown) - len(cut)} more columns" if len(cut) < len(shown) else ""
    parts = []
    if warning := target_changed(diff, baseline):
        parts.append(f"⚠️ **{warning}**\n")
    parts.append(
        f"Changed: **{changed.rows:,} rows** of the {changed.matched:,} kept under the same "
        f"`{diff.id_column}` have other values ({columns}{more}).\n"
    )
    return parts


def _validation(report: dict[str, Any] | None) -> str:
    if report is None:
        return "No validation report (reports/validation.json) on the branch.\n"
    if report.get("passed"):
        nulls = sum(int(c.get("nulls", 0)) for c in report.get("columns", {}).values())
        return f"✅ Contract passed: {report['rows']:,} rows, {nulls:,} missing values in all.\n"
    rows = [
        [
            f["column"],
            f["check"],
            f"{f['count']:,}",
            ", ".join(map(str, f.get("samples", [])[:5])),
            ", ".join(map(str, f.get("rows", [])[:5])),
        ]
        for f in report.get("failures", [])
    ]
    header = ["column", "check", "failures", "sample values", "first rows (from 0)"]
    return f"❌ **Contract broken** ({report['rows']:,} rows):\n\n" + table(header, rows, None)


def _stat(value: float | None) -> str:
    return f"{value:.3f}" if value is not None and math.isfinite(value) else ""
