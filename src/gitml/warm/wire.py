"""The warm server's messages: a 4-byte length, then JSON; stdio file descriptors ride along.

Standard library only: the stage command imports this before anything heavy.
"""

from __future__ import annotations

import json
import os
import socket
import struct
import sys
from collections.abc import Sequence
from typing import Any

import gitml

HEADER = struct.Struct("!I")
# Read once, when the interpreter or a preloaded library starts (thread pools, hash seed,
# locale, sklearn's config, malloc): a stage command whose value differs runs its stage itself.
STARTUP_ENV = (
    "OMP_",
    "KMP_",
    "GOMP_",
    "OPENBLAS_",
    "MKL_",
    "BLIS_",
    "GOTO_",
    "VECLIB_",
    "NUMEXPR_",
    "ARROW_",
    "SKLEARN_",
    "PYTHON",
    "LC_",
    "LANG",
    "LD_",
    "MALLOC_",
)
MAX_BYTES = 16 * 1024 * 1024  # a request is argv, cwd and the environment: far below this


def send(sock: socket.socket, message: dict[str, Any], fds: Sequence[int] = ()) -> None:
    """Send one message, with `fds` attached to its header."""
    data = json.dumps(message).encode()
    header = HEADER.pack(len(data))
    if fds:
        socket.send_fds(sock, [header], list(fds))
        sock.sendall(data)
    else:  # in one call: a signal handler's message (a second Ctrl-C) never lands inside it
        sock.sendall(header + data)


def receive(sock: socket.socket, max_fds: int = 0) -> tuple[dict[str, Any], list[int]] | None:
    """The next message and the descriptors sent with it; None once the peer has closed."""
    if max_fds:
        header, fds, _, _ = socket.recv_fds(sock, HEADER.size, max_fds)
    else:
        header, fds = sock.recv(HEADER.size), []
    if not header:
        return None
    header += _exactly(sock, HEADER.size - len(header))
    (length,) = HEADER.unpack(header)
    if length > MAX_BYTES:
        raise ValueError(f"a warm-server message of {length} bytes (at most {MAX_BYTES})")
    message = json.loads(_exactly(sock, length))
    if not isinstance(message, dict):
        raise ValueError(f"a warm-server message is a JSON object, not {type(message).__name__}")
    return message, fds


def _exactly(sock: socket.socket, size: int) -> bytes:
    chunks = []
    while size:
        chunk = sock.recv(min(size, 1 << 20))
        if not chunk:
            raise ConnectionError("the warm server's peer closed in the middle of a message")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def identity() -> dict[str, Any]:
    """What makes a stage command's gitml the server's: a request must match it exactly."""
    return {
        # what runs, and in which environment: `python3` and `python` in one venv are the same
        "executable": os.path.realpath(sys.executable),
        "prefix": sys.prefix,
        "package": os.path.dirname(os.path.abspath(gitml.__file__)),
        "path": sys.path[1:],  # [0] is the working directory (`-m`) or '' (`-c`)
        # `python -W error -m gitml train`, -X dev, -O...: a fork keeps the server's
        "flags": [list(sys.flags), sys.warnoptions, sys._xoptions],
        "startup_env": {
            name: value
            for name, value in sorted(os.environ.items())
            if name.startswith(STARTUP_ENV) and name != "PYTHONPATH"  # that one is "path"
        },
    }
