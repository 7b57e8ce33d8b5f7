"""Remote benchmark: CI's reproduce of a pushed PR (pull, then a no-op repro) vs a full repro.

In one run on this machine: a fresh temporary git repo at `--rows` (synthetic source) runs
the whole pipeline (`dvc repro`, timed) and pushes its outputs to a real S3 API on loopback
(moto's ThreadedMotoServer, stopped at the end). A fresh clone with an empty DVC cache then
does what `make reproduce` does on such a PR: `gitml pull`, then `dvc repro`, which finds
every stage up to date (timed together). The ratio is the second over the first; the target
is at most 0.20. Results: bench/results/remote.{json,md}. Run with `make bench`.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import boto3
from moto.server import ThreadedMotoServer

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
FILES = ("conf", "src", "dvc.yaml", "params.yaml", ".gitignore", ".dvcignore")
FILES += (".dvc/config", ".dvc/.gitignore")
KEYS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"}
ENV = (
    os.environ
    | KEYS
    | {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "DVC_NO_ANALYTICS": "1",
        "DVC_NO_UPDATE_CHECK": "1",
    }
)
TARGET = 0.20


def sh(cwd: Path, *argv: str) -> str:
    result = subprocess.run(argv, cwd=cwd, env=ENV, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout + result.stderr


def timed(cwd: Path, *commands: list[str]) -> tuple[float, str]:
    started, output = time.perf_counter(), ""
    for argv in commands:
        output += sh(cwd, *argv)
    return round(time.perf_counter() - started, 2), output


def project(root: Path, rows: int, endpoint: str) -> None:
    for name in FILES:
        source, target = ROOT / name, root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target)
    dvc = [sys.executable, "-m", "dvc"]
    for argv in (
        ["git", "init", "-q", "-b", "main"],
        [sys.executable, "-m", "gitml", "compose", f"data.source.n_rows={rows}"],
        [*dvc, "remote", "add", "--default", "--force", "storage", "s3://bench/gitml"],
        [*dvc, "remote", "modify", "storage", "endpointurl", endpoint],
    ):
        sh(root, *argv)


def bench(rows: int) -> dict[str, object]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's request log
    server = ThreadedMotoServer("127.0.0.1", 0, verbose=False)
    server.start()
    scratch = Path(tempfile.mkdtemp(prefix="gitml-bench-remote-"))
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        client_keys = {name.lower(): value for name, value in KEYS.items()}
        boto3.client(
            "s3", endpoint_url=endpoint, region_name="us-east-1", **client_keys
        ).create_bucket(Bucket="bench")
        author = scratch / "author"
        project(author, rows, endpoint)
        dvc, gitml = [sys.executable, "-m", "dvc"], [sys.executable, "-m", "gitml"]
        full, _ = timed(author, [*dvc, "repro"])
        identity = ["-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
        sh(author, "git", "add", "-A")
        sh(author, "git", *identity, "commit", "-q", "-m", "reproduced")
        push, _ = timed(author, [*dvc, "push"])
        ci = scratch / "ci"
        sh(scratch, "git", "clone", "-q", "--no-local", str(author), str(ci))
        reproduce, output = timed(ci, [*gitml, "pull"], [*dvc, "repro"])
        ran = [line for line in output.splitlines() if line.startswith("Running stage")]
        if ran or "Data and pipelines are up to date" not in output:
            raise SystemExit(f"pull-then-repro re-ran stages:\n{output}")
        size = sum(f.stat().st_size for f in (ci / ".dvc" / "cache").rglob("*") if f.is_file())
    finally:
        server.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    return {
        "rows": rows,
        "full_repro_seconds": full,
        "push_seconds": push,
        "pull_then_repro_seconds": reproduce,
        "ratio": round(reproduce / full, 3),
        "target_ratio": TARGET,
        "pulled_mb": round(size / 1e6, 1),
        "stages_rerun": 0,
        "machine": f"{os.cpu_count()} cores, Python {platform.python_version()}",
        "date": datetime.now(UTC).date().isoformat(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    print(f"benchmarking the remote at {args.rows:,} rows ...", file=sys.stderr, flush=True)
    result = bench(args.rows)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "remote.json").write_text(json.dumps(result, indent=2) + "\n")
    verdict = "within" if result["ratio"] <= TARGET else "OVER"  # type: ignore[operator]
    table = (
        "| rows | full dvc repro s | dvc push s | gitml pull + dvc repro s | ratio | target |\n"
        "|---|---|---|---|---|---|\n"
        f"| {result['rows']:,} | {result['full_repro_seconds']} | {result['push_seconds']} | "
        f"{result['pull_then_repro_seconds']} | {result['ratio']} | ≤ {TARGET} ({verdict}) |\n"
    )
    (RESULTS / "remote.md").write_text(
        f"CI's reproduce of a pushed PR vs a full repro ({result['machine']}, "
        f"{result['date']}; {result['pulled_mb']} MB pulled, 0 stages re-run):\n\n{table}"
    )
    print(table)


if __name__ == "__main__":
    main()
