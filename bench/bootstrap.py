"""The report's paired bootstrap alone: two binary models on the same simulated test rows.

The report at 1e6 rows bootstraps 200,000 test rows x 1,000 resamples; this times that call
(and prints the ROC AUC delta's interval, which must not move when the code gets faster).
Run with `uv run --no-sync python bench/bootstrap.py [--rows 200000] [--resamples 1000]`.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from gitml.ml.bootstrap import paired_bootstrap, scorer


def model(truth: np.ndarray, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    p_yes = 1 / (1 + np.exp(-(truth * 1.5 - 0.75 + rng.normal(0, noise, len(truth)))))
    return (p_yes > 0.5).astype(int), np.column_stack([1 - p_yes, p_yes])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--resamples", type=int, default=1000)
    args = parser.parse_args()
    truth = (np.random.default_rng(0).random(args.rows) < 0.3).astype(int)
    scorers = [
        scorer("binary", truth, *model(truth, noise, seed), [0, 1], 1)
        for noise, seed in ((1.0, 1), (1.1, 2))
    ]
    started, cpu = time.perf_counter(), time.process_time()
    metrics = paired_bootstrap(*scorers, args.rows, args.resamples, 0.95, seed=0)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    auc = next(m for m in metrics if m.name == "roc_auc")
    print(
        f"{args.rows:,} rows x {args.resamples:,} resamples: {seconds:.2f} s wall, "
        f"{cpu:.2f} s CPU (on a shared machine CPU is the steadier figure); "
        f"ROC AUC delta {auc.delta:.5f} [{auc.low:.5f}, {auc.high:.5f}]"
    )


if __name__ == "__main__":
    main()
