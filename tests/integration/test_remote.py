"""Data and models in a real S3 server on loopback (moto's ThreadedMotoServer).

A pushed project on main; fresh clones with empty caches play CI: they reproduce by pulling,
compare a PR branch with main's outputs pulled from the remote, and meet a missing object,
refused or absent credentials and an unreachable endpoint, each with one gitml message.
"""

from __future__ import annotations

import json
import socket
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from moto.server import ThreadedMotoServer

from tests.integration.conftest import MAIN_ROWS, Project, copy_project, ran_stages

pytestmark = pytest.mark.slow

ROWS = MAIN_ROWS  # what the `reproduced` template was composed with
BUCKET, PREFIX = "gitml-data", "team/project"
MODEL_OUTS = ("models/model.skops", "reports/predictions.parquet")  # what train+evaluate cache
KEYS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@pytest.fixture(scope="module")
def s3() -> Iterator[str]:
    """A real S3 API on 127.0.0.1 (a free port), with one bucket; stopped after the module."""
    server = ThreadedMotoServer("127.0.0.1", 0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **_keys())
        client.create_bucket(Bucket=BUCKET)
        yield endpoint
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance-metadata lookups
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # an unreachable endpoint fails at once
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))


@pytest.fixture(scope="module")
def origin(s3: str, reproduced: Path, tmp_path_factory: pytest.TempPathFactory) -> Project:
    """main: reproduced (on ROWS), committed with its dvc.lock and remote config, and pushed."""
    with pytest.MonkeyPatch.context() as env:
        for name, value in KEYS.items():
            env.setenv(name, value)
        project = copy_project(reproduced, tmp_path_factory.mktemp("remote") / "origin")
        # what `make remote URL=s3://... ENDPOINT=...` runs
        project.dvc("remote", "add", "--default", "--force", "storage", f"s3://{BUCKET}/{PREFIX}")
        project.dvc("remote", "modify", "storage", "endpointurl", s3)
        project.commit("main: reproduced, with its remote")
        project.dvc("push")
    return project


def clone(origin: Project, path: Path, branch: str = "main") -> Project:
    """What CI starts from: a fresh clone, an empty DVC cache."""
    origin.run("git", "clone", "-q", "--no-local", "-b", branch, str(origin.root), str(path))
    copy = Project(path)
    copy.run("git", "config", "user.email", "ci@example.invalid")
    copy.run("git", "config", "user.name", "gitml tests")
    return copy


def objects(endpoint: str) -> set[str]:
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **_keys())
    listed = client.list_objects_v2(Bucket=BUCKET, Prefix=PREFIX)
    return {item["Key"].removeprefix(f"{PREFIX}/files/md5/") for item in listed["Contents"]}


def lock_outs(project: Project) -> dict[str, dict[str, Any]]:
    lock = yaml.safe_load((project.root / "dvc.lock").read_text())
    return {
        out["path"]: out
        for stage in lock["stages"].values()
        for out in stage.get("outs", []) + stage.get("metrics", [])
    }


def test_push_holds_data_and_models_and_git_holds_the_metrics(origin: Project, s3: str) -> None:
    outs = lock_outs(origin)
    pushed = objects(s3)
    for path in (
        "data/raw/dataset.parquet",
        "data/processed/train.parquet",
        "data/processed/test.parquet",
        "models/model.skops",
        "reports/predictions.parquet",
    ):
        md5 = outs[path]["md5"]
        assert f"{md5[:2]}/{md5[2:]}" in pushed, path
    # metrics, model metadata and the validation report have `cache: false`: they live in git
    tracked = origin.run("git", "ls-files").stdout.split()
    assert {"reports/metrics.json", "models/model.json", "reports/validation.json"} <= set(tracked)


def test_a_fresh_clone_reproduces_by_pulling_without_running_a_stage(
    origin: Project, tmp_path: Path
) -> None:
    ci = clone(origin, tmp_path / "ci")
    assert not (ci.root / "models/model.skops").exists()

    pulled = ci.gitml("pull")
    assert "Pulled from DVC remote 'storage'" in pulled.stderr
    repro = ci.gitml("repro")

    assert ran_stages(repro.stdout) == []
    assert "Data and pipelines are up to date" in repro.stdout
    model = (ci.root / "models/model.skops").read_bytes()
    assert model == (origin.root / "models/model.skops").read_bytes()
    assert json.loads((ci.root / "reports/remote.json").read_text())["status"] == "pulled"


def test_a_pr_branch_is_compared_with_mains_outputs_pulled_from_the_remote(
    origin: Project, tmp_path: Path
) -> None:
    # given an author who changed the data on a branch, reproduced, committed and pushed
    author = clone(origin, tmp_path / "author")
    author.gitml("pull")
    author.run("git", "checkout", "-q", "-b", "more-data")
    author.gitml("compose", "data.source.n_rows=400")
    author.gitml("repro")
    author.commit("more rows")
    author.dvc("push")
    author.run("git", "push", "-q", "origin", "more-data")

    # when CI clones the branch (empty cache), pulls, reproduces and reports against main
    ci = clone(origin, tmp_path / "ci", branch="more-data")
    ci.run("git", "branch", "main", "origin/main")
    ci.gitml("pull")
    assert ran_stages(ci.gitml("repro").stdout) == []
    ci.gitml("report", "--baseline", "main")

    # then the baseline's outputs came from the remote, and the data change is reported
    summary = json.loads((ci.root / "reports/report.json").read_text())
    assert summary["baseline"]["source"] == "pulled from the DVC remote"
    assert summary["stale"] == []
    comment = (ci.root / "reports/report.md").read_text()
    assert "400" in comment  # the row counts of both sides
    assert "300" in comment


