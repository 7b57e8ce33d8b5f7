"""Serving benchmark: in-process predict_proba vs the Bento vs a minimal FastAPI app.

One temporary project (default data) is reproduced and packaged; then, in this run, on this
machine: in-process `predict_proba` on 1 and 100 rows, and each server on 127.0.0.1 under
wrk (closed loop, keep-alive) with 1- and 100-record requests at concurrency 1, 8 and 32.
Each load is bounded by --seconds; every server is stopped before the next starts. Results:
bench/results/serving.{json,md}. Needs wrk (`apt-get install wrk`, `brew install wrk`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd

from pipeline import ENV, RESULTS, ROOT, project

CONCURRENCY = (1, 8, 32)
SIZES = (1, 100)
BODIES = 64  # distinct request bodies per size, cycled by wrk
# wrk prints this line at the end of a run; latencies in microseconds
WRK_SCRIPT = """
local bodies = {%s}
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i %% #bodies + 1
  return wrk.format(nil, "/predict", nil, bodies[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT {\\"requests\\": %%d, \\"duration_us\\": %%d, \\"errors\\": %%d, "
    .. "\\"p50_us\\": %%d, \\"p99_us\\": %%d, \\"max_us\\": %%d}\\n",
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON records: plain Python values, null for missing."""
    clean = frame.astype(object).where(frame.notna(), None)
    return clean.to_dict(orient="records")  # type: ignore[return-value]


def in_process(model: Any, frame: pd.DataFrame, seconds: int) -> dict[str, float]:
    """predict_proba called one at a time: 1-row latency (one thread, as in a service worker)
    and 100-row throughput, with one thread and with every core; the faster is the baseline."""
    from threadpoolctl import threadpool_limits

    def rows_per_s(budget: float) -> int:
        calls, started = 0, time.perf_counter()
        while time.perf_counter() - started < budget:
            start = (calls * 100) % (len(frame) - 100)
            model.predict_proba(frame.iloc[start : start + 100])
            calls += 1
        return round(calls * 100 / (time.perf_counter() - started))

    latencies = []
    with threadpool_limits(limits=1):
        deadline = time.perf_counter() + seconds / 3
        while time.perf_counter() < deadline:
            row = len(latencies) % len(frame)
            one = frame.iloc[row : row + 1]
            started = time.perf_counter()
            model.predict_proba(one)
            latencies.append(time.perf_counter() - started)
        one_thread = rows_per_s(seconds / 3)
    all_cores = rows_per_s(seconds / 3)
    return {
        "one_row_p50_ms": round(float(np.percentile(latencies, 50)) * 1e3, 2),
        "one_row_p99_ms": round(float(np.percentile(latencies, 99)) * 1e3, 2),
        "hundred_rows_per_s_one_thread": one_thread,
        "hundred_rows_per_s_all_cores": all_cores,
        "hundred_rows_per_s": max(one_thread, all_cores),
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(argv: list[str], root: Path, env: dict[str, str], port: int) -> Iterator[str]:
    """Start a server in its own process group, wait until it answers, always stop it."""
    log = (root / f"server-{port}.log").open("w")
    process = subprocess.Popen(
        argv, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{argv} did not start:\n{log.name}")
            try:
                httpx.post(f"{url}/predict", json={"records": []}, timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.3)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def check_answers(url: str, body: dict[str, Any], expected: np.ndarray) -> None:
    """The server's probabilities equal in-process ones: the load below measures real work."""
    response = httpx.post(f"{url}/predict", json=body, timeout=30)
    if response.status_code != 200:
        raise SystemExit(f"{url} refused a good request: {response.status_code} {response.text}")
    got = np.array([list(p["probabilities"].values()) for p in response.json()])
    if not np.allclose(got, expected, atol=1e-9):
        raise SystemExit(f"{url} answers differ from in-process predict_proba")


def load(url: str, bodies: list[str], connections: int, seconds: int) -> dict[str, Any]:
    """One closed-loop wrk run: requests/s, p50/p99 latency (ms), errors."""
    quoted = ",".join(f"[==[{body}]==]" for body in bodies)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % quoted)
    try:
        argv = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s"]
        result = subprocess.run(
            [*argv, "-s", script.name, url], capture_output=True, text=True, check=True
        )
    finally:
        os.unlink(script.name)
    line = next(line for line in result.stdout.splitlines() if line.startswith("RESULT "))
    raw = json.loads(line.removeprefix("RESULT "))
    return {
        "requests_per_s": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
        "p50_ms": round(raw["p50_us"] / 1e3, 2),
        "p99_ms": round(raw["p99_us"] / 1e3, 2),
        "max_ms": round(raw["max_us"] / 1e3, 2),
        "errors": raw["errors"],
        "requests": raw["requests"],
    }


def bench_server(
    name: str, url: str, bodies: dict[int, list[str]], seconds: int
) -> list[dict[str, Any]]:
    runs = []
    for size in SIZES:
        load(url, bodies[size], 8, 2)  # warm up: batching learns the model's speed
        for connections in CONCURRENCY:
            print(f"  {name}: {size} record(s) at c={connections}", file=sys.stderr, flush=True)
            result = load(url, bodies[size], connections, seconds)
            result["rows_per_s"] = round(result["requests_per_s"] * size)
            runs.append({"server": name, "records": size, "concurrency": connections} | result)
    return runs


def burst_recovery(url: str, single: str, large: str, settle_s: float) -> dict[str, Any]:
    """Median single-request latency before and `settle_s` after a burst of 100 concurrent
    1000-record requests. BentoML's batcher learns how long to hold requests from recent
    queue waits, so an unbounded hold leaves quiet-time requests slow long after a burst."""
    from concurrent.futures import ThreadPoolExecutor

    limits = httpx.Limits(max_connections=100)
    with httpx.Client(base_url=url, timeout=120, limits=limits) as client:  # keep-alive

        def post(body: str) -> tuple[int, float]:
            started = time.perf_counter()
            headers = {"content-type": "application/json"}
            response = client.post("/predict", content=body, headers=headers)
            return response.status_code, time.perf_counter() - started

        def single_ms() -> float:
            return round(float(np.median([post(single)[1] for _ in range(30)])) * 1e3, 2)

        before = single_ms()
        with ThreadPoolExecutor(100) as pool:
            codes = [code for code, _ in pool.map(post, [large] * 100)]
        time.sleep(settle_s)
        after = single_ms()
    return {
        "single_ms_before": before,
        "single_ms_after": after,
        "after_vs_before": round(after / before, 2),
        "settle_s": settle_s,
        "burst_non_200": sum(code != 200 for code in codes),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=50_000, help="training rows")
    parser.add_argument("--seconds", type=int, default=10, help="per load run")
    parser.add_argument("--servers", nargs="+", default=["bento", "fastapi"])
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: install it (apt-get install wrk / brew install wrk).")

    from gitml.config.params import load_params
    from gitml.ml.model import load_model

    root = project(args.rows)
    env = ENV | {"BENTOML_HOME": str(root / "bentoml"), "BENTOML_DO_NOT_TRACK": "True"}
    try:
        print("reproducing and packaging ...", file=sys.stderr, flush=True)
        for argv in (["dvc", "repro", "-q"], ["gitml", "package"]):
            subprocess.run([sys.executable, "-m", *argv], cwd=root, env=env, check=True)
        params = load_params(root / "params.yaml")
        test = pd.read_parquet(root / params.paths.test)[list(params.data.feature_columns)]
        model = load_model(root / params.paths.model)
        print("in-process predict_proba ...", file=sys.stderr, flush=True)
        baseline = in_process(model, test, args.seconds)
        bodies = {
            size: [
                json.dumps({"records": records(test.iloc[i * size : (i + 1) * size])})
                for i in range(BODIES)
            ]
            for size in SIZES
        }
        expected = model.predict_proba(test.iloc[:100])
        commands = {
            "bento": [sys.executable, "-m", "gitml", "serve", "--port"],
            "fastapi": [sys.executable, str(ROOT / "bench" / "fastapi_app.py"), "--port"],
        }
        large = json.dumps({"records": records(test.iloc[:1000])})
        runs, burst = [], {}
        for name in args.servers:
            port = free_port()
            with server([*commands[name], str(port)], root, env, port) as url:
                check_answers(url, json.loads(bodies[100][0]), expected)
                runs += bench_server(name, url, bodies, args.seconds)
                if name == "bento":
                    print("  bento: a burst, then single requests", file=sys.stderr, flush=True)
                    burst = burst_recovery(url, bodies[1][0], large, settle_s=10)
        if "bento" in args.servers:  # the same burst with BentoML's own, unbounded hold
            print("  bento, hold unbounded: a burst ...", file=sys.stderr, flush=True)
            overrides = [f"data.source.n_rows={args.rows}", "serve.batch_wait_ms=1000000000"]
            for argv in (["compose", *overrides], ["package"]):
                subprocess.run(
                    [sys.executable, "-m", "gitml", *argv], cwd=root, env=env, check=True
                )
            port = free_port()
            with server([*commands["bento"], str(port)], root, env, port) as url:
                load(url, bodies[1], 32, args.seconds)  # the load the capped server had seen
                burst["unbounded"] = burst_recovery(url, bodies[1][0], large, settle_s=10)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    results = {
        "in_process": baseline,
        "servers": runs,
        "burst": burst,
        "seconds_per_run": args.seconds,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "serving.json").write_text(json.dumps(results, indent=2) + "\n")
    (RESULTS / "serving.md").write_text(table(results) + "\n")
    print(table(results))


def table(results: dict[str, Any]) -> str:
    base = results["in_process"]
    lines = [
        f"In-process predict_proba: 1 row p50 {base['one_row_p50_ms']} ms, "
        f"p99 {base['one_row_p99_ms']} ms; 100-row calls "
        f"{base['hundred_rows_per_s_one_thread']:,} rows/s on one thread, "
        f"{base['hundred_rows_per_s_all_cores']:,} on all cores (the baseline: the faster).",
        "",
        "| server | records/request | concurrency | req/s | rows/s | rows/s vs in-process "
        "| p50 ms | p99 ms | errors |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for run in results["servers"]:
        share = run["rows_per_s"] / base["hundred_rows_per_s"]
        lines.append(
            f"| {run['server']} | {run['records']} | {run['concurrency']} | "
            f"{run['requests_per_s']:,} | {run['rows_per_s']:,} | {share:.2f} | "
            f"{run['p50_ms']} | {run['p99_ms']} | {run['errors']} |"
        )
    burst = results.get("burst")
    if burst:
        lines += ["", "A burst of 100 concurrent 1000-record requests, then single requests:"]
        for label, run in (
            ("gitml (hold ≤ serve.batch_wait_ms)", burst),
            ("BentoML's own hold", burst.get("unbounded")),
        ):
            if run:
                lines.append(
                    f"- {label}: {run['single_ms_after']} ms {run['settle_s']:g} s after the "
                    f"burst, {run['after_vs_before']}x the {run['single_ms_before']} ms before "
                    f"it (medians of 30; {run['burst_non_200']} burst requests not 200)."
                )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
