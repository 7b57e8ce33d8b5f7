"""A throwaway gitml project in a temporary git repo, driven through the real CLIs."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
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


@contextlib.contextmanager
def _exclusive(lock: Path) -> Iterator[None]:
    """Hold an exclusive lock on `lock` (a file) against the other pytest-xdist workers."""
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def shared_template(
    factory: pytest.TempPathFactory, worker_id: str, name: str, build: Callable[[Project], None]
) -> Path:
    """A project built once per test run by `build`, whoever asks first; never written after.

    Every xdist worker of a run shares the parent of its base temp directory, so the first
    worker to need the template builds it under a lock and the others wait for it, then read
    it. Tests never touch it: they take their own copy with `copy_project`.
    """
    base = factory.getbasetemp()
    shared = base if worker_id == "master" else base.parent
    root = shared / "templates" / name
    root.parent.mkdir(parents=True, exist_ok=True)
    done = root.parent / f"{name}.built"
    with _exclusive(root.parent / f"{name}.lock"):
        if not done.exists():
            shutil.rmtree(root, ignore_errors=True)  # a build that failed half-way
            build(new_project(root))
            done.touch()
    return root


def _transient(folder: str, names: list[str]) -> set[str]:
    """DVC's scratch space (.dvc/tmp: locks, experiment workspaces): never part of a copy."""
    return {"tmp"} if Path(folder).name == ".dvc" else set()


def copy_project(template: Path, target: Path) -> Project:
    """An independent copy of `template`: work tree, git history and DVC cache, all copied.

    Nothing is linked back: DVC's cache is a directory inside the project (`.dvc/cache`), so
    the copy's stages, `dvc checkout` and the report's baseline read and write only the copy.
    """
    shutil.copytree(template, target, symlinks=True, ignore=_transient)
    return Project(target)


MAIN_ROWS = "data.source.n_rows=300"  # the smallest data every user of main_project needs


def _reproduce_main(project: Project) -> None:
    project.gitml("compose", MAIN_ROWS)
    project.gitml("repro")
    project.commit("main: reproduced")


@pytest.fixture(scope="session")
def reproduced(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """The template of `main_project`: 300 default rows, reproduced, committed on main."""
    return shared_template(tmp_path_factory, worker_id, "reproduced", _reproduce_main)


@pytest.fixture
def main_project(reproduced: Path, tmp_path: Path) -> Project:
    """A project whose main holds a committed run (`gitml compose MAIN_ROWS`, `dvc repro`,
    commit), dvc.lock and DVC cache included: this test's own copy."""
    return copy_project(reproduced, tmp_path / "project")
