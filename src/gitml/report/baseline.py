"""The two sides of a comparison: the branch's work tree and the baseline ref's artifacts.

The baseline's files come, in order of cost, from git (outputs with `cache: false`), from the
local DVC cache (addressed by the md5 in the ref's `dvc.lock`), or from a temporary git
worktree of the ref that shares this repository's DVC cache: there `dvc pull` (when a remote
is configured) and `dvc checkout` restore the outputs its `dvc.lock` records, and `dvc repro`
runs the ref's own code (`src/`) for the stages still missing.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gitml import progress
from gitml.errors import ConfigError, GitmlError
from gitml.report.lock import git_bytes, stale_stages

logger = logging.getLogger(__name__)

# the pipeline files a report reads, by their key in params.yaml `paths`
KEYS = (
    "validated",
    "validation_report",
    "train",  # re-scoring the baseline model on new test rows leaves out those it trained on
    "test",
    "model",
    "model_meta",
    "metrics",
    "predictions",
    "importance",
    "slices",
)


@dataclass(frozen=True)
class Artifacts:
    """One side of the comparison: its commit, params and pipeline files."""

    label: str  # how the report names this side: "branch" or the baseline ref
    commit: str  # full sha; "" for an uncommitted work tree
    params: dict[str, Any]  # params.yaml as written (not validated: the schema may differ)
    lock: dict[str, Any]  # dvc.lock
    files: dict[str, Path] = field(default_factory=dict)  # key → readable file
    source: str = "work tree"  # how the files were obtained, shown in the report
    dirty: bool = False

    def path(self, key: str) -> Path | None:
        return self.files.get(key)

    def out_md5(self, key: str) -> str | None:
        """The md5 dvc.lock records for a pipeline file, if any."""
        return _lock_outs(self.lock).get(self.params.get("paths", {}).get(key, ""))


def branch_artifacts(root: Path) -> Artifacts:
    """The work tree as it is (after `dvc repro`)."""
    params = _yaml_file(root / "params.yaml")
    lock = _yaml_file(root / "dvc.lock")
    files = {}
    for key in (*KEYS, "timings"):  # timings: the work tree's own run only, never in git
        relative = params.get("paths", {}).get(key)
        if relative and (root / relative).is_file():
            files[key] = root / relative
    commit = _git(root, "rev-parse", "HEAD", check=False).strip()
    dirty = bool(_git(root, "status", "--porcelain", "--untracked-files=no", check=False).strip())
    return Artifacts("branch", commit, params, lock, files, "work tree", dirty)


@contextmanager
def baseline_artifacts(root: Path, ref: str) -> Iterator[Artifacts | None]:
    """The baseline ref's artifacts, or None when the ref has no pipeline run (no dvc.lock).

    Files are valid inside the `with` block only; temporary copies and worktrees are removed
    on exit.
    """
    commit = _resolve(root, ref)
    lock_text = _git(root, "show", f"{commit}:dvc.lock", check=False)
    if not lock_text:
        logger.warning("baseline %s has no dvc.lock: comparing against nothing", ref)
        yield None
        return
    params = yaml.safe_load(_git(root, "show", f"{commit}:params.yaml", check=False)) or {}
    lock = yaml.safe_load(lock_text) or {}
    stale = stale_stages(root, commit, lock, params)
    with tempfile.TemporaryDirectory(prefix="gitml-baseline-") as scratch:
        files = {} if stale else _from_git_and_cache(root, commit, params, lock, Path(scratch))
        if len(files) == len(KEYS):
            yield Artifacts(ref, commit, params, lock, files, "DVC cache")
            return
        if stale:  # its outputs are not what its code, data and params produce
            logger.warning(
                "baseline %s: its committed dvc.lock is stale (stages: %s); reproducing it",
                ref,
                ", ".join(stale),
            )
        else:
            missing = ", ".join(sorted(set(KEYS) - set(files)))
            logger.info("baseline %s: %s not in the cache; reproducing it", ref, missing)
        tree = Path(scratch) / "worktree"
        try:
            source = _reproduce(root, commit, tree)
            if stale:
                source = (
                    f"reproduced: its committed dvc.lock was stale (stages: {', '.join(stale)})"
                )
                lock = _yaml_file(tree / "dvc.lock")  # what its code, data and params produce
            files = {
                key: tree / params["paths"][key]
                for key in KEYS
                if (tree / params.get("paths", {}).get(key, "\0")).is_file()
            }
            yield Artifacts(ref, commit, params, lock, files, source)
        finally:
            _git(root, "worktree", "remove", "--force", str(tree), check=False)
            _git(root, "worktree", "prune", check=False)


def _from_git_and_cache(
    root: Path, commit: str, params: dict[str, Any], lock: dict[str, Any], scratch: Path
) -> dict[str, Path]:
    cache = _cache_dir(root)
    outs = _lock_outs(lock)
    files = {}
    for key in KEYS:
        relative = params.get("paths", {}).get(key)
        md5 = outs.get(relative or "")
        if not relative or not md5:
            continue
        cached = cache / "files" / "md5" / md5[:2] / md5[2:]
        if cached.is_file():
            files[key] = cached
            continue
        content = git_bytes(root, commit, relative)  # outputs with `cache: false` live in git
        if content is not None:
            copy = scratch / "git" / relative
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_bytes(content)
            files[key] = copy
    return files


def _reproduce(root: Path, commit: str, tree: Path) -> str:
    """Check the ref out in a worktree sharing our DVC cache and bring its pipeline up to date."""
    _git(root, "worktree", "add", "--detach", "--quiet", str(tree), commit)
    # share the cache; this file is git-ignored, so the worktree does not have one yet
    (tree / ".dvc" / "config.local").write_text(f"[cache]\n    dir = {_cache_dir(root)}\n")
    # the baseline's stages must run the baseline's code, not the branch's installed package
    env = os.environ | {
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(tree / "src"), os.environ.get("PYTHONPATH")])
        )
    }
    source = "reproduced in a temporary worktree (unchanged stages restored from the DVC cache)"
    if _dvc(tree, env, "remote", "list").stdout.strip():
        pulled = _dvc(tree, env, "pull")
        if pulled.returncode == 0:
            source = "pulled from the DVC remote"
        else:
            logger.warning("dvc pull failed in the baseline worktree; reproducing instead")
    _dvc(tree, env, "checkout")  # whatever the shared cache has; missing files are fine here
    repro = _repro_with_progress(tree, env)
    if repro.returncode != 0:
        tail = "\n".join((repro.stdout + repro.stderr).strip().splitlines()[-15:])
        raise GitmlError(
            f"Could not reproduce the baseline {commit[:8]} in a temporary worktree:\n{tail}\n"
            "Fix the baseline (or pass another --baseline ref), or run `dvc repro` on it and "
            "push its outputs with `dvc push`."
        )
    return source


def _cache_dir(root: Path) -> Path:
    """The files/md5 parent of the local DVC cache (honours `cache.dir` in the config)."""
    from dvc.repo import Repo

    with Repo(str(root)) as repo:
        return Path(repo.cache.local.path).parent.parent


def _lock_outs(lock: dict[str, Any]) -> dict[str, str]:
    outs = {}
    for stage in (lock.get("stages") or {}).values():
        for out in stage.get("outs", []) + stage.get("metrics", []):
            if "md5" in out:
                outs[out["path"]] = out["md5"]
    return outs


def _resolve(root: Path, ref: str) -> str:
    result = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise ConfigError(
            f"Baseline ref {ref!r} not found in {root}. Fetch it (`git fetch origin "
            f"{ref}:{ref}`) or pass another one with --baseline (e.g. origin/main)."
        )
    return result.stdout.strip()


def _yaml_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise GitmlError(f"{path} not found. Run `make run` (or `dvc repro`) first.")
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def _git(root: Path, *args: str, check: bool = True) -> str:
    result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise GitmlError(f"git {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout if result.returncode == 0 else ""


def _repro_with_progress(tree: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`dvc repro` in the worktree, a bar of its stages on a terminal (stages/s, time left)."""
    stages = len(_yaml_file(tree / "dvc.yaml").get("stages", {}))
    # the baseline's own `gitml repro` (warm stages) where its code has one, else dvc's
    has_repro = (tree / "src/gitml/warm/repro.py").is_file()
    argv = [sys.executable, "-m", "gitml" if has_repro else "dvc", "repro"]
    lines = []
    with (
        progress.bar(stages, "baseline repro", unit="stages") as shown,
        subprocess.Popen(
            argv, cwd=tree, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        ) as process,
    ):
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if line.startswith(("Running stage", "Stage ")):  # ran, or unchanged/restored
                shown.update(1)
    return subprocess.CompletedProcess(argv, process.returncode, "".join(lines), "")


def _dvc(tree: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    logger.debug("baseline worktree: dvc %s", " ".join(args))
    return subprocess.run(
        [sys.executable, "-m", "dvc", *args],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
