"""How far the gate's verdict can be trusted on the default data (issue 18).

Runs in-process the same functions the pipeline and the report run (generate, validate,
split, fit, predict_table, paired_bootstrap, judge), without `dvc repro`:

- seed-only PRs: the baseline model and models that differ only in `seeds.model`, judged on
  the same test rows: how often the gate fails (false alarms) and how often a note says a
  metric moved significantly (spurious notes), with and without the seed and family control;
- each metric's spread across training seeds, from calibration seeds apart from the trials
  (the values for `report.seed_sd`);
- graded degradations: a seed-only model's scores with noise added to their logits, so the
  true ROC AUC fall is known; how often the gate fails at each size, beside its resolution;
- the resolution (tolerance + half-width) on the whole test set and on 1,000 test rows.

`uv run --no-sync python bench/verdict.py` (about 3 minutes on 2 cores); results go to
bench/results/verdict.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from gitml.config.compose import compose_text
from gitml.config.params import Params, parse_params
from gitml.contract.schema import validate_frame
from gitml.ml.bootstrap import MetricDelta, paired_bootstrap, scorer, significant
from gitml.ml.scoring import predict_table
from gitml.ml.synthetic import generate_churn
from gitml.pipeline.split import split_data
from gitml.pipeline.train import describe_model, fit_model
from gitml.report.gate import judge, resolution

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
NOISE = (0.15, 0.3, 0.45, 0.6, 0.8)  # standard deviation of the noise added to the logits


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=20, help="seed-only PRs")
    parser.add_argument("--calibration", type=int, default=8, help="seeds for seed_sd")
    parser.add_argument("--repeats", type=int, default=6, help="noise draws per level")
    parser.add_argument("--rows", type=int, default=None, help="data rows (default: conf's)")
    args = parser.parse_args(argv)
    overrides = [f"data.source.n_rows={args.rows}"] if args.rows else []
    params = parse_params(yaml.safe_load(compose_text(ROOT / "conf", overrides)))
    started = time.perf_counter()
    results = measure(params, args.trials, args.calibration, args.repeats)
    results["seconds"] = round(time.perf_counter() - started, 1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "verdict.json").write_text(json.dumps(results, indent=2) + "\n")
    (RESULTS / "verdict.md").write_text(markdown(results))
    print(markdown(results))
    return 0


def measure(params: Params, trials: int, calibration: int, repeats: int) -> dict[str, Any]:
    data = params.data
    typed, _ = validate_frame(generate_churn(data.source.n_rows, params.seeds.data), data)  # type: ignore[union-attr]
    assert typed is not None
    train, test = split_data(typed, data, params.split, params.seeds.split)
    classes = sorted(train[data.target].unique().tolist())

    def outputs(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        pipeline = fit_model(train, data, params.model, seed)
        table = predict_table(pipeline, test, describe_model(pipeline, params, train_sha256=""))
        proba = table[[f"proba_{c}" for c in classes]].to_numpy(dtype=float)
        return table["truth"].to_numpy(), table["prediction"].to_numpy(), proba

    def compare(base: tuple, mine: tuple, rows: np.ndarray | None = None) -> list[MetricDelta]:
        pick = slice(None) if rows is None else rows
        sides = [
            scorer(data.task, t[pick], p[pick], q[pick], classes, data.positive_class)
            for t, p, q in (base, mine)
        ]
        count = len(base[0]) if rows is None else len(rows)
        settings = params.report
        return paired_bootstrap(*sides, count, settings.resamples, settings.confidence, 0)

    base_seed = params.seeds.model
    baseline = outputs(base_seed)
    # each metric's spread across training seeds, from seeds the trials do not use
    spread = [compare(baseline, outputs(10_000 + k)) for k in range(calibration)]
    branch_values = {m.name: [] for m in spread[0]}
    for metrics in spread:
        for metric in metrics:
            branch_values[metric.name].append(metric.branch)
    values = {
        name: [*v, spread[0][i].baseline] for i, (name, v) in enumerate(branch_values.items())
    }
    seed_sd = {name: round(float(np.std(v, ddof=1)), 5) for name, v in values.items()}

    gate, confidence = params.gate, params.report.confidence
    seed_prs = []
    for k in range(1, trials + 1):
        mine = outputs(base_seed + k)
        metrics = compare(baseline, mine)
        verdict = judge(data.task, metrics, gate, confidence, seed_sd=seed_sd)
        seed_prs.append(
            {
                "seed": base_seed + k,
                "status": verdict.status,
                "notes": sorted(significant(metrics, confidence, seed_sd)),
                "notes_holm_only": sorted(significant(metrics, confidence, {})),
                "notes_old": sorted(
                    m.name for m in metrics if m.low > 0 or m.high < 0
                ),  # the former rule: each 95% interval on its own
            }
        )
    degradations = []
    truth, _, proba = outputs(base_seed + trials + 1)
    positive = classes.index(data.positive_class)
    rng = np.random.default_rng(0)
    for sigma in NOISE:
        for _ in range(repeats):
            degraded = _noisy(proba, positive, sigma, rng)
            predicted = np.where(
                degraded[:, positive] >= 0.5, classes[positive], classes[1 - positive]
            )
            metrics = compare(baseline, (truth, predicted, degraded))
            auc = next(m for m in metrics if m.name == "roc_auc")
            verdict = judge(data.task, metrics, gate, confidence, seed_sd=seed_sd)
            degradations.append(
                {"noise": sigma, "roc_auc_fall": -auc.delta, "failed": verdict.status == "fail"}
            )
    rules = gate.rules[data.task]  # type: ignore[index]
    mine = outputs(base_seed + 1)
    small = np.random.default_rng(1).choice(len(test), min(1000, len(test)), replace=False)
    resolutions = {}
    for label, rows in (("all", None), ("1000", small)):
        resolutions[label] = {
            m.name: round(resolution(m, rules[m.name]), 4)
            for m in compare(baseline, mine, rows)
            if m.name in rules
        }
    return summarise(params, len(test), seed_sd, seed_prs, degradations, resolutions)


def _noisy(proba: np.ndarray, positive: int, sigma: float, rng: np.random.Generator) -> np.ndarray:
    p = np.clip(proba[:, positive], 1e-6, 1 - 1e-6)
    logit = np.log(p / (1 - p)) + rng.normal(0, sigma, len(p))
    out = np.empty_like(proba)
    out[:, positive] = 1 / (1 + np.exp(-logit))
    out[:, 1 - positive] = 1 - out[:, positive]
    return out


def summarise(
    params: Params,
    test_rows: int,
    seed_sd: dict[str, float],
    seed_prs: list[dict[str, Any]],
    degradations: list[dict[str, Any]],
    resolutions: dict[str, dict[str, float]],
) -> dict[str, Any]:
    trials = len(seed_prs)

    def share(key: str) -> float:
        return round(sum(bool(pr[key]) for pr in seed_prs) / trials, 3)

    levels = []
    for sigma in NOISE:
        runs = [d for d in degradations if d["noise"] == sigma]
        levels.append(
            {
                "noise": sigma,
                "mean_roc_auc_fall": round(float(np.mean([d["roc_auc_fall"] for d in runs])), 4),
                "detected": f"{sum(d['failed'] for d in runs)}/{len(runs)}",
            }
        )
    return {
        "data": f"{params.data.name}, {params.data.source.n_rows:,} rows, {test_rows:,} test rows",  # type: ignore[union-attr]
        "model": params.model.name,
        "seed_sd": seed_sd,
        "seed_only_prs": trials,
        "false_alarms": sum(pr["status"] == "fail" for pr in seed_prs),
        "spurious_note_share": share("notes"),
        "spurious_note_share_holm_only": share("notes_holm_only"),
        "spurious_note_share_old_rule": share("notes_old"),
        "statuses": {
            s: sum(pr["status"] == s for pr in seed_prs) for s in {p["status"] for p in seed_prs}
        },
        "degradations": levels,
        "resolution": resolutions,
        "trials": seed_prs,
    }


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "# The verdict's figures (bench/verdict.py)",
        "",
        f"Data: {results['data']}; model: {results['model']}; {results.get('seconds', '?')} s.",
        "",
        f"- Seed-only PRs (`seeds.model` changed): {results['seed_only_prs']}; the gate failed "
        f"{results['false_alarms']} of them; statuses {results['statuses']}.",
        f"- PRs with a spurious significance note: {results['spurious_note_share']:.0%} "
        f"(Holm without the seed term: {results['spurious_note_share_holm_only']:.0%}; the "
        f"former per-metric rule: {results['spurious_note_share_old_rule']:.0%}).",
        f"- Spread across training seeds (`report.seed_sd`): {results['seed_sd']}",
        "",
        "| logit noise | mean ROC AUC fall | gate failed |",
        "|---|---|---|",
    ]
    lines += [
        f"| {d['noise']} | {d['mean_roc_auc_fall']:.4f} | {d['detected']} |"
        for d in results["degradations"]
    ]
    lines += [
        "",
        "| resolution (tolerance + half-width) | "
        + " | ".join(results["resolution"]["all"])
        + " |",
    ]
    lines += ["|---" * (1 + len(results["resolution"]["all"])) + "|"]
    for label, values in results["resolution"].items():
        rows = "all test rows" if label == "all" else f"{label} test rows"
        lines += [f"| {rows} | " + " | ".join(f"{v:.4f}" for v in values.values()) + " |"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
