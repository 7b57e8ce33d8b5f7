"""Pipeline benchmark: overhead vs a plain script, scaling per stage, and the no-op repro.

Every figure is measured in this run on this machine, in a fresh temporary git repo per size
and data source; ratios compare against the plain script measured alongside. Two sources:
`synthetic` (ingest generates the data) and `file` (the same data written once, untimed, to a
DVC-tracked Parquet file that ingest reads, as when a team brings its own data). Run with
`make bench`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
STAGES = ("ingest", "validate", "split", "train", "evaluate")
FILES = (
    "conf",
    "src",
    "dvc.yaml",
    "params.yaml",
    ".gitignore",
    ".dvcignore",
    ".dvc/config",
    ".dvc/.gitignore",
)
SOURCES = ("synthetic", "file")
EXTERNAL = "data/external/churn.parquet"
# the synthetic generator's data at the project's seed, as a file a team would bring
WRITE_DATA = """
import sys
from pathlib import Path
from gitml.config import load_params
from gitml.synthetic import generate_churn
Path(sys.argv[2]).parent.mkdir(parents=True, exist_ok=True)
generate_churn(int(sys.argv[1]), load_params().seed).to_parquet(sys.argv[2], index=False)
"""
ENV = os.environ | {
    "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    "DVC_NO_ANALYTICS": "1",
    "DVC_NO_UPDATE_CHECK": "1",
}


def measure(argv: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of a command and its children (worst child)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(
            f"{' '.join(argv)} failed:\n{process.stderr.read().decode() if process.stderr else ''}"
        )
    return seconds, usage.ru_maxrss / 1024


def project(rows: int, source: str) -> Path:
    root = Path(tempfile.mkdtemp(prefix=f"gitml-bench-{rows}-{source}-"))
    for name in FILES:
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy2)(ROOT / name, target)
    compose = [sys.executable, "-m", "gitml", "compose", f"data.source.n_rows={rows}"]
    setup = [["git", "init", "-q"]]
    if source == "file":
        setup += [
            [sys.executable, "-c", WRITE_DATA, str(rows), EXTERNAL],
            [sys.executable, "-m", "dvc", "add", "-q", EXTERNAL],
        ]
        compose = [
            *compose[:-1],
            "data.source.kind=file",
            f"data.source.path={EXTERNAL}",
            "~data.source.n_rows",
        ]
    for argv in (
        *setup,
        compose,
        ["git", "add", "-A"],
        [
            "git",
            "-c",
            "user.name=bench",
            "-c",
            "user.email=bench@example.invalid",
            "commit",
            "-qm",
            "bench",
        ],
    ):
        subprocess.run(argv, cwd=root, env=ENV, check=True, capture_output=True)
    return root


def bench_size(rows: int, source: str) -> dict[str, object]:
    root = project(rows, source)
    try:
        repro, repro_rss = measure([sys.executable, "-m", "dvc", "repro"], root)
        script, script_rss = measure(
            [sys.executable, str(ROOT / "bench/baseline_script.py"), "data/raw/dataset.parquet"],
            root,
        )
        noop, _ = measure([sys.executable, "-m", "dvc", "repro"], root)
        stages = {}
        for stage in STAGES:  # again, one by one, for the per-stage profile
            seconds, rss = measure([sys.executable, "-m", "gitml", stage], root)
            stages[stage] = {"seconds": round(seconds, 2), "peak_rss_mb": round(rss)}
        metrics = json.loads((root / "reports/metrics.json").read_text())
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return {
        "rows": rows,
        "source": source,
        "pipeline_seconds": round(repro, 2),
        "pipeline_peak_rss_mb": round(repro_rss),
        "script_seconds": round(script, 2),
        "script_peak_rss_mb": round(script_rss),
        "fixed_cost_seconds": round(repro - script, 2),
        "ratio": round(repro / script, 2),
        "noop_repro_seconds": round(noop, 2),
        "stages": stages,
        "roc_auc": round(metrics["roc_auc"], 4),
    }


def table(results: list[dict[str, object]]) -> str:
    lines = [
        "| rows | source | dvc repro s | script s | pipeline - script s | ratio | no-op s | "
        "peak RSS MB | " + " | ".join(f"{s} s" for s in STAGES) + " |",
        "|" + "---|" * (8 + len(STAGES)),
    ]
    for r in results:
        stages = r["stages"]
        assert isinstance(stages, dict)
        lines.append(
            f"| {r['rows']:,} | {r['source']} | {r['pipeline_seconds']} | {r['script_seconds']} | "
            f"{r['fixed_cost_seconds']} | {r['ratio']} | {r['noop_repro_seconds']} | "
            f"{r['pipeline_peak_rss_mb']} | "
            + " | ".join(str(stages[s]["seconds"]) for s in STAGES)
            + " |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--source", choices=SOURCES, nargs="+", default=list(SOURCES))
    args = parser.parse_args()
    results = []
    for rows in args.rows:
        for source in args.source:
            print(f"benchmarking {rows:,} rows, {source} ...", file=sys.stderr, flush=True)
            results.append(bench_size(rows, source))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "pipeline.json").write_text(json.dumps(results, indent=2) + "\n")
    (RESULTS / "pipeline.md").write_text(table(results) + "\n")
    print(table(results))


if __name__ == "__main__":
    main()
