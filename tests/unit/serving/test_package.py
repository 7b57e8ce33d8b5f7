from __future__ import annotations

import subprocess
from pathlib import Path

from gitml.serving.package import bento_version, git_state

LOCK = """schema: '2.0'
stages:
  ingest:
    cmd: python -m gitml ingest
    deps:
    - path: data/external/table.csv
      md5: {data}
    outs:
    - path: data/raw/dataset.parquet
      md5: {data}
  train:
    cmd: python -m gitml train
    outs:
    - path: models/model.json
      md5: {model}
  evaluate:
    cmd: python -m gitml evaluate
    deps:
    - path: models/model.json
      md5: {model}
"""


def _git(root: Path, *argv: str) -> None:
    identity = ["-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run(["git", *identity, *argv], cwd=root, check=True, capture_output=True)


def test_a_reproduced_commit_is_clean_and_any_other_change_is_dirty(tmp_path: Path) -> None:
    # given a commit with a pipeline output and dvc.lock tracked by git
    _git(tmp_path, "init", "-q")
    (tmp_path / "models").mkdir()
    (tmp_path / "models/model.json").write_text('{"trained_at": "10:00"}\n')
    (tmp_path / "dvc.lock").write_text(LOCK.format(data="aa", model="11"))
    (tmp_path / "params.yaml").write_text("seed: 42\n")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-qm", "first")
    outputs = ("models/model.json", "models/model.skops")

    # when a reproduction rewrites the outputs and the lock, then the tree counts as clean
    (tmp_path / "models/model.json").write_text('{"trained_at": "11:00"}\n')
    (tmp_path / "dvc.lock").write_text(LOCK.format(data="aa", model="22"))
    commit, dirty = git_state(tmp_path, outputs)
    assert commit is not None
    assert not dirty
    assert bento_version(commit, dirty, "f" * 64) == commit
    # but not without naming them as outputs
    assert git_state(tmp_path)[1]

    # when a stage's input changed (data edited without `dvc add`, then reproduced), dirty
    (tmp_path / "dvc.lock").write_text(LOCK.format(data="bb", model="22"))
    assert git_state(tmp_path, outputs) == (commit, True)
    (tmp_path / "dvc.lock").write_text(LOCK.format(data="aa", model="22"))

    # when a config file changes too, or a new file appears, then it is dirty
    (tmp_path / "params.yaml").write_text("seed: 7\n")
    assert git_state(tmp_path, outputs) == (commit, True)
    _git(tmp_path, "checkout", "-q", "params.yaml")
    (tmp_path / "notes.txt").write_text("new\n")
    assert git_state(tmp_path, outputs) == (commit, True)
    assert bento_version(commit, True, "f" * 64) == "dirty-ffffffffffff"


def test_a_change_elsewhere_in_the_repository_counts(tmp_path: Path) -> None:
    # given the project in a folder of a larger repository
    project = tmp_path / "ml"
    project.mkdir()
    (project / "params.yaml").write_text("seed: 42\n")
    (tmp_path / "service.py").write_text("x = 1\n")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-qm", "first")

    # when a file outside the project changes, then the build is not that commit
    (tmp_path / "service.py").write_text("x = 2\n")
    assert git_state(project, ("models/model.json", "/elsewhere/out.json"))[1]


def test_outside_git_there_is_no_commit_and_the_tree_is_dirty(tmp_path: Path) -> None:
    assert git_state(tmp_path, ("models/model.json",)) == (None, True)
