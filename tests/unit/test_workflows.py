"""Every GitHub workflow is linted and follows the project's CI rules (DESIGN.md, CI/CD)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.paths import ROOT

WORKFLOWS = sorted((ROOT / ".github/workflows").glob("*.yml"))
BIN = Path(sys.executable).parent
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
MAKE_TARGETS = set(re.findall(r"^([a-z-]+):", (ROOT / "Makefile").read_text(), re.M))


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)


def load(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.load(path.read_text(), Loader=yaml.BaseLoader)
    return loaded  # "on" stays a string key


def steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
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


FRAMEWORK = re.search(r"^FRAMEWORK := (.+)$", (ROOT / "Makefile").read_text(), re.M)


def test_framework_paths_cover_the_code_the_tests_exercise() -> None:
    assert FRAMEWORK is not None
    paths = FRAMEWORK.group(1).split()
    for required in ("src", "tests", "pyproject.toml", "uv.lock", "Makefile", "dvc.yaml"):
        assert required in paths
    assert ".github" in paths  # the workflows (and dependabot.yml, which the tests lint)
    assert "bench" in paths
    assert not {"conf", "data", "params.yaml", "dvc.lock"} & set(paths)


def test_pr_tests_run_only_when_framework_code_changed_and_main_always_tests() -> None:
    pr = steps(load(ROOT / ".github/workflows/pr.yml"))
    changes = next(step for step in pr if step.get("id") == "changes")
    tests = next(step for step in pr if "make render-deps test" in step.get("run", ""))
    assert changes["run"].startswith("make framework-changed BASELINE=")
    assert pr.index(changes) < pr.index(tests)
    # anything but an explicit `false` (a failed check included) runs the tests
    assert tests["if"] == "steps.changes.outputs.framework != 'false'"
    main = steps(load(ROOT / ".github/workflows/main.yml"))
    assert any(s.get("run") == "make render-deps test" and "if" not in s for s in main)


@pytest.mark.parametrize(
    ("changed", "framework"),
    [
        ("conf/data/churn.yaml", "false"),
        ("data/raw/extra.csv", "false"),
        ("src/gitml/cli.py", "true"),
        ("tests/unit/test_x.py", "true"),
        ("uv.lock", "true"),
        (".github/workflows/pr.yml", "true"),
        ("bench/pipeline.py", "true"),
    ],
)
def test_framework_changed_tells_a_conf_only_pr_from_a_framework_one(
    tmp_path: Path, changed: str, framework: str
) -> None:
    # given a repository with the Makefile and a base branch, then one commit changing `changed`
    def git(*argv: str) -> None:
        subprocess.run(["git", *argv], cwd=tmp_path, check=True, capture_output=True)

    (tmp_path / "Makefile").write_text((ROOT / "Makefile").read_text())
    git("init", "-q", "-b", "base")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "0")
    git("add", "Makefile")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "base")
    git("switch", "-q", "-c", "pr")
    (tmp_path / changed).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / changed).write_text("changed\n")
    git("add", changed)
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "change")

    result = subprocess.run(
        ["make", "--no-print-directory", "framework-changed", "BASELINE=base"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )

    assert result.stdout == f"framework={framework}\n"


def test_framework_changed_runs_the_tests_when_the_base_is_unknown(tmp_path: Path) -> None:
    (tmp_path / "Makefile").write_text((ROOT / "Makefile").read_text())
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    result = subprocess.run(
        ["make", "--no-print-directory", "framework-changed", "BASELINE=origin/main"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout == "framework=true\n"


@pytest.mark.parametrize("name", ["main.yml", "release.yml"])
def test_no_caches_on_the_release_path(name: str) -> None:
    workflow = load(ROOT / ".github/workflows" / name)
    for step in steps(workflow):
        assert not step.get("uses", "").startswith("actions/cache@")
        if step.get("uses", "").startswith("astral-sh/setup-uv@"):
            assert step["with"]["enable-cache"] == "false"


DIGEST = "sha256:" + "ab" * 32


@pytest.mark.parametrize("staged", [True, False], ids=["staged", "not-staged"])
def test_a_release_promotes_stagings_image_by_digest_or_builds_its_own(
    tmp_path: Path, staged: bool
) -> None:
    # given a docker that knows staging's image of this commit (or does not), and logs its calls
    bin_dir, calls, output = tmp_path / "bin", tmp_path / "calls", tmp_path / "github_output"
    bin_dir.mkdir()
    known = f'[ "$4" = ghcr.io/o/r:main-abc ] && echo {DIGEST} && exit 0; exit 1'
    (bin_dir / "docker").write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> {calls}\n'
        f'if [ "$3" = inspect ]; then {known if staged else "exit 1"}; fi\n'
    )
    (bin_dir / "docker").chmod(0o755)
    (tmp_path / "Makefile").write_text((ROOT / "Makefile").read_text())
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "GITHUB_OUTPUT": str(output)}

    # when the release job promotes
    result = subprocess.run(
        [
            *("make", "--no-print-directory", "promote-image"),
            *("IMAGE=ghcr.io/O/r:v1.2.3", "STAGING_IMAGE=ghcr.io/O/r:main-abc"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )

    # then the digest staging ran gets the release tag, and production deploys that digest
    assert result.returncode == 0, result.stderr
    if staged:
        assert (
            f"imagetools create --tag ghcr.io/o/r:v1.2.3 ghcr.io/o/r@{DIGEST}" in calls.read_text()
        )
        assert (tmp_path / "dist/image.txt").read_text() == f"ghcr.io/o/r@{DIGEST}\n"
        assert output.read_text() == f"promoted=true\nimage=ghcr.io/o/r@{DIGEST}\n"
        assert "not rebuilt" in result.stdout
    else:  # main built no image of this commit: the release job builds one (`make image`)
        assert "create" not in calls.read_text()
        assert output.read_text() == "promoted=false\n"
        assert "the release builds its own" in result.stdout


def test_the_release_builds_only_when_there_is_no_staging_image_to_promote() -> None:
    workflow = load(ROOT / ".github/workflows/release.yml")
    job = workflow["jobs"]["image"]
    by_id = {step.get("id"): step for step in job["steps"]}
    runs = [step.get("run") for step in job["steps"]]
    # the model comes from the remote first (fails if absent), then promote, else build
    assert runs.index("make release-model") < runs.index("make promote-image")
    assert runs.index("make promote-image") < runs.index("make image")
    assert by_id["push"]["if"] == "${{ steps.promote.outputs.promoted != 'true' }}"
    assert job["env"]["STAGING_IMAGE"].endswith(":main-${{ github.sha }}")
    assert job["outputs"]["image"] == (
        "${{ steps.promote.outputs.image || steps.push.outputs.image }}"
    )
    main = load(ROOT / ".github/workflows/main.yml")
    assert main["jobs"]["staging"]["env"]["IMAGE"] == job["env"]["STAGING_IMAGE"]
