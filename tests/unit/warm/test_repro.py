"""`gitml repro`'s server: up for one `dvc repro`, gone after it, skipped where it cannot run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitml.warm import repro
from tests.support.warm import FAKE_SERVER, alive, wait_until


def _server_pids(folder: Path) -> list[int]:
    """The processes whose command line names `folder` (the server's socket is in it)."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if str(folder).encode() in (proc / "cmdline").read_bytes() and alive(int(proc.name)):
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def test_the_server_is_up_inside_and_gone_after(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(repro, "SERVER", FAKE_SERVER)
    monkeypatch.delenv("GITML_WARM", raising=False)
    with repro.warm_stages(Path.cwd(), {"KEPT": "yes"}) as env:
        socket = Path(env["GITML_WARM_SOCKET"])
        assert env["KEPT"] == "yes"
        wait_until(socket.exists, "the server never listened")
        pids = _server_pids(socket.parent)
        assert len(pids) == 1
    assert not socket.parent.exists()
    assert not alive(pids[0])


def test_a_server_that_fails_to_start_marks_itself_stopped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # stage commands stop waiting for it at once and run their stages themselves
    monkeypatch.setattr(repro, "SERVER", "raise SystemExit(3)")
    monkeypatch.delenv("GITML_WARM", raising=False)
    with repro.warm_stages(Path.cwd(), {}) as env:
        folder = Path(env["GITML_WARM_SOCKET"]).parent
        wait_until((folder / "stopped").exists, "no stop mark for a server that exited")


def test_gitml_warm_0_turns_the_server_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITML_WARM", "0")
    assert not repro.warm_possible()
    with repro.warm_stages(Path.cwd(), {"KEPT": "yes"}) as env:
        assert env == {"KEPT": "yes"}


# `gitml repro` on the fake server, with a `dvc repro` that only prints its pid and sleeps
REPRO_WITH_A_SLEEPING_DVC = """
import subprocess, sys
from gitml.warm import repro
repro.SERVER = sys.argv[1]
real = subprocess.Popen
def popen(argv, **kwargs):
    if argv[1:3] == ["-m", "dvc"]:
        code = "import os, time; print(os.getpid(), flush=True); time.sleep(60)"
        argv = [sys.executable, "-c", code]
    return real(argv, **kwargs)
subprocess.Popen = popen
sys.exit(repro.reproduce([]))
"""


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A TMPDIR short enough for the server's socket (pytest's tmp_path is not: /tmp is used)."""
    with tempfile.TemporaryDirectory(prefix="warm-", dir="/tmp") as folder:
        yield Path(folder)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_to_gitml_repro_stops_dvc_and_cleans_up(scratch: Path, signum: int) -> None:
    # it used to die at once: dvc went on reproducing on its own, the folder was left behind
    env = os.environ | {"TMPDIR": str(scratch)}
    env.pop("GITML_WARM", None)
    command = subprocess.Popen(
        [sys.executable, "-c", REPRO_WITH_A_SLEEPING_DVC, FAKE_SERVER],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert command.stdout is not None
    dvc = int(command.stdout.readline())
    assert [folder.name[:11] for folder in scratch.iterdir()] == ["gitml-warm-"]
    command.send_signal(signum)
    assert command.wait(15) == 128 + signum
    wait_until(lambda: not alive(dvc), f"dvc {dvc} outlived gitml repro", 5)
    assert list(scratch.iterdir()) == []


def test_every_argument_of_gitml_repro_goes_to_dvc_repro_help_too() -> None:
    # `gitml repro --help` printed gitml's one-line usage, not dvc repro's options
    from gitml import cli

    args, rest = cli._parser().parse_known_args(["repro", "--help", "-s", "train"])
    assert args.command == "repro"
    assert rest == ["--help", "-s", "train"]
