from __future__ import annotations

import subprocess
from pathlib import Path

from gitml.package import bento_version, git_state


def _git(root: Path, *argv: str) -> None:
    identity = ["-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run(["git", *identity, *argv], cwd=root, check=True, capture_output=True)


def test_a_reproduced_commit_is_clean_and_any_other_change_is_dirty(tmp_path: Path) -> None:
    # given a commit with a pipeline output and dvc.lock tracked by git
    _git(tmp_path, "init", "-q")
    (tmp_path / "models").mkdir()
    (tmp_path / "models/model.json").write_text('{"trained_at": "10:00"}\n')
    (tmp_path / "dvc.lock").write_text("md5: a\n")
    (tmp_path / "params.yaml").write_text("seed: 42\n")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-qm", "first")
    outputs = ("models/model.json", "models/model.skops")

    # when a reproduction rewrites the outputs and the lock, then the tree counts as clean
    (tmp_path / "models/model.json").write_text('{"trained_at": "11:00"}\n')
    (tmp_path / "dvc.lock").write_text("md5: b\n")
    commit, dirty = git_state(tmp_path, outputs)
    assert commit is not None
    assert not dirty
    assert bento_version(commit, dirty, "f" * 64) == commit
    # but not without naming them as outputs
    assert git_state(tmp_path)[1]

    # when a config file changes too, or a new file appears, then it is dirty
    (tmp_path / "params.yaml").write_text("seed: 7\n")
    assert git_state(tmp_path, outputs) == (commit, True)
    _git(tmp_path, "checkout", "-q", "params.yaml")
    (tmp_path / "notes.txt").write_text("new\n")
    assert git_state(tmp_path, outputs) == (commit, True)
    assert bento_version(commit, True, "f" * 64) == "dirty-ffffffffffff"


def test_outside_git_there_is_no_commit_and_the_tree_is_dirty(tmp_path: Path) -> None:
    assert git_state(tmp_path, ("models/model.json",)) == (None, True)
