"""The service's traffic log: what each answered request held and what the model said.

An ASGI middleware keeps the raw request and response bodies of sampled POST /predict
requests and hands them to a sink; the request itself only pays for a queue append. A
background thread parses them and writes JSON Lines (format: traffic_format.py) to rotated
files or stdout. When the queue holds `queue_kb` of bodies, or a write fails, records are
dropped and counted in /metrics, never retried at the expense of a request.

Why not `bentoml.monitor`: in BentoML 1.4 it writes through a logging handler on the
request's thread (file I/O in the request path, no queue, nothing dropped), rotates only by
day with no size or count bound, reconfigures the process's logging, and inside a batchable
API it sees the merged batch, not the request it came from. See docs/adr/0016-traffic-log.md.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import random
import sys
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import IO, Any

from gitml.config.params import TrafficLogParams
from gitml.ml.traffic_format import FILE_PREFIX, FILE_SUFFIX, SCORED
from gitml.serving.problems import named_problems

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

logger = logging.getLogger(__name__)
ERROR_BYTES = 64 * 1024  # of a refusal's answer kept, for its error line
FLUSH_S = 0.5  # the longest a queued record waits to be written


@dataclass(frozen=True)
class Entry:
    """One answered request, as the middleware saw it."""

    time: float
    request_id: str
    status: int
    request: bytes
    response: bytes


def entry_lines(entry: Entry, model: str, exclude: frozenset[str]) -> list[str]:
    """The JSON lines for one request: one per scored record, or one for a refusal."""
    stamp = datetime.fromtimestamp(entry.time, UTC).isoformat(timespec="milliseconds")
    head = {"time": stamp, "request_id": entry.request_id, "model": model, "status": entry.status}
    records = _json(entry.request)
    records = records.get("records") if isinstance(records, dict) else None
    answers = _json(entry.response) if entry.status == SCORED else None
    if isinstance(records, list) and isinstance(answers, list) and len(records) == len(answers):
        return [
            json.dumps(
                head
                | {
                    "index": index,
                    "record": {k: v for k, v in record.items() if k not in exclude},
                    "prediction": answer.get("prediction"),
                    "probabilities": answer.get("probabilities"),
                }
            )
            for index, (record, answer) in enumerate(zip(records, answers, strict=True))
            if isinstance(record, dict) and isinstance(answer, dict)
        ]
    count = len(records) if isinstance(records, list) else None
    return [json.dumps(head | {"records": count, "error": _error(entry)})]


class RotatingFiles:
    """Appends lines to `<folder>/traffic-w<worker>-<start time>.jsonl`, a new file past
    `max_bytes`, keeping the newest `keep` files of this worker."""

    def __init__(self, folder: Path, worker: str, max_bytes: int, keep: int) -> None:
        self.folder, self.worker, self.max_bytes, self.keep = folder, worker, max_bytes, keep
        self._file: IO[str] | None = None
        self._size = 0

    def write(self, text: str) -> None:
        size = len(text.encode())
        if self._file is None or (self._size and self._size + size > self.max_bytes):
            self._rotate()
        assert self._file is not None
        self._file.write(text)
        self._file.flush()
        self._size += size

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def _rotate(self) -> None:
        self.close()
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        path = self.folder / f"{FILE_PREFIX}w{self.worker}-{stamp}{FILE_SUFFIX}"
        self._file, self._size = path.open("a", encoding="utf-8"), 0
        mine = sorted(self.folder.glob(f"{FILE_PREFIX}w{self.worker}-*{FILE_SUFFIX}"))
        for old in mine[: -self.keep]:
            old.unlink(missing_ok=True)


class TrafficSink:
    """A bounded in-memory queue of entries and the thread that writes them."""

    def __init__(
        self, settings: TrafficLogParams, model: str, write: Callable[[str], None]
    ) -> None:
        self.model, self.write = model, write
        self.exclude = frozenset(settings.exclude)
        self.max_bytes = settings.queue_kb * 1024
        self.dropped, self.written = 0, 0
        self._queue: deque[Entry] = deque()
        self._queued_bytes = 0
        self._lock, self._wake = threading.Lock(), threading.Event()
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="gitml-traffic-log", daemon=True)
        self._thread.start()

    def offer(self, entry: Entry) -> bool:
        """Queue an entry without waiting; False (and counted) when the queue is full."""
        size = len(entry.request) + len(entry.response)
        with self._lock:
            if self._queued_bytes + size > self.max_bytes:
                self._drop("queue_full", 1)
                return False
            self._queue.append(entry)
            self._queued_bytes += size
        return True

    def close(self, timeout_s: float = 2.0) -> None:
        """Write what is queued (for at most `timeout_s`) and stop the thread."""
        self._stop = True
        self._wake.set()
        self._thread.join(timeout_s)

    def _run(self) -> None:
        while True:
            self._wake.wait(FLUSH_S)
            self._wake.clear()
            with self._lock:
                batch, self._queue = self._queue, deque()
                self._queued_bytes = 0
            if batch:
                self._write(batch)
            if self._stop:
                return

    def _write(self, batch: deque[Entry]) -> None:
        lines = [line for entry in batch for line in entry_lines(entry, self.model, self.exclude)]
        try:
            self.write("".join(f"{line}\n" for line in lines))
        except Exception as exc:  # the thread must outlive any sink failure
            with self._lock:
                self._drop("write_error", len(lines))
            logger.warning(
                "Traffic log: %d record(s) dropped, the sink failed: %s", len(lines), exc
            )
            return
        self.written += len(lines)
        _counters()[1].inc(len(lines))

    def _drop(self, reason: str, count: int) -> None:
        self.dropped += count
        _counters()[0].labels(reason=reason).inc(count)


class TrafficLog:
    """ASGI middleware: hands sampled POST `path` requests and their answers to a sink.

    The sink (and its thread) is made on the first request, in the worker process, after
    BentoML has set up its multiprocess metrics.
    """

    def __init__(
        self, app: App, settings: TrafficLogParams, model: str, path: str = "/predict"
    ) -> None:
        self.app, self.settings, self.model, self.path = app, settings, model, path
        self.sink: TrafficSink | None = None
        self.enabled = settings.enabled and settings.sample_rate > 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            not self.enabled
            or scope["type"] != "http"
            or scope["path"] != self.path
            or scope["method"] != "POST"
            or random.random() >= self.settings.sample_rate
        ):
            await self.app(scope, receive, send)
            return
        started = time.time()
        request: list[bytes] = []
        response: list[bytes] = []
        status = 0

        async def receiving() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                request.append(message.get("body", b""))
            return message

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and (
                status == SCORED or sum(map(len, response)) < ERROR_BYTES
            ):
                response.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receiving, sending)
        if status:
            entry = Entry(started, _request_id(), status, b"".join(request), b"".join(response))
            (self.sink or self._start()).offer(entry)

    def _start(self) -> TrafficSink:
        self.sink = TrafficSink(self.settings, self.model, _writer(self.settings))
        _close_on_stop(self.sink.close)
        return self.sink


_closers: list[Callable[[], None]] = []  # this process's sinks and files, in opening order


def _close_on_stop(close: Callable[[], None]) -> None:
    if not _closers:
        atexit.register(close_traffic_logs)
    _closers.append(close)


def close_traffic_logs() -> None:
    """Write what this process's sinks hold and close their files (sinks first); idempotent.

    The service calls it when it stops: uvicorn ends a stopped worker by raising its SIGTERM
    again, which kills it before `atexit` would run, and with it the answers of the last
    half second (those of a drain included). At exit too, for other processes.
    """
    while _closers:
        _closers.pop()()


def _writer(settings: TrafficLogParams) -> Callable[[str], None]:
    if settings.sink == "stdout":

        def to_stdout(text: str) -> None:
            sys.stdout.write(text)
            sys.stdout.flush()

        return to_stdout
    from gitml.serving.runtime import WORKDIR_ENV

    folder = Path(os.environ.get(WORKDIR_ENV) or Path.cwd()) / settings.folder  # absolute stays
    files = RotatingFiles(
        folder, _worker(), int(settings.rotate_mb * 1024 * 1024), settings.keep_files
    )
    _close_on_stop(files.close)
    return files.write


@cache
def _counters() -> tuple[Any, Any]:
    """(dropped, written): one pair per process, made after BentoML set up its metrics."""
    from prometheus_client import Counter

    dropped = Counter(
        "gitml_traffic_log_dropped",
        "Traffic log records dropped: queue_full (the sink fell behind) or write_error",
        ["reason"],
    )
    for reason in ("queue_full", "write_error"):
        dropped.labels(reason=reason)  # shown as 0 before the first drop
    written = Counter("gitml_traffic_log_written", "Traffic log records written")
    return dropped, written


def _worker() -> str:
    """BentoML's worker index (stable across restarts, so rotation keeps its files), else the
    process id."""
    with contextlib.suppress(ImportError):
        from bentoml._internal.context import server_context

        if server_context.worker_index is not None:
            return str(server_context.worker_index)
    return f"p{os.getpid()}"


def _request_id() -> str:
    """BentoML's id for the request being answered (its tracing span), else a random one."""
    with contextlib.suppress(ImportError):
        from bentoml._internal.context import trace_context

        if trace_context.request_id is not None:
            return f"{trace_context.request_id:016x}"
    return f"{random.getrandbits(64):016x}"


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _error(entry: Entry) -> str:
    answer = _json(entry.response)
    if isinstance(answer, dict) and isinstance(answer.get("error"), str):
        detail = answer.get("detail")
        if isinstance(detail, list) and all(isinstance(item, dict) for item in detail):
            return str(answer["error"]) + named_problems(detail)  # as the guard tells the client
        return str(answer["error"])
    return entry.response[:200].decode(errors="replace") or f"HTTP {entry.status}"
