"""The warm server: imports what the stages need once, then forks one copy per stage command.

Per connection it forks a handler, and the handler forks the stage: the handler waits for the
stage, forwards the signals the command receives and reports the exit status, even when the
stage dies of a signal. Linux only (`gitml repro` falls back elsewhere): fork without exec is
not safe with macOS's system libraries.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import select
import signal
import socket
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Iterator
from importlib import import_module
from pathlib import Path
from typing import Any, NoReturn

from gitml.warm import SOCKET_ENV, wire

# What the stages import, in their functions as well as at the top of their modules, in the
# order the stages run: a stage that asks while the rest loads gets a fork of what is loaded,
# and imports what it lacks itself. One missing here costs its stage the import, not a wrong
# result (tests/integration/test_warm.py lists any that are).
PRELOAD = (
    "gitml.cli",
    "gitml.commands.change",
    "gitml.config.params",
    "pandas",
    "pandas.core.arrays.arrow.extension_types",  # read_parquet's, on its first call
    "pandas.io.formats.string",
    "pyarrow.dataset",
    "pyarrow.pandas_compat",
    "pyarrow.parquet",
    "gitml.pipeline.ingest",
    "pandera.pandas",
    "pandera.errors",
    "pandera.accessors.pandas_accessor",  # and the backends: a schema's first validate
    "pandera.api.geopandas.container",
    "pandera.backends.pandas.builtin_checks",
    "pandera.backends.pandas.builtin_hypotheses",
    "pandera.backends.pandas.components",
    "pandera.backends.pandas.container",
    "pandera.backends.pandas.register",
    "pandera.backends.register_checks",
    "gitml.pipeline.validate",
    "gitml.pipeline.split",
    "sklearn.compose",
    "sklearn.ensemble",
    "sklearn.impute",
    "sklearn.linear_model",
    "sklearn.pipeline",
    "sklearn.preprocessing",
    "sklearn.tree",
    "skops.io",  # through gitml.ml.model.skops_io, without scikit-learn's estimator scan
    "gitml.pipeline.train",
    "scipy.stats",
    "sklearn.calibration",
    "sklearn.inspection",
    "sklearn.metrics",
    "gitml.pipeline.evaluate",
)
STOP_GRACE_S = 10.0  # a stage whose command went away gets SIGTERM, then SIGKILL after this
UNEXPECTED_EXIT = 70  # as gitml.cli's: the stage crashed outside the CLI's error handling
STDIO_NAMES = ("stdin", "stdout", "stderr")


def main() -> None:
    """`python -c 'from gitml.warm.server import main; main()' SOCKET PARENT_PID`."""
    serve(Path(sys.argv[1]), int(sys.argv[2]))


def preload_steps() -> Iterator[str]:
    """Import PRELOAD one module at a time, yielding after each."""
    for name in PRELOAD:
        if name == "skops.io":
            from gitml.ml.model import skops_io

            skops_io()
        else:
            import_module(name)
        yield name


def preload() -> None:
    for _ in preload_steps():
        pass


def serve(path: Path, parent: int) -> None:
    """Accept stage commands on `path` until SIGTERM or until `parent` (gitml repro) exits."""
    gc.set_threshold(50_000, 10, 10)  # as gitml.__main__'s, for the same reason
    own = wire.identity()  # before the preload: scikit-learn sets KMP_* as it loads
    before = dict(os.environ)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    binding = path.with_name(path.name + ".binding")
    listener.bind(str(binding))
    listener.listen(64)
    os.rename(binding, path)  # the path appears once it accepts: clients wait for it
    signal.signal(signal.SIGTERM, _stop)
    try:
        # DVC starts the first stage while this still imports: it need not wait for the rest
        for _ in preload_steps():
            gc.freeze()  # the preloaded objects: no stage's collections walk them again
            _serve_one(listener, own, before, 0)
        while os.getppid() == parent:
            _serve_one(listener, own, before, 0.5)
    except SystemExit:
        pass
    finally:
        listener.close()
        path.unlink(missing_ok=True)
        if os.getppid() != parent:  # gitml repro was killed outright: nobody else cleans up
            path.with_name("stopped").unlink(missing_ok=True)
            with contextlib.suppress(OSError):  # only the private folder, and only if empty
                path.parent.rmdir()  # stage commands still to come see it gone: no server


def _serve_one(
    listener: socket.socket, own: dict[str, Any], before: dict[str, str], timeout: float
) -> None:
    """Fork a handler for a waiting stage command, if one arrives within `timeout` seconds."""
    ready, _, _ = select.select([listener], [], [], timeout)
    _reap()
    if ready:
        conn, _ = listener.accept()
        if _fork() == 0:
            listener.close()
            _handle(conn, own, before)
        conn.close()


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(0)


def _reap() -> None:
    """Collect finished handlers, so their (and their stages') resource usage is counted."""
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


def _fork() -> int:
    """Fork; the child starts with SIGTERM's default action, never the server's handler."""
    # SIGTERM waits until the child has dropped the server's handler, which would unwind the
    # child into serve()'s cleanup (and remove the socket) instead of ending it.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    try:
        # Python 3.12+ warns on fork in a process with threads: here they are the BLAS pool
        # numpy starts, which drops its threads across fork (pthread_atfork), as every
        # multiprocessing fork of a numpy process relies on. No OpenMP region has run yet.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
        return pid
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})


