"""The model card: Markdown written with each model, from the pipeline's own outputs.

Rendered here rather than with `skops.card`: skops builds a card from a fitted estimator and
free-form sections (with its own hyperparameter dump and plots as image files), while every
fact this card states already exists as a pipeline output (metrics, slices, importance,
dvc.lock) or in conf/, and GitHub and the service's GET /card show plain Markdown tables as
they are, with no images to host.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from gitml.config.params import Params
from gitml.errors import DataError
from gitml.io import read_json, read_table
from gitml.ml.bootstrap import Interval, metric_intervals
from gitml.render.markdown import table

CARD_FILE = "model_card.md"


def render_card(
    params: Params,
    *,
    meta: dict[str, Any],
    intervals: dict[str, Interval],
    test_rows: int,
    class_shares: dict[str, float],
    slices: list[dict[str, Any]],
    importance: list[dict[str, Any]],
    lineage: dict[str, Any],
    drifted: list[str],
) -> str:
    """The card's Markdown; pure: every input is read by `build_card`."""
    card, data = params.card, params.data
    confidence = f"{params.report.confidence:.0%}"
    lines = [
        f"# Model card: {data.name} ({data.task}, target `{data.target}`)",
        "",
        f"**Owner:** {card.owner}",
        "",
        f"**Intended use:** {card.intended_use}",
        "",
    ]
    if card.out_of_scope:
        lines += [f"**Out of scope:** {card.out_of_scope}", ""]
    lines += ["## Data", ""]
    train = meta.get("train_data", {})
    lines.append(
        f"Contract `conf/data/{data.name}.yaml`: {len(data.feature_columns)} features, "
        f"{len(data.columns)} columns; training data `{train.get('path')}` (sha256 "
        f"`{str(train.get('sha256'))[:16]}…`); {test_rows:,} test rows."
    )
    lines += ["", table(["column", "dtype", "nullable", "rule"], _columns(params)), ""]
    lines += ["## Model and parameters", ""]
    lines += [table(["parameter", "value"], sorted(meta.get("model", {}).items())), ""]
    lines += [f"## Metrics on the test set ({confidence} bootstrap intervals)", ""]
    rows = [
        [name, f"{i.value:.4f}", f"[{i.low:.4f}, {i.high:.4f}]"] for name, i in intervals.items()
    ]
    lines += [table(["metric", "value", "interval"], rows), ""]
    if slices:
        metric = next(k for k in slices[0] if k not in ("feature", "value", "rows"))
        worst = sorted(slices, key=lambda s: _sort_key(s.get(metric)))
        shown = [[s["feature"], s["value"], s["rows"], _number(s.get(metric))] for s in worst[:8]]
        lines += [f"## Slices (lowest {metric} first)", ""]
        lines += [table(["feature", "value", "rows", metric], shown), ""]
    if importance:
        top = importance[:10]
        rows = [[i["feature"], _number(i["importance"]), _number(i["std"])] for i in top]
        lines += [f"## Feature importance (permutation, {top[0]['score']})", ""]
        lines += [table(["feature", "importance", "std"], rows), ""]
    lines += ["## Limitations", ""]
    lines += [f"- {item}" for item in limitations(params, test_rows, class_shares, drifted)]
    lines += ["", "## Lineage", ""]
    lines.append(f"- commit `{lineage['commit']}`, trained {meta.get('trained_at')}")
    for stage, outs in lineage["stages"].items():
        lines.append(f"- `{stage}`: " + ", ".join(f"`{p}` md5 `{h[:12]}`" for p, h in outs))
    versions = meta.get("versions", {})
    lines.append("- " + ", ".join(f"{name} {v}" for name, v in versions.items()))
    return "\n".join(lines) + "\n"


