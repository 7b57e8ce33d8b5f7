"""Every GitHub workflow is linted and follows the project's CI rules (DESIGN.md, CI/CD)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

WORKFLOWS = sorted((ROOT / ".github/workflows").glob("*.yml"))
BIN = Path(sys.executable).parent
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
MAKE_TARGETS = set(re.findall(r"^([a-z-]+):", (ROOT / "Makefile").read_text(), re.M))


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)


def load(path: Path) -> dict:
    return yaml.load(path.read_text(), Loader=yaml.BaseLoader)  # "on" stays a string key


def steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def test_the_change_ship_and_release_workflows_exist() -> None:
    assert {p.name for p in WORKFLOWS} >= {"pr.yml", "pr-comment.yml", "main.yml", "release.yml"}


def test_actionlint_finds_nothing() -> None:
    result = run(str(BIN / "actionlint"), "-no-color", *map(str, WORKFLOWS))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("persona", ["regular", "auditor"])
def test_zizmor_offline_finds_nothing(persona: str) -> None:
    # `.github` holds the workflows and dependabot.yml: zizmor audits both
    result = run(str(BIN / "zizmor"), "--offline", "--no-progress", "--persona", persona, ".github")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout + result.stderr
    assert "completed .github/dependabot.yml" in result.stderr


def test_workflows_match_githubs_schema() -> None:
    result = run(
        str(BIN / "check-jsonschema"),
        "--builtin-schema",
        "vendor.github-workflows",
        *map(str, WORKFLOWS),
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dependabot_keeps_the_pins_and_the_lock_current() -> None:
    path = ROOT / ".github/dependabot.yml"
    result = run(str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.dependabot", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    updates = {u["package-ecosystem"]: u for u in load(path)["updates"]}
    assert set(updates) == {"github-actions", "uv"}
    for update in updates.values():
        assert update["directory"] == "/"
        assert int(update["cooldown"]["default-days"]) >= 1


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_least_privilege_pinned_actions_and_no_event_text_in_shell(path: Path) -> None:
    workflow, text = load(path), path.read_text()
    # top-level permissions are empty (or read-only); jobs widen them, each with a comment
    assert workflow["permissions"] in ({}, "read-all", {"contents": "read"})
    for line in re.findall(r"^\s+\w[\w-]*: write.*$", text, re.M):
        assert "#" in line, f"{path.name}: write permission without a reason: {line.strip()}"
    for step in steps(workflow):
        if "uses" in step:
            assert PINNED.match(step["uses"]), f"{path.name}: not pinned by SHA: {step['uses']}"
            assert re.search(re.escape(step["uses"]) + r"\s+# v\d", text), step["uses"]
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] == "false"
        assert "github.event" not in step.get("run", ""), f"{path.name}: event text in run:"
        for command in re.findall(r"\bmake ([a-z -]+)", step.get("run", "")):
            for target in command.split():
                assert target in MAKE_TARGETS, f"{path.name}: no Makefile target {target!r}"


def test_pr_runs_are_superseded_and_gated_last() -> None:
    workflow = load(ROOT / ".github/workflows/pr.yml")
    assert workflow["concurrency"]["cancel-in-progress"] == "true"
    assert steps(workflow)[-1]["run"] == "make gate"
    assert "pull_request_target" not in workflow["on"]


def test_the_comment_workflow_never_touches_pr_code() -> None:
    workflow = load(ROOT / ".github/workflows/pr-comment.yml")
    for step in steps(workflow):
        if step.get("uses", "").startswith("actions/checkout@"):
            # only the default self-checkout: this repository's default branch, never the PR's
            assert not {"ref", "repository", "allow-unsafe-pr-checkout"} & set(step["with"])
            assert step["with"]["sparse-checkout"] == "src/gitml"


def test_cml_posts_the_comment_and_the_api_takes_over_when_it_fails() -> None:
    workflow = load(ROOT / ".github/workflows/pr-comment.yml")
    by_id = {step.get("id"): step for step in steps(workflow)}
    setup, cml = by_id["setup-cml"], by_id["cml"]
    fallback = steps(workflow)[-1]
    assert setup["uses"].startswith("iterative/setup-cml@")
    assert setup["continue-on-error"] == cml["continue-on-error"] == "true"
    assert cml["if"] == "steps.setup-cml.outcome == 'success'"
    assert 'cml comment update --target="pr/$PR_NUMBER"' in cml["run"]
    assert fallback["if"] == "steps.cml.outcome != 'success'"
    assert "python3 -m gitml comment report/report.md" in fallback["run"]
    assert fallback["env"]["PYTHONPATH"] == "gitml/src"
    # both paths write and look for the same watermark, so they update one comment
    title = re.compile(r'--watermark-title="([^"]+)"')
    assert title.findall(cml["run"]) == title.findall(fallback["run"]) == ["gitml report"]


@pytest.mark.parametrize("name", ["main.yml", "release.yml"])
def test_no_caches_on_the_release_path(name: str) -> None:
    workflow = load(ROOT / ".github/workflows" / name)
    for step in steps(workflow):
        assert not step.get("uses", "").startswith("actions/cache@")
        if step.get("uses", "").startswith("astral-sh/setup-uv@"):
            assert step["with"]["enable-cache"] == "false"
