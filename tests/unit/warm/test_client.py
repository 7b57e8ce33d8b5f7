"""A stage command under `gitml repro`: its stage runs on the warm server as if it ran here."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gitml.warm import client
from gitml.warm.client import exit_as, run_on_server
from tests.support.warm import alive, fake_server, stage_command, wait_until


@pytest.fixture
def server(tmp_path: Path) -> object:
    with fake_server(tmp_path) as path:
        yield path


def _pid(line: str) -> int:
    return int(line.split(maxsplit=1)[0].removeprefix("pid="))


def test_the_stage_gets_the_commands_cwd_env_argv_and_stdio_and_its_status_is_the_commands(
    server: Path, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    command = stage_command(server, "train", "--params", "exit:3", cwd=work)
    out, err = command.communicate(timeout=30)
    assert command.returncode == 3
    pid = _pid(out)
    assert pid != command.pid  # it ran on the server, not in the command's process
    assert f"cwd={work} argv=train --params exit:3 env=from the command socket=- umask=" in out
    assert err == "to stderr\n"


@pytest.mark.parametrize(("closed", "printed"), [(1, "to stderr\n"), (2, "pid=")])
def test_a_command_with_a_closed_stdout_or_stderr_runs_its_stage_with_it_closed(
    server: Path, tmp_path: Path, closed: int, printed: str
) -> None:
    # the command's socket once took the closed number and was sent as the stage's stdio:
    # the stage's output went into the server's messages
    shell = ["sh", "-c", f'exec "$@" {closed}>&-', "sh", sys.executable, "-m", "gitml"]
    # sleep, not exit: an exit could be reported before the handler read the stage's output
    command = stage_command(server, "train", "--params", "sleep:0.5", cwd=tmp_path, prefix=shell)
    out, err = command.communicate(timeout=30)
    assert command.returncode == 0, out + err
    assert printed in out + err  # a print to a closed stderr goes to stdout, as in Python
    assert "warm server" not in out + err


def test_the_stage_gets_the_commands_umask(server: Path, tmp_path: Path) -> None:
    # a `cmd: umask 077 && python -m gitml train` wrote its model with the server's umask
    command = subprocess.Popen(
        ["sh", "-c", 'umask 067 && exec "$@"', "sh", sys.executable, "-m", "gitml", "train"],
        cwd=tmp_path,
        env=os.environ | {"GITML_WARM_SOCKET": str(server)},
        stdout=subprocess.PIPE,
        text=True,
    )
    out, _ = command.communicate(timeout=30)
    assert command.returncode == 0
    assert _pid(out) != command.pid
    assert "umask=067" in out.split()


def test_a_stage_killed_by_a_signal_ends_its_command_by_that_signal(
    server: Path, tmp_path: Path
) -> None:
    command = stage_command(server, "train", "--params", "signal:9", cwd=tmp_path)
    command.communicate(timeout=30)
    assert command.returncode == -signal.SIGKILL


@pytest.mark.parametrize(
    ("signum", "status"), [(signal.SIGTERM, -signal.SIGTERM), (signal.SIGINT, 130)]
)
def test_a_signal_to_the_command_reaches_its_stage(
    server: Path, tmp_path: Path, signum: int, status: int
) -> None:
    command = stage_command(server, "train", "--params", "sleep:60", cwd=tmp_path)
    assert command.stdout is not None
    stage = _pid(command.stdout.readline())
    command.send_signal(signum)
    command.communicate(timeout=10)
    assert command.returncode == status
    wait_until(lambda: not alive(stage), f"the stage {stage} outlived its command", 10)


def test_a_command_killed_outright_takes_its_stage_with_it(server: Path, tmp_path: Path) -> None:
    command = stage_command(server, "train", "--params", "sleep:60", cwd=tmp_path)
    assert command.stdout is not None
    stage = _pid(command.stdout.readline())
    command.kill()
    command.communicate(timeout=10)
    wait_until(lambda: not alive(stage), f"the stage {stage} outlived its killed command", 10)


def test_a_command_for_another_gitml_runs_its_stage_itself(server: Path, tmp_path: Path) -> None:
    # a different import path (another checkout on PYTHONPATH): the server's code is not its
    command = stage_command(
        server,
        "validate",
        cwd=tmp_path,
        # (before the caller's own: the same gitml, only the path differs)
        env={"PYTHONPATH": os.pathsep.join(filter(None, [str(tmp_path), os.getenv("PYTHONPATH")]))},
    )
    _, err = command.communicate(timeout=60)
    assert "the warm server ran no stage (another path than the server's)" in err
    assert command.returncode == 2  # the real validate: no params.yaml here
    assert "params.yaml not found" in err


def test_a_command_run_by_another_name_of_the_same_python_runs_on_the_server(
    server: Path, tmp_path: Path
) -> None:
    # `python3 -m gitml repro` started the server as python3, DVC's stages run `python`: every
    # stage was refused ("another executable") and paid its imports
    executable = Path(sys.executable)
    names = ("python", "python3", f"python3.{sys.version_info.minor}")
    aliases = [executable.with_name(name) for name in names if name != executable.name]
    alias = next((a for a in aliases if a.is_file()), None)
    if alias is None:
        pytest.skip(f"no other name for {executable} beside it")
    command = stage_command(
        server, "train", "--params", "exit:3", cwd=tmp_path, prefix=[str(alias), "-m", "gitml"]
    )
    out, err = command.communicate(timeout=30)
    assert "ran no stage" not in err
    assert command.returncode == 3
    assert _pid(out) != command.pid


def test_a_command_with_interpreter_options_runs_its_stage_itself(
    server: Path, tmp_path: Path
) -> None:
    # `python -W error -m gitml train` in a dvc.yaml: on the server no warning was an error
    command = subprocess.Popen(
        [sys.executable, "-W", "error", "-m", "gitml", "validate"],
        cwd=tmp_path,
        env=os.environ | {"GITML_WARM_SOCKET": str(server)},
        stderr=subprocess.PIPE,
        text=True,
    )
    _, err = command.communicate(timeout=60)
    assert "the warm server ran no stage (another flags than the server's)" in err
    assert command.returncode == 2  # the real validate: no params.yaml here


def test_a_command_with_another_thread_count_runs_its_stage_itself(
    server: Path, tmp_path: Path
) -> None:
    # OpenMP and OpenBLAS read it once, as the server preloads scikit-learn: a forked stage
    # would silently run with the server's thread count (a `cmd: OMP_NUM_THREADS=1 python ...`)
    threads = "7" if os.environ.get("OMP_NUM_THREADS") != "7" else "3"
    command = stage_command(server, "validate", cwd=tmp_path, env={"OMP_NUM_THREADS": threads})
    _, err = command.communicate(timeout=60)
    assert "the warm server ran no stage (another startup_env than the server's)" in err
    assert command.returncode == 2  # the real validate: no params.yaml here


def test_without_a_server_the_command_runs_its_stage_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITML_WARM_SOCKET", str(tmp_path / "stages.sock"))
    (tmp_path / "stopped").touch()  # gitml repro's mark: its server has exited
    assert run_on_server(["validate"]) is None
    monkeypatch.delenv("GITML_WARM_SOCKET")
    assert run_on_server(["validate"]) is None


def test_without_the_servers_folder_the_command_runs_its_stage_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # gitml repro killed outright: its server removed the folder; no command waits WAIT_S for it
    monkeypatch.setattr(client, "WAIT_S", 10.0)
    monkeypatch.setenv("GITML_WARM_SOCKET", str(tmp_path / "gone" / "stages.sock"))
    started = time.monotonic()
    assert run_on_server(["validate"]) is None
    assert time.monotonic() - started < 2


def test_the_command_ends_as_its_stage_ended() -> None:
    assert exit_as(4) == 4
    assert exit_as(0) == 0
    child = subprocess.run(
        ["python", "-c", "from gitml.warm.client import exit_as; exit_as(-15)"], check=False
    )
    assert child.returncode == -signal.SIGTERM
