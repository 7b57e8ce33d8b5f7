"""ASGI middleware in front of the service: a request body is read whole, in bounded size
and time, before BentoML parses it.

Without it, BentoML parses a body of any size (a 500 MB request took 9 GB before its record
count was refused), answers a stalled upload with a 504 after its own timeout, and a client
that hangs up mid-body with a 500 and a traceback. Here those are a 413, a 408 and one log
line, and nothing reaches the model.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

logger = logging.getLogger(__name__)
DRAIN_BYTES = 16 * 1024 * 1024  # read and dropped past the limit, so the client sees the 413
MAX_ERRORS = 50  # problems listed in a 400 answer


class RequestGuard:
    """Reads each request body (at most `max_bytes`, within `timeout_s`) before the app runs."""

    def __init__(self, app: App, max_bytes: int, timeout_s: float) -> None:
        self.app, self.max_bytes, self.timeout_s = app, max_bytes, timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        where = f"{scope['method']} {scope['path']}"
        encoding = _header(scope, b"content-encoding")
        if encoding not in (None, b"identity"):
            await self._refuse(send, 415, where, f"is {encoding.decode(errors='replace')}-encoded")
            return
        try:
            async with asyncio.timeout(self.timeout_s):
                body, size = await self._read_body(receive)
        except TimeoutError:
            await self._refuse(send, 408, where, f"not received within {self.timeout_s:g} s")
            return
        if body is None and size < 0:
            logger.warning("Client left %s before sending its whole body: nothing scored", where)
        elif body is None:
            await self._refuse(send, 413, where, "is too large")
        else:
            await self.app(scope, _replay(body, receive), _short_errors(send))

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

    async def _refuse(self, send: Send, status: int, where: str, problem: str) -> None:
        if status == 413:
            reason = (
                f"Request body {problem}: the limit is {self.max_bytes // 1024} KB "
                "(serve.max_request_kb). Send fewer records per request."
            )
        elif status == 415:
            reason = f"Request body {problem}: send it as plain JSON, without Content-Encoding."
        else:
            reason = f"Request body {problem}. Send the whole body promptly."
        logger.warning("Refused %s: %d %s", where, status, reason)
        payload = json.dumps({"error": reason}).encode()
        headers = [(b"content-type", b"application/json"), (b"connection", b"close")]
        headers.append((b"content-length", str(len(payload)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})


def _short_errors(send: Send) -> Send:
    """A `send` that keeps at most MAX_ERRORS problems in a 400's `detail` list.

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
        body = _trimmed(b"".join(chunks))
        headers = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return short


def _trimmed(body: bytes) -> bytes:
    try:
        payload = json.loads(body)
    except ValueError:
        return body
    detail = payload.get("detail") if isinstance(payload, dict) else None
    if not isinstance(detail, list) or len(detail) <= MAX_ERRORS:
        return body
    payload["detail"] = detail[:MAX_ERRORS]
    payload["error"] = f"{payload.get('error', '')} (the first {MAX_ERRORS} of {len(detail)} shown)"
    return json.dumps(payload).encode()


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value).strip().lower()
    return None


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
