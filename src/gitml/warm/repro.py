"""`gitml repro`: `dvc repro` with the stages run by a warm server that lives as long as it."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gitml.warm import OFF_ENV, SOCKET_ENV

logger = logging.getLogger(__name__)

STOP_WAIT_S = 5.0
SOCKET_PATH_MAX = 100  # sun_path holds 108 bytes with its NUL; a margin for the suffix
SERVER = "from gitml.warm.server import main; main()"
FORWARDED = (signal.SIGTERM, signal.SIGHUP)  # would end gitml repro, and leave dvc running


def warm_possible() -> bool:
    """Fork without exec is safe only on Linux; GITML_WARM=0 turns the server off."""
    return sys.platform == "linux" and os.environ.get(OFF_ENV, "1") != "0"


def reproduce(dvc_args: list[str]) -> int:
    """Run `dvc repro DVC_ARGS` (warm where possible) and return its exit status.

    A SIGTERM or SIGHUP to `gitml repro` goes on to dvc, as if it had been sent to a plain
    `dvc repro`, and the server and its folder are cleaned up after; a dvc ended by signal N
    is reported as a shell does, 128 + N.
    """
    with warm_stages(Path.cwd(), dict(os.environ)) as env:
        process = subprocess.Popen([sys.executable, "-m", "dvc", "repro", *dvc_args], env=env)
        previous = {
            signum: signal.signal(signum, lambda signum, _: process.send_signal(signum))
            for signum in FORWARDED
        }
        try:
            code = _wait(process)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
    return code if code >= 0 else 128 - code


@contextmanager
def warm_stages(cwd: Path, env: dict[str, str]) -> Iterator[dict[str, str]]:
    """The environment for a `dvc repro` in `cwd` whose stages the warm server runs.

    The server runs the gitml that `env` imports, from `cwd`, and is stopped on leaving; where
    it cannot run, `env` is given back as it is and the stages run as DVC starts them.
    """
    folder = _socket_folder() if warm_possible() else None
    if folder is None:
        yield env
        return
    with tempfile.TemporaryDirectory(prefix="gitml-warm-", dir=folder) as private:
        path = Path(private) / "stages.sock"
        server = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(path), str(os.getpid())],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C reaches the stages through their commands
        )
        threading.Thread(target=_mark_stop, args=(server, path), daemon=True).start()
        try:
            yield env | {SOCKET_ENV: str(path)}
        finally:
            server.terminate()
            try:
                server.wait(STOP_WAIT_S)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _socket_folder() -> str | None:
    """Where the socket's private folder goes: a socket's path is at most 107 bytes."""
    for folder in (tempfile.gettempdir(), "/tmp"):
        if (
            len(os.path.join(folder, "gitml-warm-12345678", "stages.sock.binding"))
            < SOCKET_PATH_MAX
        ):
            return folder
    logger.debug("no temporary folder with a path short enough for a socket: no warm server")
    return None


def _mark_stop(server: subprocess.Popen[bytes], path: Path) -> None:
    """Once the server has exited, stage commands stop waiting for it and run themselves."""
    code = server.wait()
    if code not in (0, -15):
        logger.warning("the warm server exited %s; the stages run in their own processes", code)
    with contextlib.suppress(OSError):  # the folder is gone: gitml repro has finished
        path.with_name("stopped").touch()


def _wait(process: subprocess.Popen[bytes]) -> int:
    """The process's exit status; a Ctrl-C reached it as well, so it is waited for, not left."""
    while True:
        try:
            return process.wait()
        except KeyboardInterrupt:
            continue
