"""Traffic log benchmark: the Bento with `serve.traffic_log` on vs off, in one run.

One temporary project (default data) is reproduced and packaged twice, logging off and on
(file sink); the two servers are loaded alternately by wrk with single-record requests at
concurrency 32, `--rounds` times each for `--seconds`, so a slower moment of a shared VM
weighs on both. Reported: median req/s and p99 per setting and their ratios (targets: ≤ 10%
throughput lost, p99 ≤ 10% higher), the lines written and the records dropped
(gitml_traffic_log_dropped_total in /metrics). Results: bench/results/traffic_log.{json,md}.
Needs wrk (`apt-get install wrk`).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pandas as pd

from pipeline import ENV, RESULTS, project
from serving import BODIES, free_port, load, records, server

CONCURRENCY = 32


def in_process_cost(body: str, answer: bytes, count: int = 20_000) -> dict[str, float]:
    """CPU per request of the middleware (request path) and of the writer (its thread), in
    microseconds, on one core: a figure a loaded VM shifts far less than the load runs."""
    import asyncio
    import tempfile
    import time

    from gitml.config.params import TrafficLogParams
    from gitml.serving.traffic_log import Entry, RotatingFiles, TrafficLog, entry_lines

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": answer})

    async def calls(middleware: Any) -> float:
        scope = {"type": "http", "method": "POST", "path": "/predict", "headers": []}

        async def receive() -> Any:
            return {"type": "http.request", "body": body.encode(), "more_body": False}

        async def send(_: Any) -> None:
            return None

        started = time.process_time()
        for _ in range(count):
            await middleware(scope, receive, send)
        return (time.process_time() - started) / count * 1e6

    with tempfile.TemporaryDirectory() as folder:
        settings = TrafficLogParams(folder=folder, queue_kb=1_000_000)
        off = asyncio.run(
            calls(TrafficLog(app, settings.model_copy(update={"enabled": False}), "v"))
        )
        logging_on = TrafficLog(app, settings, "v")
        on = asyncio.run(calls(logging_on))
        assert logging_on.sink is not None
        logging_on.sink.close(timeout_s=60)
        files = RotatingFiles(Path(folder) / "w", "0", 64 * 1024 * 1024, 5)
        entry = Entry(0.0, "0" * 16, 200, body.encode(), answer)
        started = time.process_time()
        for _ in range(count):
            files.write("".join(f"{line}\n" for line in entry_lines(entry, "v", frozenset())))
        writer = (time.process_time() - started) / count * 1e6
        files.close()
    return {
        "request_path_us": round(on - off, 1),
        "writer_thread_us": round(writer, 1),
        "total_us": round(on - off + writer, 1),
    }


def package(root: Path, env: dict[str, str], rows: int, enabled: bool) -> str:
    overrides = [f"data.source.n_rows={rows}", f"serve.traffic_log.enabled={str(enabled).lower()}"]
    overrides.append(f"serve.traffic_log.folder={root / 'logs'}")
    gitml = [sys.executable, "-m", "gitml"]
    subprocess.run([*gitml, "compose", *overrides], cwd=root, env=env, check=True)
    result = subprocess.run(
        [*gitml, "package"], cwd=root, env=env, check=True, capture_output=True, text=True
    )
    return result.stdout.strip().splitlines()[-1]


def dropped(url: str) -> float:
    text = httpx.get(f"{url}/metrics", timeout=10).text
    return sum(
        float(match)
        for match in re.findall(r"^gitml_traffic_log_dropped_total\{[^}]*\} (\S+)$", text, re.M)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=50_000, help="training rows")
    parser.add_argument("--seconds", type=int, default=10, help="per load run")
    parser.add_argument("--rounds", type=int, default=3, help="load runs per setting")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: install it (apt-get install wrk / brew install wrk).")
    root = project(args.rows)
    env = ENV | {"BENTOML_HOME": str(root / "bentoml"), "BENTOML_DO_NOT_TRACK": "True"}
    runs: dict[str, list[dict[str, Any]]] = {"off": [], "on": []}
    extra: dict[str, Any] = {}
    try:
        print("reproducing and packaging ...", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, "-m", "dvc", "repro", "-q"], cwd=root, env=env, check=True)
        from gitml.config.params import load_params

        data = load_params(root / "params.yaml").data
        columns = [*data.feature_columns, *([data.id_column] if data.id_column else [])]
        test = pd.read_parquet(root / "data" / "processed" / "test.parquet")[columns]
        bodies = [json.dumps({"records": records(test.iloc[[i]])}) for i in range(BODIES)]
        answer = json.dumps([{"prediction": 0, "probabilities": {"0": 0.7, "1": 0.3}}]).encode()
        extra["cpu_per_request"] = in_process_cost(bodies[0], answer)
        tags = {name: package(root, env, args.rows, name == "on") for name in runs}
        for round_ in range(args.rounds):
            for name, tag in tags.items():
                port = free_port()
                serve = [sys.executable, "-m", "bentoml", "serve", tag, "--port", str(port)]
                # the Bento's own spec, not the one an installed gitml would find (serve_bento)
                name_, version = tag.split(":")
                spec = root / "bentoml" / "bentos" / name_ / version / "src" / "gitml"
                spec_env = env | {"GITML_SERVING_SPEC": str(spec / "serving.json")}
                with server([*serve, "--host", "127.0.0.1"], root, spec_env, port) as url:
                    answer = httpx.post(
                        f"{url}/predict",
                        content=bodies[0],
                        timeout=30,
                        headers={"content-type": "application/json"},
                    )
                    if answer.status_code != 200:
                        raise SystemExit(f"a good request got {answer.status_code}: {answer.text}")
                    load(url, bodies, 8, 2)  # warm up
                    print(f"  logging {name}, round {round_ + 1}", file=sys.stderr, flush=True)
                    runs[name].append(load(url, bodies, CONCURRENCY, args.seconds))
                    if name == "on":
                        extra["dropped"] = extra.get("dropped", 0.0) + dropped(url)
        extra["lines_written"] = sum(
            len(path.read_text().splitlines()) for path in (root / "logs").glob("*.jsonl")
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)
    results = summary(runs, extra, args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "traffic_log.json").write_text(json.dumps(results, indent=2) + "\n")
    (RESULTS / "traffic_log.md").write_text(table(results) + "\n")
    print(table(results))


def summary(
    runs: dict[str, list[dict[str, Any]]], extra: dict[str, Any], args: argparse.Namespace
) -> dict[str, Any]:
    medians = {
        name: {
            key: statistics.median(run[key] for run in batch)
            for key in ("requests_per_s", "p50_ms", "p99_ms")
        }
        | {
            "errors": sum(run["errors"] for run in batch),
            "requests": sum(r["requests"] for r in batch),
        }
        for name, batch in runs.items()
    }
    return {
        "concurrency": CONCURRENCY,
        "seconds_per_run": args.seconds,
        "rounds": args.rounds,
        "runs": runs,
        "median": medians,
        "throughput_ratio": round(
            medians["on"]["requests_per_s"] / medians["off"]["requests_per_s"], 3
        ),
        "p99_ratio": round(medians["on"]["p99_ms"] / medians["off"]["p99_ms"], 3),
    } | extra


def table(results: dict[str, Any]) -> str:
    lines = [
        f"Single-record requests at c={results['concurrency']}, {results['rounds']} alternating "
        f"runs of {results['seconds_per_run']} s per setting (medians):",
        "",
        "| traffic log | req/s | p50 ms | p99 ms | errors | requests |",
        "|---|---|---|---|---|---|",
    ]
    for name, run in results["median"].items():
        lines.append(
            f"| {name} | {run['requests_per_s']:,} | {run['p50_ms']} | {run['p99_ms']} | "
            f"{run['errors']} | {run['requests']:,} |"
        )
    lines += [
        "",
        f"Throughput on/off: {results['throughput_ratio']} (target ≥ 0.90); "
        f"p99 on/off: {results['p99_ratio']} (target ≤ 1.10). Lines written: "
        f"{results.get('lines_written', 0):,}; records dropped: {results.get('dropped', 0):g}.",
    ]
    if cost := results.get("cpu_per_request"):
        lines += [
            "",
            f"CPU per single-record request, in process: {cost['request_path_us']} µs in the "
            f"request path (middleware and queue), {cost['writer_thread_us']} µs in the writer "
            f"thread (parse, drop excluded fields, JSON, file write): {cost['total_us']} µs "
            "in all.",
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
