"""report/build.py: the report of a work tree against a baseline ref, on the session's trained
pipeline in a throwaway git + DVC repo (the baseline ref has no pipeline run: a first PR).
Reports against a baseline run, and its reproduction, are in tests/integration/test_report.py."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from gitml.config.params import Params
from gitml.io import read_json
from gitml.report.build import FULL_REPORT, REPORT, SUMMARY, build_report, pipeline_changes
from gitml.report.build import write_report as write
from gitml.report.gate import enforce
from gitml.report.summary import read_summary
from tests.support.pipeline import TrainedPipeline

EMPTY_LOCK = "schema: '2.0'\nstages: {}\n"


def _git(root: Path, *argv: str) -> None:
    subprocess.run(["git", "-C", str(root), *argv], check=True, capture_output=True)


def _repo(root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The cwd, as for `gitml report`: a git repo whose main has one commit and no pipeline
    run, with DVC initialised."""
    from dvc.repo import Repo

    root.mkdir()
    monkeypatch.chdir(root)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "config", "user.email", "tests@gitml.invalid")
    _git(root, "config", "user.name", "tests")
    (root / "README.md").write_text("A project.\n", encoding="utf-8")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "first")
    Repo.init(str(root)).close()
    (root / "dvc.lock").write_text(EMPTY_LOCK, encoding="utf-8")
    return root


@pytest.fixture
def first_pr(
    trained_pipeline: TrainedPipeline, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, Params]:
    """The work tree: the trained pipeline's outputs and its params.yaml; main has neither."""
    root = _repo(tmp_path / "repo", monkeypatch)
    params = trained_pipeline.copy_to(root / "run")
    (root / "params.yaml").write_text(yaml.safe_dump(params.model_dump(mode="json")))
    return root, params


def test_a_first_pr_is_judged_by_its_own_rules_on_its_own_metrics(
    first_pr: tuple[Path, Params],
) -> None:
    root, params = first_pr

    report = build_report(root, "main", params)

    recorded = read_json(params.paths.metrics)
    summary = report.summary
    assert summary.baseline is None
    assert summary.pairing == "no baseline"
    assert summary.rules is not None
    assert summary.rules.source == "branch"
    assert {m["name"]: m["branch"] for m in summary.metrics} == recorded
    assert report.verdict.status == "pass"
    assert report.comment.startswith("## ✅ gitml report: PASS\n")
    assert "No baseline: `main` has no pipeline run (dvc.lock) yet." in report.comment
    assert "Committed dvc.lock: No dvc.lock is committed on this branch yet." in report.comment
    assert "| `` |" not in report.full  # main has no params.yaml: no row for an empty key
    order = ["Metrics", "What the PR changed in params.yaml", "Plots", "Data: ", "Lineage"]
    places = [report.full.index(title) for title in order]
    assert places == sorted(places)
    assert f"| **roc_auc** | — | {recorded['roc_auc']:.4f} |" in report.comment


def test_the_comment_is_cut_to_its_limit_and_the_full_report_is_not(
    first_pr: tuple[Path, Params],
) -> None:
    root, params = first_pr
    short = params.report.model_copy(update={"max_chars": 5000, "max_table_rows": 3})

    report = build_report(root, "main", params.model_copy(update={"report": short}))

    assert len(report.comment) <= 5000
    assert "more parameters not shown" in report.comment
    assert "more parameters not shown" not in report.full
    assert "`model.learning_rate`" in report.full
    whole = build_report(root, "main", params)
    assert report.summary.model_dump_json() == whole.summary.model_dump_json()  # only text is cut


def test_the_written_report_is_what_the_gate_rejudges(
    first_pr: tuple[Path, Params], tmp_path: Path
) -> None:
    root, params = first_pr
    report = build_report(root, "main", params)
    out = tmp_path / "reports"
    out.mkdir()
    (out / REPORT).write_text("an older comment", encoding="utf-8")

    write(report, out)

    assert (out / REPORT).read_text(encoding="utf-8") == report.comment
    assert (out / FULL_REPORT).read_text(encoding="utf-8") == report.full
    assert read_summary(out / SUMMARY).verdict == report.summary.verdict
    assert enforce(root, out / SUMMARY, params).status == report.verdict.status
    assert sorted(path.name for path in out.iterdir()) == sorted([REPORT, FULL_REPORT, SUMMARY])


# --- which stages are out of date --------------------------------------------------------


@pytest.fixture
def staged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A DVC project of one stage, `train`, reproduced: its lock matches the work tree."""
    from dvc.repo import Repo

    root = _repo(tmp_path / "repo", monkeypatch)
    (root / "input.txt").write_text("1\n", encoding="utf-8")
    stage = {"cmd": "cp input.txt output.txt", "deps": ["input.txt"], "outs": ["output.txt"]}
    (root / "dvc.yaml").write_text(yaml.safe_dump({"stages": {"train": stage}}))
    (root / "dvc.lock").unlink()
    with Repo(str(root)) as repo:
        repo.reproduce()
    return root


def test_a_reproduced_pipeline_has_no_stale_stage_even_with_an_empty_cache(staged: Path) -> None:
    assert pipeline_changes(staged) == []
    for cached in (staged / ".dvc" / "cache").rglob("*"):
        if cached.is_file():
            cached.unlink()  # as after a fresh clone: the work tree still has the outputs

    assert pipeline_changes(staged) == []


def test_an_edited_dependency_makes_its_stage_stale_and_the_report_compares_no_model(
    staged: Path, trained_pipeline: TrainedPipeline
) -> None:
    (staged / "input.txt").write_text("2\n", encoding="utf-8")
    assert pipeline_changes(staged) == ["train"]
    params = trained_pipeline.copy_to(staged / "run")
    (staged / "params.yaml").write_text(yaml.safe_dump(params.model_dump(mode="json")))

    report = build_report(staged, "main", params)

    assert report.summary.stale == ["train"]
    assert report.summary.metrics == []
    assert "### Metrics" not in report.full
    assert "work tree, out of date (stages: train)" in report.full
    assert report.verdict.reasons == [
        "The pipeline outputs are out of date (stages: train); run `dvc repro` and commit dvc.lock."
    ]
