"""The warm server: what it preloads, whom it serves, and that it never outlives its run."""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from gitml.warm import wire
from tests.support.warm import (
    FAKE_SERVER,
    alive,
    fake_server,
    short_folder,
    stage_command,
    wait_until,
)


def test_a_stage_asking_during_the_preload_is_served_before_it_ends(tmp_path: Path) -> None:
    # given a server with ten one-second preload steps to go
    with fake_server(tmp_path, preload_steps=10) as path:
        # when a stage command asks at once
        command = stage_command(path, "ingest", cwd=tmp_path)
        out, _ = command.communicate(timeout=30)
    # then it ran on a fork of what was loaded by then, not after the whole preload
    assert command.returncode == 0
    loaded = int(out.split()[1].removeprefix("loaded="))
    assert loaded < 10


def test_what_the_preload_set_in_the_environment_the_stage_has_unless_its_command_set_it(
    tmp_path: Path,
) -> None:
    with fake_server(tmp_path, preload_steps=1) as path:
        plain = ""
        while "loaded=1" not in plain:  # until the one preload step has run
            plain = stage_command(path, "ingest", cwd=tmp_path).communicate(timeout=30)[0]
        own = stage_command(path, "ingest", cwd=tmp_path, env={"SET_BY_IMPORT": "mine"})
        mine = own.communicate(timeout=30)[0]
    assert "set_by_import='by the preload'" in plain
    assert "set_by_import='mine'" in mine


def test_a_request_from_another_gitml_is_refused_and_the_server_serves_on(tmp_path: Path) -> None:
    with fake_server(tmp_path) as path:
        for _ in range(2):  # a request cut short does not stop the next from being answered
            with socket.socket(socket.AF_UNIX) as cut:
                cut.connect(str(path))
        with socket.socket(socket.AF_UNIX) as conn:
            conn.connect(str(path))
            wire.send(conn, wire.identity() | {"package": "/another/checkout/gitml"})
            reply = wire.receive(conn)
        assert reply is not None
        # (pytest's own import path differs from the server's as well)
        refused = reply[0]["refused"].removeprefix("another ").removesuffix(" than the server's")
        assert "package" in refused.split(", ")


PARENT = """
import os, pathlib, subprocess, sys, time
server = [sys.executable, "-c", sys.argv[1], sys.argv[2], str(os.getpid())]
process = subprocess.Popen(server, stdout=subprocess.DEVNULL)
while not pathlib.Path(sys.argv[2]).exists():
    if process.poll() is not None:
        sys.exit(f"the server exited {process.returncode} before it listened")
    time.sleep(0.01)
print(process.pid)
"""


def test_the_server_stops_with_its_parent_and_leaves_no_socket() -> None:
    # given a listening server whose parent then exits (gitml repro killed outright); its
    # folder is short, as gitml repro's is: under xdist, tmp_path is too long for a socket
    with short_folder() as folder:
        _stops_with_its_parent(folder / "stages.sock")


def _stops_with_its_parent(path: Path) -> None:
    parent = subprocess.run(
        [sys.executable, "-c", PARENT, FAKE_SERVER, str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    pid = int(parent.stdout)
    # then it notices within its poll and goes, socket and all
    wait_until(lambda: not alive(pid), f"the warm server {pid} outlived its parent", 10)
    assert not path.exists()
    # and its folder with it: gitml repro's own clean-up died with it
    assert not path.parent.exists()


def test_sigterm_stops_the_server_and_removes_its_socket() -> None:
    with short_folder() as folder:
        _sigterm_stops_the_server(folder / "stages.sock")


def _sigterm_stops_the_server(path: Path) -> None:
    process = subprocess.Popen([sys.executable, "-c", FAKE_SERVER, str(path), str(os.getpid())])
    try:
        wait_until(path.exists, "the server never listened")
        process.send_signal(signal.SIGTERM)
        assert process.wait(10) == 0
        assert not path.exists()
    finally:
        process.kill()
        process.wait()


def test_a_command_gone_before_it_hears_started_still_has_its_stage_stopped(
    tmp_path: Path,
) -> None:
    # a Ctrl-C between the request and the reply: the handler's "started" met a closed socket,
    # it died of the BrokenPipeError and its stage ran on, unattended, writing its outputs
    read, write = os.pipe()
    with fake_server(tmp_path) as path, os.fdopen(read, "rb", buffering=0) as stage_out:
        with socket.socket(socket.AF_UNIX) as conn:
            conn.connect(str(path))
            request = wire.identity() | {
                "argv": ["train", "--params", "sleep:60"],
                "argv0": "gitml",
                "cwd": str(tmp_path),
                "env": dict(os.environ),
                "stdio": [1, 2],
            }
            request["path"] = _servers_path(path)
            wire.send(conn, request, [write, write])
        os.close(write)
        # the stage's stdout ends once the stage has (it may be stopped before it printed)
        deadline = time.monotonic() + 15
        while select.select([stage_out], [], [], 0.1)[0] == [] or stage_out.read(4096):
            assert time.monotonic() < deadline, "the stage outlived its command"


def _servers_path(path: Path) -> list[str]:
    """The fake server's import path, as `python -c` has it here (pytest's own differs)."""
    found = subprocess.run(
        [sys.executable, "-c", "import json, sys; print(json.dumps(sys.path[1:]))"],
        cwd=path.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    return list(json.loads(found.stdout))


def test_a_server_whose_stderr_is_a_broken_pipe_still_reports_its_stages(tmp_path: Path) -> None:
    with short_folder() as folder:
        _broken_stderr_still_reports(folder / "stages.sock", tmp_path)


def _broken_stderr_still_reports(path: Path, tmp_path: Path) -> None:
    # `LOG_LEVEL=DEBUG gitml repro 2>&1 | head`: the handler's DEBUG line raised BrokenPipeError,
    # the handler died, the command exited 1 and its stage ran on without it
    process = subprocess.Popen(
        [sys.executable, "-c", FAKE_SERVER, str(path), str(os.getpid())],
        stderr=subprocess.PIPE,
    )
    assert process.stderr is not None
    process.stderr.close()  # nobody reads the server's stderr any more
    try:
        wait_until(path.exists, "the server never listened")
        command = stage_command(
            path, "train", "--params", "exit:3", cwd=tmp_path, env={"LOG_LEVEL": "DEBUG"}
        )
        command.communicate(timeout=30)
        assert command.returncode == 3
    finally:
        process.terminate()
        process.wait(10)
