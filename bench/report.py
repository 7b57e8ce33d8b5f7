"""PR report benchmark: `gitml report` end to end, baseline in the DVC cache vs reproduced.

Per size: a temporary git repo with commit A on main and a branch that changes the model.
Each report time is printed beside `dvc repro` of the branch, measured in the same run.
Run with `make bench` (or `uv run python bench/report.py --rows 1000000`); `--quick` is one
small size (50,000 rows) for a check in a minute. Target (issue 17): cached ratio <= 0.5 at 1e6.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys

from pipeline import ENV, RESULTS, measure, project


def git(root: object, *argv: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", *argv],
        cwd=root,  # type: ignore[arg-type]
        env=ENV,
        check=True,
        capture_output=True,
    )


def bench_size(rows: int, keep: bool = False) -> dict[str, object]:
    root = project(rows)
    gitml = [sys.executable, "-m", "gitml"]
    git(root, "branch", "-M", "main")
    measure([sys.executable, "-m", "dvc", "repro"], root)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "A")
    git(root, "checkout", "-qb", "change")
    measure([*gitml, "compose", f"data.source.n_rows={rows}", "model.max_iter=100"], root)
    repro, _ = measure([sys.executable, "-m", "dvc", "repro"], root)
    _progress(f"branch dvc repro {repro:.2f} s")
    cached, cached_rss = measure([*gitml, "report", "--baseline", "main"], root)
    _progress(f"report, baseline cached {cached:.2f} s, peak {cached_rss:.0f} MB")
    shutil.rmtree(root / ".dvc" / "cache")  # the baseline must now be reproduced
    reproduced, reproduced_rss = measure([*gitml, "report", "--baseline", "main"], root)
    _progress(f"report, baseline reproduced {reproduced:.2f} s, peak {reproduced_rss:.0f} MB")
    if keep:  # its work tree still has the branch's model and data, e.g. for `gitml predict`
        _progress(f"kept {root}")
    else:
        shutil.rmtree(root)
    return {
        "rows": rows,
        "branch_repro_s": round(repro, 2),
        "report_cached_s": round(cached, 2),
        "report_cached_rss_mb": round(cached_rss),
        "report_reproduced_s": round(reproduced, 2),
        "report_reproduced_rss_mb": round(reproduced_rss),
        "cached_vs_repro": round(cached / repro, 2),
        "reproduced_vs_repro": round(reproduced / repro, 2),
    }


def _progress(text: str) -> None:
    print(f"  {text}", file=sys.stderr, flush=True)


def table(results: list[dict[str, object]]) -> str:
    lines = [
        "| rows | branch `dvc repro` | report, baseline cached | ratio | report, baseline "
        "reproduced | ratio | peak RSS (cached / reproduced) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['rows']:,} | {r['branch_repro_s']} s | {r['report_cached_s']} s | "
            f"{r['cached_vs_repro']} | {r['report_reproduced_s']} s | {r['reproduced_vs_repro']} "
            f"| {r['report_cached_rss_mb']} / {r['report_reproduced_rss_mb']} MB |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[50_000, 1_000_000])
    parser.add_argument("--quick", action="store_true", help="50,000 rows only")
    parser.add_argument("--keep", action="store_true", help="keep each temporary project")
    args = parser.parse_args()
    if args.quick:
        args.rows = [50_000]
    results = []
    for rows in args.rows:
        print(f"report benchmark, {rows:,} rows ...", file=sys.stderr, flush=True)
        results.append(bench_size(rows, args.keep))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "report.json").write_text(json.dumps(results, indent=2) + "\n")
    (RESULTS / "report.md").write_text(table(results) + "\n")
    print(table(results))


if __name__ == "__main__":
    main()