def _handle(conn: socket.socket, own: dict[str, Any], before: dict[str, str]) -> NoReturn:
    """The handler process: one stage command's request, its stage, its exit status."""
    stage: _Stage | None = None
    try:
        received = wire.receive(conn, max_fds=3)
        if received is None:
            os._exit(0)
        request, fds = received
        mismatch = sorted(key for key, value in own.items() if request.get(key) != value)
        if mismatch:
            wire.send(conn, {"refused": f"another {', '.join(mismatch)} than the server's"})
            os._exit(0)
        pid = _fork()
        if pid == 0:
            _run_stage(request, fds, conn, before)
        stage = _Stage(pid)
        for fd in fds:
            os.close(fd)
        with contextlib.suppress(OSError):  # the command is gone (a Ctrl-C): its stage stops
            wire.send(conn, {"started": pid})  # below, as when it goes any time later
        if request["env"].get("LOG_LEVEL", "").upper() == "DEBUG":
            with contextlib.suppress(OSError, ValueError):  # `gitml repro 2>&1 | head` ended
                print(
                    f"DEBUG warm server: gitml {' '.join(request['argv'])} runs as pid {pid}",
                    file=sys.stderr,
                    flush=True,
                )
        threading.Thread(target=_report_exit, args=(conn, stage), daemon=True).start()
        _forward_signals(conn, stage)
    except BaseException:
        with contextlib.suppress(OSError, ValueError):
            traceback.print_exc()
        if stage is not None:  # nobody would report it or pass it a signal: it stops
            stage.kill(signal.SIGTERM)
        os._exit(1)


class _Stage:
    """The stage process, signalled only while it is not reaped: its pid is never another's."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.lock = threading.Lock()
        self.reaped = False

    def kill(self, signum: int) -> None:
        with self.lock:
            if not self.reaped:  # until reaped, the pid is this stage's, if only as a zombie
                os.kill(self.pid, signum)

    def wait(self) -> int:
        os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOWAIT)  # ended, not yet reaped
        with self.lock:
            self.reaped = True
            _, status = os.waitpid(self.pid, 0)
        return os.waitstatus_to_exitcode(status)


def _report_exit(conn: socket.socket, stage: _Stage) -> NoReturn:
    try:
        wire.send(conn, {"exit": stage.wait()})
    finally:
        os._exit(0)


def _forward_signals(conn: socket.socket, stage: _Stage) -> NoReturn:
    """Pass on the command's signals; if the command goes away, stop its stage."""
    with contextlib.suppress(OSError, ValueError):  # a reset or garbled connection: gone too
        while (received := wire.receive(conn)) is not None:
            signum = received[0].get("signal")
            if isinstance(signum, int):
                stage.kill(signum)
    stage.kill(signal.SIGTERM)
    time.sleep(STOP_GRACE_S)
    stage.kill(signal.SIGKILL)
    time.sleep(STOP_GRACE_S)  # _report_exit ends this process once the stage is reaped
    os._exit(1)


def _run_stage(
    request: dict[str, Any], fds: list[int], conn: socket.socket, before: dict[str, str]
) -> NoReturn:
    """The stage process: become the command (stdio, cwd, environment, argv), then run it.

    `before` is the server's environment before its preload: what the libraries set as they
    loaded (scikit-learn's KMP_*, pyarrow's) is set for the stage too, as its own imports would.
    """
    code = UNEXPECTED_EXIT
    try:
        conn.close()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        stdio = request["stdio"]
        for target, fd in zip(stdio, fds, strict=True):
            os.dup2(fd, target)
            os.close(fd)
        for closed in {0, 1, 2} - set(stdio):
            os.close(closed)
            setattr(sys, STDIO_NAMES[closed], None)  # as Python starts with that fd closed
        os.chdir(request["cwd"])
        os.umask(request["umask"])  # the permissions of its outputs: the command's
        set_by_imports = {k: v for k, v in os.environ.items() if before.get(k) != v}
        os.environ.clear()
        os.environ.update(request["env"])
        for name, value in set_by_imports.items():
            os.environ.setdefault(name, value)
        os.environ.pop(SOCKET_ENV, None)
        time.tzset()
        sys.argv = [request["argv0"], *request["argv"]]
        if 1 in stdio:
            sys.stdout.reconfigure(line_buffering=sys.stdout.isatty())  # type: ignore[union-attr]
        from gitml.cli import main

        code = main(request["argv"])
    except SystemExit as exc:  # argparse on a bad command line
        code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
    except KeyboardInterrupt:  # before the CLI could catch it: Python then dies of SIGINT
        code = -signal.SIGINT
    except BaseException:
        traceback.print_exc()
    finally:
        atexit._run_exitfuncs()  # what a normal interpreter exit runs; os._exit does not
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(AttributeError, OSError, ValueError):  # closed or broken
                stream.flush()
        if code < 0:
            signal.signal(-code, signal.SIG_DFL)
            os.kill(os.getpid(), -code)
        os._exit(code)
