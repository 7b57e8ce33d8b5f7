"""The HTTP connection under the service: each request's head read in bounded size and time.

BentoML 1.4 starts uvicorn with no header limit of its own and none that its configuration
passes on, and uvicorn's httptools protocol has none either: it buffers a head of any size
(8 heads of 64 MB took +555 MB), and times out only idle keep-alive connections, so a
connection that sends nothing, or half a head, is held forever (42,000 of them made every
good client fail for 24 s). This protocol, uvicorn's own with two limits, answers a head over
`serve.max_header_kb` with a 431 and one not complete within `serve.header_timeout_s` with a
408 (a connection that sent nothing is just closed), then hangs up: it sends its end of the
connection after the answer and drops what the client still sends for a moment, since closing
with bytes unread resets the connection, and a reset can reach the client before it has read
the answer (a 64 KB head sent in one write often got "connection reset" and no 431). What a
single process cannot bound (connections per client, request rates) is the ingress's: see
docs/ship/serving-limits.md.

On a stop, uvicorn closes idle connections and waits for the rest with no bound of its own
(BentoML passes none), so a client that never reads its answer held a worker forever:
`bound_drain` gives that wait `serve.drain_timeout_s`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from typing import Any

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

logger = logging.getLogger(__name__)


class BoundedHeadProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, refusing a request head too large or too slow.

    The size counts the bytes from a head's first byte to its blank line, before the parser
    sees them, so a head over the limit is refused whether it comes in many reads or in one
    with its end (a body in the same read does not count).
    """

    max_head_bytes = 16 * 1024  # set for the service by `bound_request_heads`
    head_timeout_s = 10.0
    linger_s = 2.0  # how long a refused connection's further bytes are read and dropped

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.in_head = True  # reading a request line and headers (or waiting for the first)
        self.head_bytes = 0
        self.head_tail = b""  # the last bytes of the head so far: its blank line may straddle reads
        self.head_timer: asyncio.TimerHandle | None = None
        self.refused = False  # answered with a 431 or 408: what follows is dropped
        self.linger_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()  # uvicorn would wait forever for a first byte

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_timer()
        if self.linger_timer is not None:
            self.linger_timer.cancel()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.refused:  # the rest of a refused head: read only so that the close is clean
            return
        if self.in_head:
            self.head_bytes += head_part(self.head_tail, data)
            self.head_tail = (self.head_tail + data)[-3:]
            if self.head_timer is None:  # a later request on a kept-alive connection
                self._arm_head_timer()
            if self.head_bytes > self.max_head_bytes:
                self._refuse(
                    431,
                    f"Request head (request line and headers) is over {self.max_head_bytes // 1024}"
                    " KB (serve.max_header_kb). Send shorter headers.",
                )
                return  # the parser never sees it
        super().data_received(data)

    def on_headers_complete(self) -> None:
        self.in_head = False
        self._disarm_head_timer()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self.in_head, self.head_bytes, self.head_tail = True, 0, b""  # the next request's head

    def _arm_head_timer(self) -> None:
        self.head_timer = self.loop.call_later(self.head_timeout_s, self._head_timed_out)

    def _disarm_head_timer(self) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None

    def _head_timed_out(self) -> None:
        self.head_timer = None
        if not self.head_bytes:  # connected and said nothing: no one to answer
            self.transport.close()
            return
        self._refuse(
            408,
            f"Request head not received within {self.head_timeout_s:g} s "
            "(serve.header_timeout_s). Send the request promptly.",
        )

    def _refuse(self, status: int, reason: str) -> None:
        if self.transport.is_closing():
            return
        client = "%s:%d" % self.client if self.client else "a client"  # noqa: UP031
        logger.warning("Refused a request head from %s: %d %s", client, status, reason)
        self._disarm_head_timer()
        self.in_head = False
        if self.cycle is not None and not self.cycle.response_complete:
            self.transport.close()  # a response is under way: it ends the connection
            return
        body = json.dumps({"error": reason}).encode()
        self.transport.write(
            STATUS_LINE[status]
            + b"content-type: application/json\r\nconnection: close\r\n"
            + b"content-length: %d\r\n\r\n" % len(body)
            + body
        )
        self.refused = True
        if not self.transport.can_write_eof():
            self.transport.close()
            return
        self.transport.write_eof()  # the client reads the answer, then the end; it hangs up
        self.linger_timer = self.loop.call_later(self.linger_s, self.transport.close)


def head_part(tail: bytes, data: bytes) -> int:
    """How many bytes of `data` belong to a request head whose last bytes so far were `tail`.

    A head ends at its blank line: CRLF CRLF, or a bare LF LF, which lenient parsers accept
    and which cannot occur inside a CRLF head. Without one, all of `data` is head.
    """
    joined = tail + data
    ends = [
        i + len(mark)
        for mark in (b"\r\n\r\n", b"\n\n")
        if (i := joined.find(mark, max(0, len(tail) - len(mark) + 1))) >= 0  # ends in data
    ]
    return min(ends) - len(tail) if ends else len(data)


def bound_request_heads(max_head_bytes: int, head_timeout_s: float) -> None:
    """Make BoundedHeadProtocol, with these limits, the protocol of this process's uvicorn.

    BentoML's worker builds its uvicorn config with the default protocol, `auto`, after it
    has imported the service, and uvicorn resolves `auto` through this table when it starts.
    """
    from uvicorn import config

    BoundedHeadProtocol.max_head_bytes = max_head_bytes
    BoundedHeadProtocol.head_timeout_s = head_timeout_s
    config.HTTP_PROTOCOLS["auto"] = f"{__name__}:{BoundedHeadProtocol.__name__}"


def bound_drain(timeout_s: int) -> None:
    """Make this process's uvicorn, once told to stop, wait at most `timeout_s` for requests.

    BentoML's worker passes uvicorn `timeout_graceful_shutdown=None` (wait forever) unless
    `bentoml serve --timeout-graceful-shutdown` was given, which then still wins. Past the
    bound uvicorn cancels what is left and stops; the answers still unsent are lost.
    """
    from uvicorn.server import Server

    shutdown = getattr(Server, "_gitml_shutdown", Server.shutdown)  # idempotent re-patching

    async def bounded_shutdown(self: Server, sockets: list[socket.socket] | None = None) -> None:
        if self.config.timeout_graceful_shutdown is None:
            self.config.timeout_graceful_shutdown = timeout_s
        await shutdown(self, sockets)

    Server._gitml_shutdown = shutdown  # type: ignore[attr-defined]
    Server.shutdown = bounded_shutdown  # type: ignore[method-assign]
