"""The pull-request loop end to end: branches of a real project reported against main."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tests.integration.conftest import Project, copy_project, shared_template
from tests.support.render import report_problems, require_renderer

pytestmark = pytest.mark.slow

ROWS = "data.source.n_rows=4000"
WEAK = ("model.max_iter=3", "model.max_depth=2")  # main's model: deliberately weak
# the two most predictive columns are no longer features
WITHOUT_STRONGEST = (
    "+data.columns.tenure_months.feature=false",
    "+data.columns.contract.feature=false",
)


def _weak_main(project: Project) -> None:
    project.gitml("compose", ROWS, *WEAK)
    project.gitml("repro")
    project.commit("A: weak model on main")


@pytest.fixture(scope="session")
def weak_main(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """The template of `repo`, built once per run."""
    return shared_template(tmp_path_factory, worker_id, "weak-main", _weak_main)


@pytest.fixture
def repo(weak_main: Path, tmp_path: Path) -> Project:
    """Commit A on main: a weak model, reproduced and committed with its dvc.lock; this
    test's own copy (history, work tree and DVC cache), so the tests share no state."""
    return copy_project(weak_main, tmp_path / "project")


def open_branch(project: Project, name: str, *overrides: str) -> None:
    project.run("git", "checkout", "-q", "-B", name, "main")
    project.dvc("checkout", "--force", "-q")
    if overrides:
        project.gitml("compose", ROWS, *overrides)


def report(project: Project) -> tuple[str, dict[str, Any]]:
    """Run `gitml report`; check that the comment renders on GitHub (charts and tables)."""
    require_renderer()
    project.gitml("report", "--baseline", "main")
    text = (project.root / "reports/report.md").read_text()
    assert report_problems(text) == []
    assert len(text) <= 65_536
    return text, json.loads((project.root / "reports/report.json").read_text())


def metric(summary: dict[str, Any], name: str) -> dict[str, Any]:
    return next(m for m in summary["metrics"] if m["name"] == name)


def test_a_better_model_shows_positive_deltas_and_passes(repo: Project) -> None:
    open_branch(repo, "better", "model.max_iter=200")
    repo.gitml("repro")
    repo.commit("B: a stronger model")

    text, summary = report(repo)

    auc = metric(summary, "roc_auc")
    assert auc["delta"] > 0
    assert auc["low"] > 0
    assert "## ✅ gitml report: PASS" in text
    assert "roc_auc +" in text  # the verdict names the significant improvement
    assert "| `model.max_iter` | `3` | `200` |" in text
    assert "Both models scored on the same 800 test rows" in text
    assert "```mermaid" in text
    assert "ROC curve" in text
    assert repo.gitml("gate").returncode == 0


def test_a_clearly_worse_model_fails_the_gate_naming_the_metric(repo: Project) -> None:
    open_branch(repo, "worse", *WEAK, *WITHOUT_STRONGEST)
    repo.gitml("repro")
    repo.commit("C: drop the strongest features")

    text, summary = report(repo)
    gate = repo.gitml("gate", check=False)

    assert summary["verdict"]["status"] == "fail"
    assert "## ❌ gitml report: FAIL" in text
    assert gate.returncode == 5
    assert "The gate fails" in gate.stderr
    assert "roc_auc is worse than main by" in gate.stderr
    # the report shows the same reasons the gate prints
    for reason in summary["verdict"]["reasons"]:
        assert reason in text
        assert reason in gate.stderr


def test_a_pr_that_loosens_its_own_gate_is_judged_by_mains_rules(repo: Project) -> None:
    # given the clearly worse model of the test above, on a branch that also loosens the gate
    open_branch(
        repo,
        "loose",
        *WEAK,
        *WITHOUT_STRONGEST,
        *(f"gate.rules.binary.{m}.tolerance=0.5" for m in ("roc_auc", "average_precision")),
        "gate.rules.binary.log_loss.tolerance=0.5",
    )
    repo.gitml("repro")
    repo.commit("C2: drop the strongest features, and loosen the gate")

    text, summary = report(repo)
    gate = repo.gitml("gate", check=False)

    # then main's rules judge it, and everyone is told the PR changes them
    changed = (
        "This PR changes the gate rules (`gate.rules.binary.average_precision.tolerance`, "
        "`gate.rules.binary.log_loss.tolerance`, `gate.rules.binary.roc_auc.tolerance`); "
        "judged with main's; they apply after merge."
    )
    assert summary["verdict"]["status"] == "fail"
    assert f"- ⚠️ {changed}" in text
    assert "| ≥ 0.75, tolerance 0.01 |" in text  # the metrics table shows the rules applied
    assert gate.returncode == 5
    assert "roc_auc is worse than main by" in gate.stderr
    assert changed in gate.stderr


def test_a_larger_test_set_rescores_main_only_on_rows_it_did_not_train_on(repo: Project) -> None:
    # given a branch that only raises split.test_size: a third of its test rows are rows main
    # trained on, which would flatter main's model
    open_branch(repo, "test-size", *WEAK, "split.test_size=0.3")
    repo.gitml("repro")
    repo.commit("G: a larger test set")

    text, summary = report(repo)

    # then main's train set is read from the DVC cache and those rows are left out
    assert summary["pairing"] == "rescored"
    assert (
        "400 of the branch's 1,200 test rows were left out for being in the baseline's "
        "training data (matched by `customer_id`)" in text
    )
    assert "· 800 test rows, paired bootstrap" in text
    assert "## ✅ gitml report: PASS" in text


