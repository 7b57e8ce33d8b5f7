"""The lock tells the truth: a PR's stale dvc.lock is caught, a stale baseline is reproduced."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.conftest import MAIN_ROWS, Project

pytestmark = pytest.mark.slow

ROWS = MAIN_ROWS  # what main_project was composed with


def commit_params_only(project: Project, message: str) -> None:
    """What an author does who changes conf/ but never runs the pipeline: no dvc.lock."""
    project.run("git", "add", "params.yaml")
    project.run("git", "commit", "-q", "-m", message)


def summary(project: Project) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((project.root / "reports/report.json").read_text())
    return loaded


def test_a_stale_committed_lock_fails_the_gate_unless_set_to_warn(main_project: Project) -> None:
    # given main reproduced and committed on ROWS, and a PR that changed params without
    # `make run`
    project = main_project
    project.run("git", "checkout", "-q", "-b", "pr")
    project.gitml("compose", ROWS, "model.max_iter=20")
    commit_params_only(project, "max_iter=20, lock not committed")

    # when CI reproduces and reports
    project.gitml("repro")
    project.gitml("report", "--baseline", "main")
    gate = project.gitml("gate", check=False)

    # then the report says the lock was stale and the gate fails, naming the fix
    lock = {"judged": True, "stages": ["evaluate", "train"], "note": ""}
    assert summary(project)["lock"] == lock
    assert (
        "Committed dvc.lock: stale (CI re-ran evaluate, train)."
        in (project.root / "reports/report.md").read_text()
    )
    assert gate.returncode == 5
    assert (
        "The committed dvc.lock is stale: CI's reproduction changed its stages evaluate, train. "
        "To fix it, run `make run`, commit dvc.lock, and `dvc push` its outputs."
    ) in gate.stderr

    # a team that trains too long to run locally turns it into a warning, on main (the gate
    # judges a PR by its baseline's rules)
    project.run("git", "checkout", "-q", "-f", "main")
    project.dvc("checkout", "--force", "-q")
    project.gitml("compose", ROWS, "gate.stale_lock=warn")
    commit_params_only(project, "main: stale locks warn")
    project.run("git", "checkout", "-q", "-b", "pr-warned")
    project.gitml("compose", ROWS, "gate.stale_lock=warn", "model.max_iter=20")
    commit_params_only(project, "max_iter=20, lock not committed")
    project.gitml("repro")
    project.gitml("report", "--baseline", "main")
    warned = project.gitml("gate", check=False)
    assert warned.returncode == 0, warned.stderr
    assert "WARNING The committed dvc.lock is stale" in warned.stderr


def test_a_baseline_whose_committed_lock_is_stale_is_reproduced(main_project: Project) -> None:
    # given main (reproduced and committed on ROWS), and a branch that switched the data
    # without committing dvc.lock
    project = main_project
    project.run("git", "checkout", "-q", "-b", "data-benefits")
    project.gitml("compose", "data.source.n_rows=400")
    commit_params_only(project, "more data, lock not committed")
    # and a second branch off it that changes only the model, run and committed properly
    project.run("git", "checkout", "-q", "-b", "tweak")
    project.gitml("compose", "data.source.n_rows=400", "model.max_iter=20")
    project.gitml("repro")
    project.commit("max_iter=20")

    project.gitml("report", "--baseline", "data-benefits")

    # then the baseline is what data-benefits' params produce: the same 400 rows, no data change
    result = summary(project)
    assert result["baseline"]["source"] == (
        "reproduced: its committed dvc.lock was stale (stages: ingest)"
    )
    assert result["pairing"] == "same rows"  # the stale lock's 300-row test set would differ
    assert result["changed_rows"] is None
    assert result["target_changed"] == ""
    assert result["lock"]["stages"] == []
