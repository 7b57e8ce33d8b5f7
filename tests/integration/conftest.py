"""A throwaway gitml project in a temporary git repo, driven through the real CLIs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.paths import ROOT

PROJECT_FILES = (
    "conf",
    "src",
    "dvc.yaml",
    "params.yaml",
    ".gitignore",
    ".dvcignore",
    ".dvc/config",
    ".dvc/.gitignore",
)


@dataclass
class Project:
    root: Path

    def run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        env = os.environ | {
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "DVC_NO_ANALYTICS": "1",
            "DVC_NO_UPDATE_CHECK": "1",
        }
        result = subprocess.run(
            argv, cwd=self.root, env=env, capture_output=True, text=True, check=False
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"{' '.join(argv)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
            )
        return result

    def gitml(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run(sys.executable, "-m", "gitml", *argv, check=check)

    def dvc(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run(sys.executable, "-m", "dvc", *argv, check=check)

    def commit(self, message: str) -> None:
        self.run("git", "add", "-A")
        self.run("git", "commit", "-q", "-m", message)


def ran_stages(output: str) -> list[str]:
    return [line.split("'")[1] for line in output.splitlines() if line.startswith("Running stage")]


def new_project(root: Path) -> Project:
    """A git repo on `main` holding a copy of this project's pipeline, conf and code."""
    for name in PROJECT_FILES:
        source, target = ROOT / name, root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target)
    created = Project(root)
    created.run("git", "init", "-q", "-b", "main")
    created.run("git", "config", "user.email", "ci@example.invalid")
    created.run("git", "config", "user.name", "gitml tests")
    return created


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return new_project(tmp_path / "project")
