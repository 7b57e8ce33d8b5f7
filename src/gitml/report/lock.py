"""Whether a `dvc.lock` tells the truth, and what the gate makes of the remote's state.

Two checks. The branch: after CI reproduced, the work tree's `dvc.lock` is compared with the
one committed at HEAD; stages that differ re-ran in CI, so the committed lock (and whatever
was pushed for it) was stale. A ref (the baseline): its committed lock is compared with its
own files at that commit (code and data hashes, params), so a lock that was not committed
after a change is detected without running anything, and the ref is reproduced instead.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gitml.config.params import GateParams
from gitml.report.summary import ReportSummary

REMOTE_STATUS = "reports/remote.json"  # written by `gitml pull`
FIX = "run `make run`, commit dvc.lock, and `dvc push` its outputs"


@dataclass(frozen=True)
class LockCheck:
    """The branch's committed dvc.lock against the one CI's reproduction left."""

    judged: bool  # False: nothing committed to compare, or uncommitted changes explain it
    stages: list[str] = field(default_factory=list)  # stages whose entries differ
    note: str = ""


def branch_lock(root: Path, outputs: list[str]) -> LockCheck:
    """Compare HEAD's dvc.lock with the work tree's, stage by stage."""
    committed = _git(root, "show", "HEAD:dvc.lock")
    if committed is None:
        return LockCheck(False, note="No dvc.lock is committed on this branch yet.")
    changed = _uncommitted(root, outputs)
    if changed:
        shown = ", ".join(changed[:5])
        return LockCheck(False, note=f"Not judged: uncommitted changes ({shown}).")
    path = root / "dvc.lock"
    before = _stages(yaml.safe_load(committed))
    after = _stages(yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {})
    stages = sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )
    return LockCheck(True, stages)


def stale_stages(
    root: Path, commit: str, lock: dict[str, Any], params: dict[str, Any]
) -> list[str]:
    """Stages whose code, data or params at `commit` differ from what its dvc.lock records.

    Deps produced by another stage are not in git; their producer's own check covers them.
    """
    stale = []
    for name, stage in _stages(lock).items():
        if not _deps_match(root, commit, stage.get("deps", [])) or not _params_match(
            stage.get("params", {}).get("params.yaml", {}), params
        ):
            stale.append(name)
    return stale


def remote_outcome(root: Path) -> dict[str, Any] | None:
    """What `gitml pull` recorded in this work tree, if it ran."""
    path = root / REMOTE_STATUS
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def findings(summary: ReportSummary, gate: GateParams) -> tuple[list[str], list[str]]:
    """(reasons to fail, warnings) from the lock check and the remote's state in a summary."""
    reasons: list[str] = []
    warnings: list[str] = []
    remote = summary.remote or {}
    unverified = bool(summary.stale)
    if remote.get("status") == "failed":
        reasons.append(
            f"The DVC remote could not be read, so CI could not verify it: {remote['message']}"
        )
    elif remote.get("status") == "no credentials":
        if unverified:
            reasons.append(
                f"{remote['message']} Without its data the pipeline could not be reproduced."
            )
        else:
            warnings.append(remote["message"] + " CI reproduced the pipeline without it.")
    lock = summary.lock or {}
    if lock.get("judged") and lock.get("stages"):
        text = (
            f"The committed dvc.lock is stale: CI's reproduction changed its stages "
            f"{', '.join(lock['stages'])}. To fix it, {FIX}."
        )
        (reasons if gate.stale_lock == "fail" else warnings).append(text)
    return reasons, warnings


def _deps_match(root: Path, commit: str, deps: list[dict[str, Any]]) -> bool:
    for dep in deps:
        md5 = dep.get("md5")
        if not md5 or md5.endswith(".dir"):
            continue
        content = git_bytes(root, commit, dep["path"])
        if content is not None:
            if hashlib.md5(content, usedforsecurity=False).hexdigest() != md5:
                return False
            continue
        tracked = _git(root, "show", f"{commit}:{dep['path']}.dvc")  # data added with `dvc add`
        if tracked is not None:
            outs = (yaml.safe_load(tracked) or {}).get("outs") or [{}]
            if outs[0].get("md5") != md5:
                return False
    return True


def _params_match(recorded: dict[str, Any], params: dict[str, Any]) -> bool:
    missing = object()
    for key, value in recorded.items():
        current: Any = params
        for part in key.split("."):
            current = current.get(part, missing) if isinstance(current, dict) else missing
        if current != value:
            return False
    return True


def _stages(lock: dict[str, Any] | None) -> dict[str, Any]:
    return dict((lock or {}).get("stages") or {})


def _uncommitted(root: Path, outputs: list[str]) -> list[str]:
    """Tracked files changed since HEAD, less dvc.lock and the pipeline's outputs."""
    status = _git(root, "status", "--porcelain", "--untracked-files=no") or ""
    paths = [line[3:].strip() for line in status.splitlines() if line.strip()]
    ignored = ["dvc.lock", *outputs]
    return [
        path
        for path in paths
        if not any(path == out or path.startswith(f"{out.rstrip('/')}/") for out in ignored)
    ]


def _git(root: Path, *args: str) -> str | None:
    result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    return result.stdout if result.returncode == 0 else None


def git_bytes(root: Path, commit: str, relative: str) -> bytes | None:
    result = subprocess.run(
        ["git", "show", f"{commit}:{relative}"], cwd=root, capture_output=True, check=False
    )
    return result.stdout if result.returncode == 0 else None
