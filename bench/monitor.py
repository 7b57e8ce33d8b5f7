"""False alarms and detection of `gitml monitor` at the default thresholds (conf/monitor/).

The reference is the embedded generator's data at one seed (`--reference-rows`); each trial
is a window of `--live-rows` records from the generator at another seed, written as the
service logs them and read back, unshifted or shifted in one column (numbers by `--shift`
standard deviations, categories and booleans by that share of values moved to the rarest
value). Reported: the share of unshifted windows that raise an alarm (target: ≤ 5%), and per
shifted column the share of windows where that column is flagged, and where any other column
is. Results: bench/results/monitor.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from gitml.config.compose import compose_text
from gitml.config.params import parse_params
from gitml.ml.synthetic import generate_churn
from gitml.monitor.assess import assess
from gitml.monitor.logs import read_traffic
from gitml.monitor.simulate import reference_predictions, shifted, traffic_lines, write_traffic
from pipeline import RESULTS, ROOT

START = datetime(2026, 12, 1, tzinfo=UTC)
SHIFTED = (
    "tenure_months",
    "monthly_charges",
    "noise_normal",
    "contract",
    "region",
    "senior_citizen",
)


def trial(
    params: Any, reference: Any, predictions: Any, rows: int, seed: int, shifts: dict[str, float]
) -> Any:
    live = shifted(generate_churn(rows, seed=seed), shifts, params.data, seed)
    with tempfile.TemporaryDirectory() as folder:
        write_traffic(Path(folder), traffic_lines(live, params.data, START))
        traffic = read_traffic(folder, START, START + timedelta(days=7))
    return assess(
        traffic, reference, predictions, data=params.data, settings=params.monitor, seed=seed
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=200, help="unshifted windows")
    parser.add_argument("--shifted-seeds", type=int, default=20, help="windows per shifted column")
    parser.add_argument("--reference-rows", type=int, default=40_000)
    parser.add_argument("--live-rows", type=int, default=2_000)
    parser.add_argument("--shift", type=float, nargs="+", default=[0.1, 0.3])
    args = parser.parse_args()
    params = parse_params(yaml.safe_load(compose_text(ROOT / "conf", [])))
    reference = generate_churn(args.reference_rows, seed=1)
    predictions = reference_predictions(reference)
    seeds = range(1000, 1000 + args.seeds)
    alarms = [
        s for s in seeds if trial(params, reference, predictions, args.live_rows, s, {}).action_due
    ]
    detection = []
    for amount in args.shift:
        for column in SHIFTED:
            flagged = others = 0
            for seed in range(2000, 2000 + args.shifted_seeds):
                shifts = {column: amount}
                result = trial(params, reference, predictions, args.live_rows, seed, shifts)
                flagged += column in result.drifted
                others += any(name != column for name in result.drifted)
            detection.append(
                {
                    "column": column,
                    "shift": amount,
                    "flagged": flagged / args.shifted_seeds,
                    "other_columns_flagged": others / args.shifted_seeds,
                }
            )
    results = {
        "reference_rows": args.reference_rows,
        "live_rows": args.live_rows,
        "shift": args.shift,
        "unshifted_windows": args.seeds,
        "false_alarm_rate": len(alarms) / args.seeds,
        "false_alarm_seeds": alarms,
        "shifted_windows_per_column": args.shifted_seeds,
        "detection": detection,
        "thresholds": params.monitor.drift.model_dump(),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "monitor.json").write_text(json.dumps(results, indent=2) + "\n")
    (RESULTS / "monitor.md").write_text(table(results) + "\n")
    print(table(results))


def table(results: dict[str, Any]) -> str:
    limits = ", ".join(f"{k} {v}" for k, v in results["thresholds"].items() if k != "max_rows")
    lines = [
        f"Reference {results['reference_rows']:,} rows; windows of {results['live_rows']:,} "
        f"records; default thresholds ({limits}).",
        "",
        f"Unshifted: {results['false_alarm_rate']:.1%} of {results['unshifted_windows']} windows "
        f"raised an alarm (target ≤ 5%).",
        "",
        "Shifted (numbers: by standard deviations; others: that share of values moved to the "
        f"rarest), {results['shifted_windows_per_column']} windows per column and shift:",
        "",
        "| shifted column | shift | flagged | another column flagged |",
        "|---|---|---|---|",
    ]
    for row in results["detection"]:
        lines.append(
            f"| {row['column']} | {row['shift']} | {row['flagged']:.0%} | "
            f"{row['other_columns_flagged']:.0%} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
