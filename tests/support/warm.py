"""A warm server whose one "stage" does what its `--params` says, for gitml.warm's tests.

It is the real server (`gitml.warm.server.main`) with nothing preloaded and `gitml.cli.main`
replaced: `python -m gitml train --params exit:3` exits 3, `sleep:30` sleeps, `signal:9` dies
of SIGKILL, `raise` raises; every run first prints its pid, cwd and environment, and how many
of the preload's steps had run (WARM_TEST_PRELOAD_STEPS of one second each; default none).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

FAKE_SERVER = """
import os, signal, sys, time
import gitml.cli
from gitml.warm import server

def stage(argv):
    action = argv[argv.index("--params") + 1] if "--params" in argv else "ok"
    kind, _, value = action.partition(":")
    try:  # a Ctrl-C sent once the pid is read may come during the prints
        print(
            f"pid={os.getpid()} loaded={len(loaded)} cwd={os.getcwd()} argv={' '.join(argv)} "
            f"env={os.environ.get('WARM_TEST', '-')} "
            f"socket={os.environ.get('GITML_WARM_SOCKET', '-')} umask={os.umask(0o022):03o} "
            f"set_by_import={os.environ.get('SET_BY_IMPORT', '-')!r}",
            flush=True,
        )
        print("to stderr", file=sys.stderr, flush=True)
        if kind == "exit":
            return int(value)
        if kind == "sleep":
            time.sleep(float(value))
        if kind == "signal":
            os.kill(os.getpid(), int(value))
        if kind == "raise":
            raise RuntimeError("a stage bug")
    except KeyboardInterrupt:
        return 130  # as gitml.cli.main answers a Ctrl-C
    return 0

gitml.cli.main = stage
loaded = []
server.PRELOAD = ("slow",) * int(os.environ.get("WARM_TEST_PRELOAD_STEPS", "0"))

def slow_import(name):  # a preload step: one second, and an environment variable set, as
    time.sleep(1)  # scikit-learn sets KMP_* when it loads
    os.environ.setdefault("SET_BY_IMPORT", "by the preload")
    loaded.append(name)

server.import_module = slow_import
server.main()
"""
WAIT_S = 30.0


@contextmanager
def short_folder() -> Iterator[Path]:
    """A folder for a socket: pytest's tmp_path under xdist can pass sun_path's 108 bytes."""
    folder = Path(tempfile.mkdtemp(prefix="gitml-warm-", dir="/tmp"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def fake_server(folder: Path, preload_steps: int = 0) -> Iterator[Path]:
    """The fake server, run in `folder`, listening on a socket of its own; stopped after."""
    with short_folder() as private:
        path = private / "stages.sock"
        process = subprocess.Popen(
            [sys.executable, "-c", FAKE_SERVER, str(path), str(os.getpid())],
            cwd=folder,
            env=os.environ | {"WARM_TEST_PRELOAD_STEPS": str(preload_steps)},
        )
        try:
            wait_until(path.exists, f"the fake warm server never listened on {path}")
            yield path
        finally:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def stage_command(
    socket: Path,
    *argv: str,
    cwd: Path,
    env: dict[str, str] | None = None,
    prefix: list[str] | None = None,
) -> subprocess.Popen[str]:
    """`python -m gitml ARGV` (or `PREFIX ARGV`) as DVC would start it under `gitml repro`."""
    env = os.environ | {"WARM_TEST": "from the command"} | (env or {})
    return subprocess.Popen(
        [*(prefix or [sys.executable, "-m", "gitml"]), *argv],
        cwd=cwd,
        env=env | {"GITML_WARM_SOCKET": str(socket)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended


def wait_until(condition: object, message: str, timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(message)
        time.sleep(0.02)
