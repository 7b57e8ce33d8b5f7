"""The real pipeline: `dvc repro` and `dvc exp run` in a temporary git repo."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.integration.conftest import MAIN_ROWS, Project, ran_stages

pytestmark = pytest.mark.slow

STAGES = ["ingest", "validate", "split", "train", "evaluate"]
# `dvc exp run` composes params.yaml from conf/ and its -S overrides only, so the rows of
# main_project (MAIN_ROWS) are passed again
SMALL = ("-S", MAIN_ROWS)


def test_repro_then_noop_then_only_affected_stages(project: Project) -> None:
    # given a committed project on small default data
    project.gitml("compose", "data.source.n_rows=2000")
    project.commit("init")

    # when it is reproduced, every stage runs and the metrics land where the README says
    first = project.dvc("repro")
    assert ran_stages(first.stdout) == STAGES
    metrics = json.loads((project.root / "reports/metrics.json").read_text())
    assert 0.7 < metrics["roc_auc"] < 0.95
    project.commit("reproduced")

    # a second repro runs nothing
    again = project.dvc("repro")
    assert ran_stages(again.stdout) == []
    assert "Data and pipelines are up to date" in again.stdout

    # one model hyperparameter re-runs only train and evaluate
    project.gitml("compose", "data.source.n_rows=2000", "model.max_iter=50")
    changed = project.dvc("repro")
    assert ran_stages(changed.stdout) == ["train", "evaluate"]
    project.commit("max_iter=50")

    # a bad value fails in train and keeps the last good model and metrics (persist: true)
    kept = ["models/model.skops", "models/model.json", "reports/metrics.json"]
    before = {path: (project.root / path).read_bytes() for path in kept}
    bad = ("-S", "data.source.n_rows=2000", "-S", "model.max_iter=50", "-S", "model.max_depth=-3")
    failed = project.dvc("exp", "run", *bad, check=False)
    assert failed.returncode != 0
    assert "model.max_depth" in failed.stderr
    assert ran_stages(failed.stdout) == ["train"]
    assert {path: (project.root / path).read_bytes() for path in kept} == before


def test_a_rerun_of_every_stage_leaves_git_clean(main_project: Project) -> None:
    # given a committed run (300 rows): what a fresh clone's `make run` must reproduce byte
    # for byte
    project = main_project
    assert project.run("git", "status", "--porcelain").stdout == ""
    lock = (project.root / "dvc.lock").read_text()

    # when every stage runs again
    forced = project.dvc("repro", "--force")

    # then outputs, their hashes in dvc.lock and git agree; the timings live apart
    assert ran_stages(forced.stdout) == STAGES
    assert (project.root / "dvc.lock").read_text() == lock
    assert project.run("git", "status", "--porcelain").stdout == ""
    timings = json.loads((project.root / "reports/timings.json").read_text())
    assert timings["train_rows"] == 240


def test_a_contract_violation_stops_the_pipeline(project: Project) -> None:
    project.gitml("compose", "data.source.n_rows=300", "data.columns.tenure_months.max=10")
    result = project.dvc("repro", check=False)
    assert result.returncode != 0
    assert ran_stages(result.stdout) == ["ingest", "validate"]
    assert "tenure_months  in_range(0.0, 10.0)" in result.stderr
    report = json.loads((project.root / "reports/validation.json").read_text())
    assert report["passed"] is False
    assert not (project.root / "models/model.skops").exists()


def test_dvc_exp_run_composes_conf_through_hydra(main_project: Project) -> None:
    project = main_project
    project.dvc("exp", "run", *SMALL, "-S", "model=random_forest", "-S", "model.n_estimators=20")
    params = yaml.safe_load((project.root / "params.yaml").read_text())
    assert params["model"] == params["model"] | {"name": "random_forest", "n_estimators": 20}
    assert params["data"]["source"]["n_rows"] == 300
    meta = json.loads((project.root / "models/model.json").read_text())
    assert meta["model"]["name"] == "random_forest"
    shown = json.loads(project.dvc("exp", "show", "--json").stdout)
    assert shown  # the experiment is recorded


def test_a_queued_sweep_runs_one_experiment_per_value(main_project: Project) -> None:
    # given main with a committed run (300 rows), and a sweep queued on it
    project = main_project
    queued = project.dvc("exp", "run", "--queue", *SMALL, "-S", "model.max_depth=4,8")
    assert queued.stdout.count("Queued experiment") == 2
    try:
        # when the queue runs: `--run-all` starts a worker and returns once every queued
        # experiment has finished and its result is collected (no polling)
        project.dvc("exp", "run", "--run-all")
        status = project.dvc("queue", "status").stdout
    finally:
        project.dvc("queue", "stop", check=False)
    assert "Queued" not in status, status
    assert "Running" not in status, status
    assert "Failed" not in status, status
    assert "Success" in status, status
    experiments = [
        row
        for row in json.loads(project.dvc("exp", "show", "--json").stdout)
        for row in row.get("experiments") or []
    ]
    depths, roc_aucs = set(), []
    for experiment in experiments:
        data = experiment["revs"][0]["data"]
        depths.add(data["params"]["params.yaml"]["data"]["model"]["max_depth"])
        roc_aucs.append(data["metrics"]["reports/metrics.json"]["data"]["roc_auc"])
    assert depths == {4, 8}
    assert all(0.5 < auc <= 1 for auc in roc_aucs)
