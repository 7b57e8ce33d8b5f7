"""A stage command's side of the warm server: hand the stage over, wait, exit with its status.

Standard library only, so that the command starts in milliseconds. Whenever the server cannot
take the stage (it is still importing past the wait, it failed, or it runs another checkout's
gitml) the command runs the stage itself, as without `gitml repro`.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Any

from gitml.warm import SOCKET_ENV, wire

WAIT_S = 120.0  # for the server to listen (it does before its imports): never this long
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def run_on_server(argv: list[str]) -> int | None:
    """Run `gitml <argv>` on the warm server: its exit status, or None to run it here.

    The status is as `os.waitstatus_to_exitcode` gives it: -N when the stage died of signal N.
    """
    address = os.environ.get(SOCKET_ENV)
    if not address:
        return None
    stdio = [fd for fd in (0, 1, 2) if _is_open(fd)]  # before the socket can take a closed one
    conn = _connect(Path(address))
    if conn is None:
        return None
    with conn:
        request = wire.identity() | {
            "argv": argv,
            "argv0": sys.argv[0],
            "cwd": os.getcwd(),
            "env": dict(os.environ),
            "stdio": stdio,
            "umask": _umask(),
        }
        received: list[int] = []
        previous = {signum: signal.getsignal(signum) for signum in FORWARDED}

        def forward(signum: int, frame: Any) -> None:
            received.append(signum)
            with contextlib.suppress(OSError):  # the handler is gone: its stage stops anyway
                wire.send(conn, {"signal": signum})

        try:
            wire.send(conn, request, stdio)
            # from here on the stage may be running: a Ctrl-C goes to it, even before the reply
            for signum in FORWARDED:
                signal.signal(signum, forward)
            reply = wire.receive(conn)
        except (OSError, ValueError):
            reply = None  # the stage did not start: run it here
        if reply is None or "started" not in reply[0]:
            _restore_signals(previous, received)
            if reply is not None:
                print(
                    f"gitml: the warm server ran no stage ({reply[0].get('refused')}); "
                    "running it in this process",
                    file=sys.stderr,
                )
            return None
        code = _wait_for_exit(conn)
        _restore_signals(previous, [])
        return code


def _connect(path: Path) -> socket.socket | None:
    stopped = path.with_name("stopped")  # gitml repro's mark: the server is gone
    deadline = time.monotonic() + WAIT_S
    while not path.exists():
        # no folder: its server found gitml repro killed and removed it; none will listen
        if stopped.exists() or not path.parent.is_dir() or time.monotonic() > deadline:
            return None
        time.sleep(0.005)
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    if conn.fileno() <= 2:  # a closed stdio's number: it would be sent as the stage's stdio
        low = conn.detach()
        conn = socket.socket(fileno=fcntl.fcntl(low, fcntl.F_DUPFD_CLOEXEC, 3))
        os.close(low)
    try:
        conn.connect(str(path))
    except OSError:
        conn.close()
        return None
    return conn


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def _restore_signals(previous: dict[signal.Signals, Any], received: list[int]) -> None:
    """The command's own signal handlers back; the signals received meanwhile, delivered."""
    for signum, handler in previous.items():
        signal.signal(signum, handler)
    for pending in received:
        os.kill(os.getpid(), pending)


def _wait_for_exit(conn: socket.socket) -> int:
    """The stage's exit status (the caller forwards the command's signals to it meanwhile)."""
    try:
        received = wire.receive(conn)
    except (OSError, ValueError):
        received = None
    if received is None or not isinstance(received[0].get("exit"), int):
        print(
            "gitml: the warm server stopped before the stage ended; run it again "
            "(or with GITML_WARM=0 for a process of its own)",
            file=sys.stderr,
        )
        return 1
    code: int = received[0]["exit"]
    return code


def exit_as(code: int) -> int:
    """End this process as the stage ended: by the same signal, or with its exit status."""
    if code < 0:
        with contextlib.suppress(OSError):  # SIGKILL and SIGSTOP take no handler at all
            signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
        return 128 - code  # a signal that does not end a process by default
    return code