def limitations(
    params: Params, test_rows: int, class_shares: dict[str, float], drifted: list[str]
) -> list[str]:
    card = params.card
    found = []
    if test_rows < card.min_test_rows:
        found.append(
            f"Small test set: {test_rows:,} rows (under card.min_test_rows, "
            f"{card.min_test_rows:,}), so the intervals above are wide."
        )
    rare = [
        f"{c} ({share:.1%})" for c, share in class_shares.items() if share < card.rare_class_share
    ]
    if rare:
        found.append(f"Rare classes in the test set: {', '.join(rare)}: their metrics are noisy.")
    if drifted:
        found.append(
            f"Drifted in production at the last `gitml monitor`: {', '.join(drifted)}: "
            "the metrics above may not hold there."
        )
    found.append(
        "Measured on a held-out split of the training data; live performance is measured by "
        "`gitml monitor` once labels arrive."
    )
    return found


def build_card(params: Params, root: Path = Path()) -> str:
    """Read the pipeline's outputs (and reports/monitor.json if present) and render the card."""
    paths = params.paths
    for path in (paths.model_meta, paths.predictions):
        if not (root / path).is_file():
            raise DataError(f"{path} not found: the model card needs it. Run `dvc repro` first.")
    meta = read_json(root / paths.model_meta)
    table_ = read_table(root / paths.predictions)
    classes = meta["classes"]
    proba = table_[[f"proba_{c}" for c in classes]].to_numpy() if classes else None
    intervals = metric_intervals(
        meta["task"],
        table_["truth"].to_numpy(),
        table_["prediction"].to_numpy(),
        proba,
        classes,
        meta["positive_class"],
        params.report.resamples,
        params.report.confidence,
        params.seed,
        row_weights=table_["weight"].to_numpy(dtype=float) if "weight" in table_ else None,
    )
    shares = table_["truth"].astype(str).value_counts(normalize=True) if classes else None
    class_shares = {str(k): float(v) for k, v in shares.items()} if shares is not None else {}
    monitor = root / "reports/monitor.json"
    drifted = read_json(monitor).get("drifted_columns", []) if monitor.is_file() else []
    return render_card(
        params,
        meta=meta,
        intervals=intervals,
        test_rows=len(table_),
        class_shares=class_shares,
        slices=_optional(root / paths.slices),
        importance=_optional(root / paths.importance),
        lineage=lineage(root),
        drifted=drifted,
    )


def lineage(root: Path) -> dict[str, Any]:
    """The commit and every stage's output hashes in dvc.lock."""
    import yaml

    result = subprocess.run(
        ["git", "rev-parse", "--short=12", "HEAD"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    lock_path = root / "dvc.lock"
    lock = yaml.safe_load(lock_path.read_text(encoding="utf-8")) if lock_path.is_file() else {}
    stages = {
        name: [(out["path"], str(out.get("md5", ""))) for out in stage.get("outs", [])]
        for name, stage in (lock or {}).get("stages", {}).items()
    }
    return {"commit": result.stdout.strip() or "unknown", "stages": stages}


def _columns(params: Params) -> list[list[object]]:
    data = params.data
    rows: list[list[object]] = []
    for name, spec in data.columns.items():
        roles = {data.target: " (target)", data.id_column: " (id)", data.weight_column: " (weight)"}
        role = roles.get(name, "")
        rule = []
        if spec.min is not None or spec.max is not None:
            rule.append(f"[{_bound(spec.min)}, {_bound(spec.max)}]")
        if spec.allowed:
            rule.append(", ".join(map(str, spec.allowed)))
        if spec.unique:
            rule.append("unique")
        rows.append(
            [f"{name}{role}", spec.dtype, "yes" if spec.nullable else "no", "; ".join(rule)]
        )
    return rows


def _sort_key(value: Any) -> float:
    return float("inf") if value is None else float(value)


def _optional(path: Path) -> list[dict[str, Any]]:
    return list(read_json(path)) if path.is_file() else []


def _bound(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _number(value: Any) -> str:
    return "—" if value is None else f"{float(value):.4f}"
