"""PR turnaround benchmark: pr.yml's steps replayed on a fresh clone, warm uv cache, cold DVC cache.

Untimed set-up: a source repository with this checkout's HEAD as `main` and a pull request
branch `pr` that changes only conf/ (and the params.yaml it composes to), or, with
`--change framework`, a line of src/ too. Then, timed, each step pr.yml runs for it: clone
(actions/checkout, full history), `make install`, `make framework-changed`, the tests when it
says `true`, `make reproduce`, `make pr-report BASELINE=origin/main`, `make gate`. Not replayed:
runner start, setup-uv's download, cache restore and the artifact upload. The DVC cache is
cold (pr.yml restores main's from actions/cache), so reproduce and the report's baseline run
in full: an upper bound. The baseline `python -c "import pandas, sklearn.ensemble"` is timed
in the same run, so the ratio does not depend on the machine's speed. Run with `make bench`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
TARGET_S = 120  # issue 17: a conf-only PR reaches its gate in at most 2 minutes
IMPORTS = "import pandas, sklearn.ensemble"
GATE_VERDICT_FAILED = 5  # a verdict, not a broken step
# The clone gets its own .venv: no trace of the environment this script runs in.
ENV = {
    key: value
    for key, value in os.environ.items()
    if key not in {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PYTHONPATH"}
} | {
    "PATH": os.pathsep.join(
        p for p in os.environ["PATH"].split(os.pathsep) if Path(p) != Path(sys.executable).parent
    ),
    "CI": "true",  # quiet, as on a runner
    "DVC_NO_ANALYTICS": "1",
    "DVC_NO_UPDATE_CHECK": "1",
    "BENTOML_DO_NOT_TRACK": "True",
}
GIT = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]


def timed(name: str, argv: list[str], cwd: Path, ok: tuple[int, ...] = (0,)) -> dict[str, Any]:
    """Run one step; its wall time, exit code and the last line it printed."""
    print(f"  {name}: {' '.join(argv)}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    result = subprocess.run(argv, cwd=cwd, env=ENV, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if result.returncode not in ok:
        raise SystemExit(f"{name} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    lines = (result.stdout + result.stderr).strip().splitlines()
    return {
        "step": name,
        "seconds": round(seconds, 2),
        "exit": result.returncode,
        "last": lines[-1] if lines else "",
        "stdout": result.stdout.strip(),
    }


def sh(argv: list[str], cwd: Path) -> None:
    """An untimed set-up command."""
    subprocess.run(argv, cwd=cwd, env=ENV, check=True, capture_output=True)


def baseline_seconds(repeat: int) -> float:
    """Median wall time of importing pandas and scikit-learn's ensembles in a new process."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", IMPORTS], env=ENV, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def source_repository(change: str) -> Path:
    """main = this checkout's HEAD; pr = one commit on top that changes `change`'s paths."""
    source = Path(tempfile.mkdtemp(prefix="gitml-turnaround-src-"))
    sh([*GIT, "clone", "-q", "--no-local", str(ROOT), str(source)], source.parent)
    sh([*GIT, "switch", "-q", "-C", "main"], source)
    sh([*GIT, "switch", "-q", "-c", "pr"], source)
    model = source / "conf/model/hist_gradient_boosting.yaml"
    model.write_text(model.read_text().replace("max_iter: 200", "max_iter: 150"))
    if change == "framework":
        init = source / "src/gitml/__init__.py"
        init.write_text(init.read_text() + "# a framework change\n")
    sh([sys.executable, "-m", "gitml", "compose"], source)  # the PR commits what conf/ composes to
    sh([*GIT, "commit", "-qam", f"a {change} change"], source)
    return source


def replay(source: Path) -> tuple[list[dict[str, Any]], str]:
    """pr.yml's steps on a fresh clone of `source`'s pr branch; the steps and the verdict."""
    clone = source.parent / (source.name + "-clone")
    checkout = [*GIT, "clone", "-q", "--no-local", "-b", "pr", str(source), str(clone)]
    steps = [timed("checkout", checkout, source.parent)]
    steps.append(timed("install", ["make", "install"], clone))
    decided = timed(
        "framework-changed", ["make", "framework-changed", "BASELINE=origin/main"], clone
    )
    steps.append(decided)
    if decided["stdout"] == "framework=true":
        steps.append(timed("tests", ["make", "render-deps", "test"], clone))
    else:
        steps.append({"step": "tests", "seconds": 0.0, "exit": None, "last": "skipped"})
    steps.append(timed("reproduce", ["make", "reproduce"], clone))
    steps.append(timed("pr-report", ["make", "pr-report", "BASELINE=origin/main"], clone))
    gate = timed("gate", ["make", "gate"], clone, ok=(0, GATE_VERDICT_FAILED))
    steps.append(gate)
    shutil.rmtree(clone)
    return steps, "pass" if gate["exit"] == 0 else "fail"


def table(result: dict[str, Any]) -> str:
    steps = result["steps"]
    lines = [
        f"PR turnaround, a `{result['change']}` change, fresh clone, warm uv cache, cold DVC "
        f"cache ({result['cpus']} CPUs): `{IMPORTS}` takes {result['baseline_s']} s.",
        "",
        "| step | wall s | ratio to the baseline |",
        "|---|---|---|",
    ]
    for step in steps:
        shown = "skipped" if step["last"] == "skipped" else step["seconds"]
        lines.append(f"| {step['step']} | {shown} | {result['ratios'][step['step']]} |")
    lines.append(f"| **total** | **{result['total_s']}** | **{result['total_ratio']}** |")
    lines += [
        "",
        f"Gate verdict: {result['verdict']}. Target for a conf-only PR: ≤ {TARGET_S} s to the "
        f"gate; this run: {result['total_s']} s "
        f"({'met' if result['total_s'] <= TARGET_S else 'NOT met'}; runner start, setup-uv, "
        "cache restore and artifact upload not included).",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--change", choices=("conf", "framework"), default="conf")
    parser.add_argument("--repeat", type=int, default=5, help="baseline runs (median)")
    args = parser.parse_args()
    print(f"PR turnaround benchmark, a {args.change} change ...", file=sys.stderr, flush=True)
    source = source_repository(args.change)
    # warm uv's cache with this lock (untimed), as a runner's restored uv cache would be
    sh(["make", "install"], source)
    shutil.rmtree(source / ".venv")
    before = baseline_seconds(args.repeat)
    steps, verdict = replay(source)
    after = baseline_seconds(args.repeat)
    shutil.rmtree(source)
    baseline = statistics.median([before, after])
    total = sum(step["seconds"] for step in steps)
    result = {
        "change": args.change,
        "cpus": os.cpu_count(),
        "baseline": IMPORTS,
        "baseline_s": round(baseline, 3),
        "baseline_before_after_s": [round(before, 3), round(after, 3)],
        "steps": [{k: v for k, v in step.items() if k != "stdout"} for step in steps],
        "ratios": {step["step"]: round(step["seconds"] / baseline, 1) for step in steps},
        "total_s": round(total, 2),
        "total_ratio": round(total / baseline, 1),
        "verdict": verdict,
        "target_s": TARGET_S,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = "pr_turnaround" if args.change == "conf" else "pr_turnaround_framework"
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / f"{name}.md").write_text(table(result) + "\n")
    print(table(result))


if __name__ == "__main__":
    main()
