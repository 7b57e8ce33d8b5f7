"""ASGI middleware in front of the API: what a request must be before BentoML parses it.

A `POST /predict` must say it is JSON (`Content-Type: application/json`, no Content-Encoding
but `identity`, each header once); its body is read whole, in bounded size and time; and a
cheap look at its shape (one top-level key, `records`; at most `serve.max_records` records of
at most one key per feature and the id) comes before the contract's validation, which costs
~10 µs per unknown key (a 2 MB record of 150,000 keys took a worker 2 s to refuse).

Without it, BentoML parses a body of any size (a 500 MB request took 9 GB before its record
count was refused), answers a stalled upload with a 504 after its own timeout, and a client
that hangs up mid-body with a 500 and a traceback. Here those are a 413, a 408 and one log
line (and a 499 no one receives), and nothing reaches the model.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Collection, Mapping, MutableMapping
from typing import Any

from gitml.serving.problems import shape_problems, shown, trimmed

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

logger = logging.getLogger(__name__)
DRAIN_BYTES = 16 * 1024 * 1024  # read and dropped past the limit, so the client sees the 413
CLIENT_LEFT = 499  # the status of a request whose client hung up before its body ended
JSON_ONLY = "send the body as JSON, with `Content-Type: application/json` and no Content-Encoding"


class RequestGuard:
    """Checks each request to `paths`: its headers, then its body, read whole and bounded."""

    def __init__(
        self,
        app: App,
        *,
        max_bytes: int,
        timeout_s: float,
        paths: Collection[str],
        max_records: int,
        max_record_keys: int,
        record_keys: Collection[str] = (),
        left_out: Mapping[str, str] | None = None,
    ) -> None:
        self.app, self.max_bytes, self.timeout_s = app, max_bytes, timeout_s
        self.paths, self.max_records, self.max_record_keys = paths, max_records, max_record_keys
        self.record_keys = tuple(record_keys)  # a record's keys: the contract's, to name others
        # the contract's other columns (target, feature: false), each with why, to name them so
        self.left_out = dict(left_out or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        guarded = scope["type"] == "http" and scope["path"] in self.paths
        if not guarded or scope["method"] != "POST":  # the router answers other methods: 405
            await self.app(scope, receive, send)
            return
        where = f"{scope['method']} {scope['path']}"
        unsupported = media_problem(scope.get("headers", []))
        if unsupported is not None:
            await _refuse(send, 415, where, f"{unsupported}: {JSON_ONLY}.")
            return
        try:
            async with asyncio.timeout(self.timeout_s):
                body, size = await self._read_body(receive)
        except TimeoutError:
            reason = f"Request body not received within {self.timeout_s:g} s. Send it promptly."
            await _refuse(send, 408, where, reason)
            return
        if body is None and size < 0:
            logger.warning("Client left %s before sending its whole body: nothing scored", where)
            await _end_unanswered(send)
            return
        if body is None:
            reason = (
                f"Request body is too large: the limit is {self.max_bytes // 1024} KB "
                "(serve.max_request_kb). Send fewer records per request."
            )
            await _refuse(send, 413, where, reason)
            return
        count, problems = shape_problems(
            body, self.max_records, self.max_record_keys, self.record_keys, self.left_out
        )
        if count:
            reason = f"{count} problem(s) in the body's shape, refused unvalidated: "
            await _refuse(send, 400, where, reason + problems[0]["msg"], problems)
            return
        short = _short_errors(send, self.record_keys, self.left_out)
        await self.app(scope, _replay(body, receive), short)

    async def _read_body(self, receive: Receive) -> tuple[bytes | None, int]:
        """(body, size); (None, size) if over the limit; (None, -1) if the client left.

        An oversized body is read on and dropped (up to DRAIN_BYTES) before the 413: a client
        still writing when the server hangs up sees a broken pipe, not the answer.
        """
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None, -1
            chunk = message.get("body", b"")
            size += len(chunk)
            if size <= self.max_bytes:
                chunks.append(chunk)
            elif chunks:
                chunks.clear()  # over the limit: keep nothing
            if not message.get("more_body", False) or size > self.max_bytes + DRAIN_BYTES:
                return (b"".join(chunks), size) if size <= self.max_bytes else (None, size)


def media_problem(headers: Collection[tuple[bytes, bytes]]) -> str | None:
    """Why a request's Content-Type / Content-Encoding headers are not plain JSON, or None."""
    return _type_problem(_values(headers, b"content-type")) or _encoding_problem(
        _values(headers, b"content-encoding")
    )


def _type_problem(types: list[str]) -> str | None:
    if len(types) != 1:
        return f"Request has {len(types) or 'no'} Content-Type headers"
    media, *parameters = types[0].split(";")
    if media.strip().lower() != "application/json":
        return f"Request Content-Type is {shown(types[0])}"
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() != "utf-8":
            return f"Request Content-Type is {shown(types[0])} (JSON is UTF-8)"
    return None


def _encoding_problem(encodings: list[str]) -> str | None:
    if len(encodings) > 1:
        return f"Request has {len(encodings)} Content-Encoding headers"
    if encodings and encodings[0].strip().lower() != "identity":
        return f"Request body is {shown(encodings[0])}-encoded"
    return None


async def _refuse(
    send: Send, status: int, where: str, reason: str, detail: list[dict[str, Any]] | None = None
) -> None:
    logger.warning("Refused %s: %d %s", where, status, reason)
    answer: dict[str, Any] = (
        {"error": reason} if detail is None else {"error": reason, "detail": detail}
    )
    payload = json.dumps(answer).encode()
    headers = [(b"content-type", b"application/json"), (b"connection", b"close")]
    headers.append((b"content-length", str(len(payload)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


async def _end_unanswered(send: Send) -> None:
    """End a request whose client has left: a 499 that the server drops, unsent.

    BentoML's request timeout waits for an app's first message, not for the app to return:
    a request that ends without one holds its worker's task (and so a graceful stop) for the
    whole `traffic.timeout`, 30 s. The answer also counts the request in /metrics, as 499
    (nginx's "client closed request").
    """
    await send({"type": "http.response.start", "status": CLIENT_LEFT, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def _short_errors(
    send: Send, record_keys: Collection[str] = (), left_out: Mapping[str, str] | None = None
) -> Send:
    """A `send` that keeps at most MAX_ERRORS problems in a 400's `detail` list, and names
    the first few in its `error`, which from BentoML says only how many there are.

    1,000 empty records make 11,000 problems, a 1.4 MB answer to a 4 KB request; the first
    few say what is wrong, and the count says how much.
    """
    start: Message | None = None
    chunks: list[bytes] = []

    async def short(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start" and message["status"] == 400:
            start = message  # held until the body is complete
            return
        if start is None or message["type"] != "http.response.body":
            await send(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        body = trimmed(b"".join(chunks), record_keys, left_out or {})
        headers = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return short


def _values(headers: Collection[tuple[bytes, bytes]], name: bytes) -> list[str]:
    return [bytes(value).decode("latin-1") for key, value in headers if key == name]


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives the app the body read, then waits on the client as usual."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
