"""`gitml repro`: the real pipeline, its stages forked from the warm server."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from tests.integration.conftest import MAIN_ROWS, Project, ran_stages
from tests.unit.warm.test_repro import _server_pids

pytestmark = pytest.mark.slow

STAGES = ["ingest", "validate", "split", "train", "evaluate"]
HEAVY = ("numpy", "pandas", "pyarrow", "pandera", "scipy", "sklearn", "skops")
# every stage in one process after the server's preload: the heavy modules it still imports
PRELOAD_THEN_STAGES = f"""
import json, sys
from gitml.warm.server import preload
preload()
before = set(sys.modules)
from gitml.cli import STAGES, main
failed = [stage for stage in STAGES if main([stage]) != 0]
late = sorted(m for m in set(sys.modules) - before if m.split(".")[0] in {HEAVY!r})
print(json.dumps({{"failed": failed, "late": late}}))
"""


def test_gitml_repro_writes_what_dvc_repro_wrote_and_leaves_no_server(
    main_project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a committed run of `dvc repro` (every stage in a fresh interpreter)
    project = main_project
    lock = (project.root / "dvc.lock").read_text()
    # the server's socket folder goes here (pytest's tmp_path is too long for a socket: /tmp)
    scratch = Path(tempfile.mkdtemp(prefix="warm-", dir="/tmp"))
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")

    # when every stage runs again on the warm server
    forced = project.gitml("repro", "--force")

    # then each stage was forked by the server and wrote the same bytes
    assert ran_stages(forced.stdout) == STAGES
    for stage in STAGES:
        assert f"DEBUG warm server: gitml {stage} runs as pid" in forced.stderr
    assert (project.root / "dvc.lock").read_text() == lock
    assert project.run("git", "status", "--porcelain").stdout == ""
    assert "INFO evaluate: roc_auc=" in forced.stdout + forced.stderr
    # and the server is gone, its folder too
    assert _server_pids(scratch) == []
    assert list(scratch.iterdir()) == []
    scratch.rmdir()


def test_a_failing_stage_fails_gitml_repro_with_its_message_and_status(project: Project) -> None:
    project.gitml("compose", "data.source.n_rows=300", "data.columns.tenure_months.max=10")
    result = project.gitml("repro", check=False)
    assert result.returncode != 0
    assert ran_stages(result.stdout) == ["ingest", "validate"]
    assert "tenure_months  in_range(0.0, 10.0)" in result.stderr
    assert "failed to run: python -m gitml validate, exited with 4" in result.stderr
    assert json.loads((project.root / "reports/validation.json").read_text())["passed"] is False


def test_the_preload_covers_what_the_stages_import(project: Project) -> None:
    # a heavy import the preload misses costs every run of its stage (not a wrong result)
    project.gitml("compose", MAIN_ROWS)
    result = project.run("python", "-c", PRELOAD_THEN_STAGES)
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["failed"] == []
    assert found["late"] == [], "add these to gitml.warm.server.PRELOAD"