def test_an_output_missing_from_the_remote_is_named_with_the_fix(
    origin: Project, tmp_path: Path, s3: str
) -> None:
    # given an author who committed a new run but forgot `dvc push`
    author = clone(origin, tmp_path / "author")
    author.gitml("pull")
    author.run("git", "checkout", "-q", "-b", "unpushed")
    author.gitml("compose", ROWS, "model.max_iter=20")
    author.gitml("repro")
    author.commit("a new model, not pushed")
    author.run("git", "push", "-q", "origin", "unpushed")
    outs = lock_outs(author)
    model, predictions = (outs[path]["md5"][:8] for path in MODEL_OUTS)

    ci = clone(origin, tmp_path / "ci", branch="unpushed")
    failed = ci.gitml("pull", check=False)

    assert failed.returncode == 6
    assert _errors(failed.stderr) == [
        f"ERROR DVC remote 'storage' (s3://{BUCKET}/{PREFIX} at {s3}) lacks 2 output(s) that "
        f"dvc.lock records: models/model.skops (md5 {model}), reports/predictions.parquet "
        f"(md5 {predictions}). "
        "Whoever ran the pipeline for this commit pushes them: `make run`, commit dvc.lock, "
        "`dvc push` (or `make data-push`). Nothing in the work tree was changed for them."
    ]
    # what the remote has was pulled; the git-tracked files are untouched
    assert (ci.root / "data/processed/train.parquet").is_file()
    assert ci.run("git", "status", "--porcelain").stdout == ""
    recorded = json.loads((ci.root / "reports/remote.json").read_text())
    assert recorded["status"] == "failed"
    assert recorded["missing"] == list(MODEL_OUTS)


def test_a_release_pulls_only_the_commits_model_and_fails_clearly_without_it(
    origin: Project, tmp_path: Path
) -> None:
    release = clone(origin, tmp_path / "release")
    release.gitml("pull", "--model")
    assert (release.root / "models/model.skops").read_bytes() == (
        origin.root / "models/model.skops"
    ).read_bytes()
    assert not (release.root / "data/raw/dataset.parquet").exists()  # the model only

    # a tag whose model was never pushed fails, naming it, instead of retraining
    release.run("git", "checkout", "-q", "-b", "unpushed-model")
    release.gitml("compose", ROWS, "model.max_iter=7")
    release.run("sh", "-c", "python -m dvc repro train >/dev/null")
    release.commit("a model nobody pushed")
    release.run("git", "push", "-q", "origin", "unpushed-model")
    tagged = clone(origin, tmp_path / "tagged", branch="unpushed-model")
    failed = tagged.gitml("pull", "--model", check=False)
    assert failed.returncode == 6
    assert "lacks 1 output(s) that dvc.lock records: models/model.skops" in failed.stderr


def test_refused_credentials_give_one_message(origin: Project, tmp_path: Path, s3: str) -> None:
    ci = clone(origin, tmp_path / "ci")
    _require_auth(s3, True)
    try:
        failed = ci.gitml("pull", check=False)
    finally:
        _require_auth(s3, False)
    assert failed.returncode == 6
    assert _errors(failed.stderr) == [
        f"ERROR DVC remote 'storage' (s3://{BUCKET}/{PREFIX} at {s3}) refused the credentials "
        "(Forbidden). Check that AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or the role CI "
        "assumes) are current and allowed to list and read this prefix "
        "(docs/change/remote-storage.md has the permissions)."
    ]
    assert not (ci.root / "data/raw/dataset.parquet").exists()


def test_absent_credentials_and_an_unreachable_endpoint_give_one_message_each(
    origin: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ci = clone(origin, tmp_path / "ci")
    with monkeypatch.context() as env:
        for name in KEYS:
            env.delenv(name)
        absent = ci.gitml("pull", check=False)
    assert absent.returncode == 6
    assert _errors(absent.stderr)[0].startswith("ERROR No credentials for DVC remote 'storage'")

    closed = _closed_port()
    ci.dvc("remote", "modify", "--local", "storage", "endpointurl", f"http://127.0.0.1:{closed}")
    unreachable = ci.gitml("pull", check=False)
    assert unreachable.returncode == 6
    assert _errors(unreachable.stderr) == [
        f"ERROR Could not reach DVC remote 'storage' (s3://{BUCKET}/{PREFIX} at "
        f'http://127.0.0.1:{closed}): Could not connect to the endpoint URL: "http://127.0.0.1:'
        f'{closed}/{BUCKET}/{PREFIX}". Check the endpoint (`dvc remote modify storage '
        "endpointurl URL`) and the network."
    ]


def test_a_fork_pull_request_records_that_the_remote_was_not_read(
    origin: Project, tmp_path: Path
) -> None:
    ci = clone(origin, tmp_path / "ci")
    skipped = ci.gitml("pull", "--fork")
    assert skipped.returncode == 0
    recorded = json.loads((ci.root / "reports/remote.json").read_text())
    assert recorded["status"] == "no credentials"
    assert "comes from a fork" in recorded["message"]
    assert not (ci.root / "data/raw/dataset.parquet").exists()


def _keys() -> dict[str, str]:
    return {name.lower(): value for name, value in KEYS.items()}


def _errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith(("ERROR", "WARN"))]


def _require_auth(endpoint: str, required: bool) -> None:
    """moto checks credentials once its count of unauthenticated requests is used up."""
    request = urllib.request.Request(
        f"{endpoint}/moto-api/reset-auth",
        data=b"0" if required else b"inf",
        method="POST",
        headers={"Content-Type": "text/plain"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
