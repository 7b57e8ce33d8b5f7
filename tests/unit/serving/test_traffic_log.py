"""The service's traffic log: lines per request, rotation, a full queue drops and counts."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from gitml.config.params import TrafficLogParams
from gitml.serving.traffic_log import (
    Entry,
    RotatingFiles,
    TrafficLog,
    TrafficSink,
    close_traffic_logs,
    entry_lines,
)

REQUEST = json.dumps({"records": [{"age": 30, "email": "a@b.c"}, {"age": 40, "email": None}]})
ANSWER = json.dumps(
    [
        {"prediction": 1, "probabilities": {"0": 0.2, "1": 0.8}},
        {"prediction": 0, "probabilities": {"0": 0.9, "1": 0.1}},
    ]
)


def test_a_scored_request_gives_one_line_per_record_without_excluded_fields() -> None:
    entry = Entry(0.0, "ab12", 200, REQUEST.encode(), ANSWER.encode())

    lines = [json.loads(line) for line in entry_lines(entry, "v1", frozenset({"email"}))]

    assert lines == [
        {
            "time": "1970-01-01T00:00:00.000+00:00",
            "request_id": "ab12",
            "model": "v1",
            "status": 200,
            "index": 0,
            "record": {"age": 30},
            "prediction": 1,
            "probabilities": {"0": 0.2, "1": 0.8},
        },
        {
            "time": "1970-01-01T00:00:00.000+00:00",
            "request_id": "ab12",
            "model": "v1",
            "status": 200,
            "index": 1,
            "record": {"age": 40},
            "prediction": 0,
            "probabilities": {"0": 0.9, "1": 0.1},
        },
    ]


def test_a_refused_request_gives_one_line_with_its_error_and_record_count() -> None:
    answer = json.dumps({"error": "2 validation errors for Input", "detail": []}).encode()

    (line,) = entry_lines(Entry(1.5, "cd", 400, REQUEST.encode(), answer), "v1", frozenset())

    assert json.loads(line) == {
        "time": "1970-01-01T00:00:01.500+00:00",
        "request_id": "cd",
        "model": "v1",
        "status": 400,
        "records": 2,
        "error": "2 validation errors for Input",
    }


def test_a_refusal_line_names_what_the_contract_refused() -> None:
    # given BentoML's 400, whose `error` says only how many problems there are
    detail = [
        {"type": "literal_error", "loc": ["records", 0, "plan"], "msg": "Input should be 'a'"},
        {"type": "missing", "loc": ["records", 1, "age"], "msg": "Field required"},
        {"type": "missing", "loc": ["records", 1, "x"], "msg": "Field required"},
        {"type": "json_invalid", "loc": [], "msg": "Invalid JSON"},
    ]
    answer = json.dumps({"error": "4 validation error for Input", "detail": detail}).encode()

    # when
    (line,) = entry_lines(Entry(1.5, "cd", 400, REQUEST.encode(), answer), "v1", frozenset())

    # then the log line says which fields and why, the first few of them
    assert json.loads(line)["error"] == (
        "4 validation error for Input: records.0.plan: Input should be 'a'; "
        "records.1.age: Field required; records.1.x: Field required; +1 more"
    )


def test_a_body_that_is_not_json_is_a_refusal_with_no_record_count() -> None:
    (line,) = entry_lines(Entry(0.0, "x", 400, b"{not json", b"bad body"), "v1", frozenset())

    assert json.loads(line)["records"] is None
    assert json.loads(line)["error"] == "bad body"


def test_files_rotate_past_their_size_and_keep_the_newest(tmp_path: Path) -> None:
    files = RotatingFiles(tmp_path, "0", max_bytes=100, keep=2)

    for index in range(5):
        files.write(f"{json.dumps({'line': index, 'pad': 'x' * 60})}\n")  # ~80 bytes each
        time.sleep(0.002)  # distinct file names (microsecond time stamps)
    files.close()

    kept = sorted(tmp_path.glob("traffic-w0-*.jsonl"))
    assert len(kept) == 2
    assert [json.loads(kept[-1].read_text())["line"]] == [4]


def _settings(**changes: Any) -> TrafficLogParams:
    return TrafficLogParams.model_validate({"queue_kb": 1} | changes)


def test_a_full_queue_drops_and_counts_instead_of_waiting() -> None:
    # given a sink whose writer is stuck
    release = threading.Event()
    written: list[str] = []

    def stuck(text: str) -> None:
        while not release.is_set():
            time.sleep(0.01)
        written.append(text)

    sink = TrafficSink(_settings(), "v1", stuck)
    body = b"x" * 400
    # when more than queue_kb (1 KB) of bodies arrive before the writer drains them
    started = time.perf_counter()
    accepted = [sink.offer(Entry(0.0, str(i), 200, body, b"")) for i in range(5)]
    elapsed = time.perf_counter() - started
    release.set()
    sink.close()

    # then the ones past the budget are dropped at once, and counted
    assert accepted == [True, True, False, False, False]
    assert sink.dropped == 3
    assert elapsed < 1.0  # not a timing benchmark: only that nothing waited on the writer


def test_a_failing_sink_drops_and_counts_and_keeps_running() -> None:
    calls: list[str] = []

    def failing(text: str) -> None:
        calls.append(text)
        raise OSError("No space left on device")

    sink = TrafficSink(_settings(queue_kb=64), "v1", failing)
    entry = Entry(0.0, "r", 200, REQUEST.encode(), ANSWER.encode())
    sink.offer(entry)
    deadline = time.monotonic() + 5
    while not calls and time.monotonic() < deadline:  # the first write has failed
        time.sleep(0.05)
    sink.offer(entry)  # the thread is still there to take it
    sink.close()

    assert (sink.dropped, sink.written) == (4, 0)  # two records per entry
    assert len(calls) == 2


def _call(middleware: TrafficLog, body: bytes, path: str = "/predict") -> list[Any]:
    sent: list[Any] = []
    messages = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> Any:
        return messages.pop(0)

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": path, "headers": []}
    asyncio.run(middleware(scope, receive, send))
    return sent


async def _echo_app(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": ANSWER.encode()})


@pytest.mark.parametrize(
    ("changes", "path", "expected"),
    [
        ({}, "/predict", 2),
        ({"sample_rate": 0.0}, "/predict", 0),
        ({"enabled": False}, "/predict", 0),
        ({}, "/info", 0),
    ],
)
def test_the_middleware_records_sampled_predict_requests_and_passes_the_answer_on(
    tmp_path: Path, changes: dict[str, Any], path: str, expected: int
) -> None:
    settings = _settings(queue_kb=64, folder=str(tmp_path / "logs"), **changes)
    middleware = TrafficLog(_echo_app, settings, "v1")

    sent = _call(middleware, REQUEST.encode(), path)
    if middleware.sink is not None:
        middleware.sink.close()

    assert sent[1]["body"] == ANSWER.encode()  # the client's answer is untouched
    lines = [
        json.loads(line)
        for file in sorted((tmp_path / "logs").glob("*.jsonl"))
        for line in file.read_text().splitlines()
    ]
    assert len(lines) == expected
    assert all(line["status"] == 200 and line["model"] == "v1" for line in lines)


def test_close_traffic_logs_writes_what_is_queued_then_closes_once(tmp_path: Path) -> None:
    # given a request recorded but not yet written (the sink writes every 0.5 s)
    settings = _settings(queue_kb=64, folder=str(tmp_path / "logs"))
    middleware = TrafficLog(_echo_app, settings, "v1")
    _call(middleware, REQUEST.encode())

    # when the service stops (twice: its shutdown hook, then atexit)
    close_traffic_logs()
    close_traffic_logs()

    # then its lines are in the file
    written = [line for file in (tmp_path / "logs").glob("*.jsonl") for line in file.open()]
    assert len(written) == 2
