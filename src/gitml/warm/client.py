"""A stage command's side of the warm server: hand the stage over, wait, exit with its status.

Standard library only, so that the command starts in milliseconds. Whenever the server cannot
take the stage (it is still importing past the wait, it failed, or it runs another checkout's
gitml) the command runs the stage itself, as without `gitml repro`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Any

from gitml.warm import SOCKET_ENV, wire

WAIT_S = 120.0  # for the server's imports: seconds on a loaded machine, never this long
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def run_on_server(argv: list[str]) -> int | None:
    """Run `gitml <argv>` on the warm server: its exit status, or None to run it here.

    The status is as `os.waitstatus_to_exitcode` gives it: -N when the stage died of signal N.
    """
    address = os.environ.get(SOCKET_ENV)
    if not address:
        return None
    conn = _connect(Path(address))
    if conn is None:
        return None
    with conn:
        stdio = [fd for fd in (0, 1, 2) if _is_open(fd)]
        request = wire.identity() | {
            "argv": argv,
            "argv0": sys.argv[0],
            "cwd": os.getcwd(),
            "env": dict(os.environ),
            "stdio": stdio,
        }
        forwarder = _Forwarder(conn)
        try:
            return _ask(conn, request, stdio, forwarder)
        finally:
            forwarder.restore()


def _ask(
    conn: socket.socket, request: dict[str, Any], stdio: list[int], forwarder: _Forwarder
) -> int | None:
    try:
        wire.send(conn, request, stdio)
        reply = wire.receive(conn)
    except (OSError, ValueError):
        reply = None
    if reply is None or "started" not in reply[0]:
        if forwarder.pending:  # stopped before its stage began: it ends as signalled
            return -forwarder.pending[0]
        if reply is not None:
            print(
                f"gitml: the warm server ran no stage ({reply[0].get('refused')}); "
                "running it in this process",
                file=sys.stderr,
            )
        return None  # the stage did not start: run it here
    forwarder.start()
    received = wire.receive(conn)
    if received is None or not isinstance(received[0].get("exit"), int):
        print(
            "gitml: the warm server stopped before the stage ended; run it again "
            "(or with GITML_WARM=0 for a process of its own)",
            file=sys.stderr,
        )
        return 1
    code: int = received[0]["exit"]
    return code


class _Forwarder:
    """The command's signals, passed on to its stage; held back until the stage has started."""

    def __init__(self, conn: socket.socket) -> None:
        self.conn = conn
        self.started = False
        self.pending: list[int] = []
        self.previous = {signum: signal.signal(signum, self._on_signal) for signum in FORWARDED}

    def _on_signal(self, signum: int, frame: Any) -> None:
        if self.started:
            self._send([signum])
        else:
            self.pending.append(signum)

    def start(self) -> None:
        self.started = True
        self._send(self.pending)

    def _send(self, signals: list[int]) -> None:
        # one message at a time: a signal during a send waits, not cuts into it
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, FORWARDED)
        try:
            for signum in signals:
                wire.send(self.conn, {"signal": signum})
        except OSError:
            pass  # the stage has just ended; its status is on its way
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)

    def restore(self) -> None:
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)


def _connect(path: Path) -> socket.socket | None:
    stopped = path.with_name("stopped")  # gitml repro's mark: the server is gone
    deadline = time.monotonic() + WAIT_S
    while not path.exists():
        if stopped.exists() or time.monotonic() > deadline:
            return None
        time.sleep(0.005)
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(str(path))
    except OSError:
        conn.close()
        return None
    return conn


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def exit_as(code: int) -> int:
    """End this process as the stage ended: by the same signal, or with its exit status."""
    if code < 0:
        with contextlib.suppress(OSError):  # SIGKILL and SIGSTOP take no handler at all
            signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
        return 128 - code  # a signal that does not end a process by default
    return code