def test_a_comment_only_change_reports_no_change(repo: Project) -> None:
    open_branch(repo, "comment")
    model_conf = repo.root / "conf/model/hist_gradient_boosting.yaml"
    model_conf.write_text(model_conf.read_text() + "# tuned later\n")
    repo.gitml("compose", ROWS, *WEAK, "--check")  # params.yaml is unchanged
    ran = repo.gitml("repro")
    repo.commit("D: a comment")

    text, summary = report(repo)

    assert "Running stage" not in ran.stdout
    assert "## ⚪ gitml report: NO CHANGE" in text
    assert summary["identical"] is True
    assert all(m["delta"] == 0 for m in summary["metrics"])
    assert repo.gitml("gate").returncode == 0


def test_a_broken_contract_fails_with_the_validation_summary(repo: Project) -> None:
    open_branch(repo, "broken", *WEAK, "data.columns.tenure_months.max=10")
    assert repo.gitml("repro", check=False).returncode != 0
    repo.commit("E: a contract the data breaks")

    text, _ = report(repo)
    gate = repo.gitml("gate", check=False)

    assert "## ❌ gitml report: FAIL" in text
    assert "The data breaks its contract" in text
    assert "❌ **Contract broken**" in text
    assert "| tenure_months | in_range(0.0, 10.0) |" in text
    assert "### Metrics" not in text  # no model ran on data that broke its contract
    # the validated file is the previous run's (DVC keeps a failed stage's outputs): not
    # compared, and the branch's model, trained before, is not described as the branch's
    assert "Same validated data" not in text
    assert "The branch's data could not be validated (its contract is broken)" in text
    assert (
        "| artifacts from | DVC cache | work tree, out of date (stages: train, validate) |" in text
    )
    assert "| training data sha256 | " in text
    assert text.split("| training data sha256 | ")[1].split("\n")[0].endswith("| — |")
    assert gate.returncode == 5
    assert "tenure_months: in_range(0.0, 10.0)" in gate.stderr


def test_a_stale_report_is_refused_by_the_gate(repo: Project) -> None:
    open_branch(repo, "stale", "model.max_iter=200")
    repo.gitml("repro")
    report(repo)
    repo.gitml("compose", ROWS, "model.max_iter=150")  # changed after the report

    gate = repo.gitml("gate", check=False)

    assert gate.returncode != 0
    assert "Run `gitml report` again" in gate.stderr


def test_a_branch_on_another_dataset_is_not_comparable_and_the_gate_says_why(
    repo: Project,
) -> None:
    # given the README's bring-your-own-data flow on a branch: another file, another target
    open_branch(repo, "fraud")
    rng = np.random.default_rng(0)
    features = rng.normal(size=(500, 3))
    fraud = np.where(features[:, 0] + rng.normal(0, 0.3, 500) > 0.5, "yes", "no")
    (repo.root / "data/external").mkdir(parents=True)
    frame = pd.DataFrame(features, columns=["f0", "f1", "f2"]).assign(fraud=fraud)
    frame.to_csv(repo.root / "data/external/fraud.csv", index=False)
    repo.dvc("add", "data/external/fraud.csv")
    repo.gitml("infer-contract", "data/external/fraud.csv", "--target", "fraud")
    repo.gitml("compose", "data=fraud", "model.max_iter=20")
    repo.gitml("repro")
    repo.commit("F: our own data")

    # when it is reported against main and gated
    text, summary = report(repo)
    gate = repo.gitml("gate", check=False)

    # then no metric is judged against main's, which measure churn, and everyone is told
    assert summary["pairing"] == "not comparable"
    assert summary["verdict"]["status"] == "not comparable"
    assert all(m["baseline"] is None and m["low"] is None for m in summary["metrics"])
    assert "## ⚠️ gitml report: NOT COMPARABLE" in text
    assert "Not compared with main: the target changed from `churned` to `fraud`" in text
    assert "worse than main" not in text
    assert "Rows: 4,000 on main → 500 on the branch (**+500** added, **-4,000** removed)" in text
    assert gate.returncode == 0, gate.stderr
    assert "WARNING Not compared with main: the target changed" in gate.stderr
    assert "The gate passes (not comparable)" in gate.stderr


def test_a_baseline_missing_from_the_cache_is_reproduced_in_a_worktree(repo: Project) -> None:
    # empties its copy's DVC cache
    open_branch(repo, "nocache", "model.max_iter=200")
    repo.gitml("repro")
    shutil.rmtree(repo.root / ".dvc/cache")

    text, summary = report(repo)

    assert summary["baseline"]["source"].startswith("reproduced in a temporary worktree")
    assert metric(summary, "roc_auc")["low"] > 0
    assert "✅ gitml report: PASS" in text
    assert repo.run("git", "worktree", "list").stdout.count("\n") == 1  # cleaned up
    assert not list(Path(repo.root).glob("gitml-baseline-*"))
