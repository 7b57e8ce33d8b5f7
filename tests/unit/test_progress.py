"""Progress bars: drawn on a terminal outside CI, never in a pipe, a log file or CI."""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path

import pytest

from gitml import progress
from gitml.serving.batch import run
from tests.support.pipeline import TrainedPipeline
from tests.support.terminal import Terminal


def test_a_terminal_outside_ci_wants_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    assert progress.wanted(Terminal())
    assert not progress.wanted(io.StringIO())  # a pipe or a file
    monkeypatch.setenv("CI", "true")
    assert not progress.wanted(Terminal())


def test_outside_a_terminal_the_bar_counts_and_draws_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pipe = io.StringIO()
    monkeypatch.setattr(sys, "stderr", pipe)

    with progress.bar(10, "work") as shown:
        shown.update(3)
        shown.update(4)

    assert shown.n == 7
    assert pipe.getvalue() == ""


def test_predict_on_a_terminal_shows_rows_per_second(
    trained_pipeline: TrainedPipeline, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    params = trained_pipeline.params

    run(params, params.paths.test, str(tmp_path / "out.parquet"), chunk_rows=100)

    shown = screen.getvalue()
    assert "predict" in shown
    assert "600/600" in shown  # the bar knows the file's rows: it can tell the time left
    assert " rows/s" in shown


def test_predict_into_a_pipe_prints_no_progress(
    trained_pipeline: TrainedPipeline,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("CI", raising=False)
    params = trained_pipeline.params

    run(params, params.paths.test, str(tmp_path / "out.parquet"), chunk_rows=100)

    assert "rows/s" not in capsys.readouterr().err


def test_the_baselines_reproduction_counts_its_stages_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess

    from gitml.report.baseline import _repro_with_progress

    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run([sys.executable, "-m", "dvc", "init", "-q"], cwd=tmp_path, check=True)
    stages = {name: {"cmd": f"echo {name} > {name}.txt", "outs": [f"{name}.txt"]} for name in "ab"}
    (tmp_path / "dvc.yaml").write_text(json.dumps({"stages": stages}))
    monkeypatch.delenv("CI", raising=False)
    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)

    repro = _repro_with_progress(tmp_path, dict(os.environ, DVC_NO_ANALYTICS="1"))

    assert repro.returncode == 0, repro.stdout
    assert "Running stage 'a'" in repro.stdout  # the output a failure message quotes is kept
    assert "baseline repro" in screen.getvalue()
    assert "2/2" in screen.getvalue()
