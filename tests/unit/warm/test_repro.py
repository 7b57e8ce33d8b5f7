"""`gitml repro`'s server: up for one `dvc repro`, gone after it, skipped where it cannot run."""

from __future__ import annotations

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
