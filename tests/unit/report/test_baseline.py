from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from gitml.errors import ConfigError, GitmlError
from gitml.report.baseline import Artifacts, baseline_artifacts, branch_artifacts

LOCK = {
    "schema": "2.0",
    "stages": {
        "evaluate": {
            "cmd": "gitml evaluate",
            "outs": [{"path": "data/predictions.parquet", "md5": "abc", "size": 1}],
            "metrics": [{"path": "reports/metrics.json", "md5": "def", "size": 1}],
        }
    },
}
PARAMS = {"paths": {"metrics": "reports/metrics.json", "predictions": "data/predictions.parquet"}}


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "config", "user.email", "t@example.com")
    _git(tmp_path, "config", "user.name", "t")
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(PARAMS))
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports/metrics.json").write_text("{}")
    _git(tmp_path, "add", "params.yaml")
    _git(tmp_path, "commit", "-q", "-m", "params only, no pipeline run")
    return tmp_path


def test_the_branch_side_is_the_work_tree_with_the_files_it_has(repo: Path) -> None:
    (repo / "dvc.lock").write_text(yaml.safe_dump(LOCK))
    side = branch_artifacts(repo)
    assert (side.label, side.source, side.dirty) == ("branch", "work tree", False)
    assert len(side.commit) == 40
    assert side.files == {"metrics": repo / "reports/metrics.json"}  # no predictions written
    assert side.out_md5("metrics") == "def"
    assert side.out_md5("predictions") == "abc"
    assert side.out_md5("model") is None


def test_an_edited_tracked_file_makes_the_branch_dirty(repo: Path) -> None:
    (repo / "dvc.lock").write_text(yaml.safe_dump(LOCK))
    (repo / "params.yaml").write_text(yaml.safe_dump(PARAMS | {"seed": 1}))
    assert branch_artifacts(repo).dirty


def test_a_work_tree_without_params_says_to_run_the_pipeline(repo: Path) -> None:
    (repo / "params.yaml").unlink()
    with pytest.raises(GitmlError) as error:
        branch_artifacts(repo)
    assert (
        str(error.value)
        == f"{repo / 'params.yaml'} not found. Run `make run` (or `dvc repro`) first."
    )


def test_an_unknown_baseline_ref_says_how_to_fetch_it(repo: Path) -> None:
    with pytest.raises(ConfigError) as error, baseline_artifacts(repo, "nosuch"):
        pass
    assert str(error.value) == (
        f"Baseline ref 'nosuch' not found in {repo}. Fetch it (`git fetch origin nosuch:nosuch`) "
        "or pass another one with --baseline (e.g. origin/main)."
    )


def test_a_baseline_without_a_pipeline_run_is_nothing_to_compare(repo: Path) -> None:
    with baseline_artifacts(repo, "main") as side:
        assert side is None


def test_artifacts_name_their_files_by_key(tmp_path: Path) -> None:
    side = Artifacts("main", "", {}, {}, {"metrics": tmp_path / "m.json"})
    assert side.path("metrics") == tmp_path / "m.json"
    assert side.path("predictions") is None
    assert side.out_md5("metrics") is None  # no dvc.lock, no md5
