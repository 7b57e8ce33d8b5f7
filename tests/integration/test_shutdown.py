"""`gitml serve` on SIGTERM (Kubernetes, `docker stop`): it stops promptly and exits 0, and a
request in flight still gets its answer, recorded in the traffic log.

It stops its server, so it starts one of its own (one worker: every connection below reaches
the same process) rather than the session's `served`. The bound on requests that never end
(`serve.drain_timeout_s`) is tested on uvicorn itself in tests/unit/serving/test_connection.py.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from gitml.config.params import Params
from tests.support.pipeline import TrainedPipeline
from tests.support.served import package_copy, records, start_server, stop_server

pytestmark = pytest.mark.slow

PROMPT_S = 5  # well under serve.drain_timeout_s (10): nothing below should need the drain


def test_sigterm_closes_idle_and_abandoned_connections_at_once_and_answers_the_one_in_flight(
    compose_params: Callable[..., Params], trained_pipeline: TrainedPipeline, tmp_path: Path
) -> None:
    # production timeouts: no stalled connection is cut by its own timeout during the test
    overrides = ("serve.workers=1", "serve.read_timeout_s=10", "serve.header_timeout_s=10")
    params, root, env = package_copy(compose_params, trained_pipeline, tmp_path, *overrides)
    assert params.serve.drain_timeout_s > PROMPT_S  # else the drain could be what ends the stop
    body = json.dumps({"records": records(pd.read_parquet(params.paths.test).head(5), params)})
    server, url = start_server(root, env)
    port = int(url.rsplit(":", 1)[1])
    try:
        # given a kept-alive connection, idle after one answer
        idle = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        idle.request("GET", "/info")
        assert idle.getresponse().read()
        # a client that left halfway through a body (it held a worker for 30 s)
        with socket.create_connection(("127.0.0.1", port)) as abandoned:
            abandoned.sendall(_post_head(10) + b'{"rec')
        # one that sent half a request head
        half_head = socket.create_connection(("127.0.0.1", port))
        half_head.sendall(b"GET /info HTTP/1.1\r\nHost: x\r\n")
        # and a request in flight: its head and half its body sent
        in_flight = socket.create_connection(("127.0.0.1", port), timeout=30)
        in_flight.sendall(_post_head(len(body)) + body[: len(body) // 2].encode())
        time.sleep(0.5)

        # when the server is told to stop, and the request's body ends after that
        os.killpg(server.pid, signal.SIGTERM)
        started = time.monotonic()
        time.sleep(0.5)
        in_flight.sendall(body[len(body) // 2 :].encode())
        answer = _read_all(in_flight)
        code = server.wait(timeout=20)
        took = time.monotonic() - started
        for connection in (idle, half_head, in_flight):
            connection.close()
    except subprocess.TimeoutExpired:
        pytest.fail("the server was still running 20 s after SIGTERM")
    finally:
        stop_server(server)

    # then the request in flight was answered, and the server exited 0, promptly
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:300]
    assert b"connection: close" in answer.lower()  # and told its client it ends the connection
    assert code == 0, (root / "server.log").read_text()[-3000:]
    assert took < PROMPT_S, took
    # and what it answered during the stop is in the traffic log: one line per record
    folder = root / params.serve.traffic_log.folder
    logged = [json.loads(line) for file in folder.glob("*.jsonl") for line in file.open()]
    assert [line["status"] for line in logged] == [200] * 5


def _post_head(length: int) -> bytes:
    return (
        b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % length
    )


def _read_all(connection: socket.socket) -> bytes:
    """What the server sends until it closes the connection."""
    answer = b""
    while chunk := connection.recv(65536):
        answer += chunk
    return answer
