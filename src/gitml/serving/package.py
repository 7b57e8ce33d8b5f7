"""`gitml package`: the trained model into BentoML's store, a versioned Bento, an archive.

The model is tagged by its content hash, so packaging the same model twice imports it once.
The Bento is versioned by the short git commit, or by a hash of everything in it when the
work tree is dirty (a build from uncommitted changes must never pass for a commit); the
pipeline's own outputs, which reproducing a commit rewrites, do not count.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from gitml.config.params import Params
from gitml.errors import DataError
from gitml.io import file_sha256, read_json, refuse_overwrite
from gitml.ml.meta import MODEL_LIBRARIES, read_model_meta
from gitml.serving.card import CARD_FILE, build_card
from gitml.serving.runtime import MODEL_FILE
from gitml.serving.spec import (
    SPEC_ENV,
    SPEC_FILE,
    ServingSpec,
    build_spec,
    spec_json,
    with_version,
)

logger = logging.getLogger(__name__)

BENTO_NAME = "gitml"
SERVICE = "gitml.serving.service:Gitml"
# What the Bento's container installs, at the locked versions: the libraries the model needs
# (gitml itself travels as source) and the server's
RUNTIME_PACKAGES = (
    *(name for name in MODEL_LIBRARIES if name != "gitml"),
    "bentoml",
    "httptools",
    "pydantic",
    "pyyaml",
    "uvloop",
)


@dataclass(frozen=True)
class Packaged:
    model_tag: str
    bento_tag: str
    archive: Path | None


def bento_version(commit: str | None, dirty: bool, content_hash: str) -> str:
    """The short commit for a clean tree, else `dirty-<content hash>`."""
    if commit and not dirty:
        return commit
    return f"dirty-{content_hash[:12]}"


def content_hash(spec: ServingSpec, source: Path) -> str:
    """SHA-256 over the spec and every source file that goes into the Bento."""
    digest = hashlib.sha256(spec_json(spec).encode())
    for path in sorted(source.rglob("*.py")):
        digest.update(path.relative_to(source).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def git_state(root: Path, outputs: tuple[str, ...] = ()) -> tuple[str | None, bool]:
    """(short commit or None outside git, whether anything changed but pipeline outputs).

    Reproducing a commit rewrites its `outputs` (the training time in the model's metadata)
    and their hashes in `dvc.lock`; the Bento then still comes from that commit, and its
    model is named by content hash anyway. Any other change counts, in the whole repository:
    a file, or a stage's command, dependencies or params in `dvc.lock` (data edited without
    `dvc add`, then reproduced).
    """

    def git(*argv: str) -> str | None:
        result = subprocess.run(
            ["git", *argv], cwd=root, capture_output=True, text=True, check=False
        )
        return result.stdout.strip() if result.returncode == 0 else None

    commit = git("rev-parse", "--short=12", "HEAD")
    inside = [path for path in outputs if not Path(path).is_absolute()]
    excluded = [f":(exclude,literal){path}" for path in ("dvc.lock", *inside)]
    status = git("status", "--porcelain", "--", ":/", *excluded)
    lock = Path(root) / "dvc.lock"
    committed = git("show", "HEAD:./dvc.lock")
    current = lock.read_text(encoding="utf-8") if lock.is_file() else None
    lock_changed = _lock_inputs(committed, inside) != _lock_inputs(current, inside)
    return commit, status is None or bool(status) or lock_changed


def _lock_inputs(text: str | None, outputs: list[str]) -> Any:
    """dvc.lock's stages less what a reproduction rewrites: their outputs, also where a later
    stage depends on one (evaluate on the model's metadata)."""
    import yaml

    lock = yaml.safe_load(text) if text else None
    if not isinstance(lock, dict):
        return lock

    def made(entry: Any) -> bool:
        path = entry.get("path", "") if isinstance(entry, dict) else ""
        return any(path == out or path.startswith(f"{out}/") for out in outputs)

    stages = lock.get("stages") or {}
    return {
        name: {
            key: [entry for entry in value if not made(entry)] if key == "deps" else value
            for key, value in stage.items()
            if key != "outs"
        }
        for name, stage in stages.items()
        if isinstance(stage, dict)
    }


def import_model(tag: str, model_path: Path, meta_path: Path) -> None:
    """Copy the model and its metadata into the store under `tag`, unless already there."""
    import bentoml
    from bentoml.exceptions import NotFound

    try:
        bentoml.models.get(tag)
        logger.info("package: model %s already in the store", tag)
        return
    except NotFound:
        pass
    with bentoml.models.create(tag, labels={"framework": "sklearn"}) as ref:
        shutil.copy2(model_path, Path(ref.path) / MODEL_FILE)
        shutil.copy2(meta_path, Path(ref.path) / "model.json")
    logger.info("package: imported %s into the store", tag)


def build_bento(spec: ServingSpec, version: str, source: Path, card: str = "") -> str:
    """Build the Bento `gitml:<version>` from a copy of the gitml package plus the spec."""
    import os

    import bentoml
    from bentoml.exceptions import NotFound

    tag = f"{BENTO_NAME}:{version}"
    try:
        bentoml.get(tag)
        logger.info("package: Bento %s already built", tag)
        return tag
    except NotFound:
        pass
    with tempfile.TemporaryDirectory(prefix="gitml-bento-") as ctx:
        package = Path(ctx) / "gitml"
        shutil.copytree(source, package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        spec_file = package / SPEC_FILE
        spec_file.write_text(spec_json(spec), encoding="utf-8")
        (package / CARD_FILE).write_text(card, encoding="utf-8")  # served at GET /card
        previous = os.environ.get(SPEC_ENV)
        os.environ[SPEC_ENV] = str(spec_file)  # the build imports the service, which reads it
        try:
            bento = bentoml.bentos.build(
                SERVICE,
                name=BENTO_NAME,
                version=version,
                build_ctx=ctx,
                include=["gitml/**"],
                labels={
                    "git_commit": spec.info.git_commit,
                    "model_sha256": spec.info.model_sha256[:20],
                },
                python={"packages": pinned(RUNTIME_PACKAGES)},
                docker={"python_version": "3.11", "env": {"BENTOML_DO_NOT_TRACK": "True"}},
            )
        finally:
            if previous is None:
                os.environ.pop(SPEC_ENV, None)
            else:
                os.environ[SPEC_ENV] = previous
    logger.info("package: built Bento %s", bento.tag)
    return str(bento.tag)


def pinned(names: tuple[str, ...]) -> list[str]:
    """`name==version` for each installed package (the versions uv.lock installed)."""
    return [f"{name}=={metadata.version(name)}" for name in names]


def run(params: Params, archive: str | None, root: Path = Path()) -> Packaged:
    """Import the model, build the Bento, and export it to `archive` if given."""
    import bentoml

    import gitml

    paths = params.paths
    reads = {f"paths.{key}": value for key, value in paths.model_dump().items()}
    refuse_overwrite("package", reads, {"--output": archive})
    model_path, meta_path = Path(paths.model), Path(paths.model_meta)
    if not model_path.is_file() or not meta_path.is_file():
        raise DataError(
            f"No trained model at {model_path} (with {meta_path}). Run `dvc repro` (or "
            "`dvc pull`) first."
        )
    model_sha = file_sha256(model_path)
    metrics = read_json(paths.metrics) if Path(paths.metrics).is_file() else {}
    commit, dirty = git_state(root, tuple(paths.model_dump().values()))
    meta = read_model_meta(meta_path)
    timing = read_json(paths.timings) if Path(paths.timings).is_file() else {}
    if timing.get("model_sha256") == model_sha:  # trained here, not pulled: when is known
        meta = meta.model_copy(update={"trained_at": timing["trained_at"]})
    spec = build_spec(params, meta, metrics, model_sha, commit or "unknown")
    source = Path(gitml.__file__).resolve().parent
    version = bento_version(commit, dirty, content_hash(spec, source))
    spec = with_version(spec, version)
    import_model(spec.model_tag, model_path, meta_path)
    bento_tag = build_bento(spec, version, source, build_card(params, root))
    exported = None
    if archive is not None:
        target = Path(archive).expanduser().resolve()  # BentoML reads relative paths as URLs
        target.parent.mkdir(parents=True, exist_ok=True)
        exported = Path(bentoml.export_bento(bento_tag, str(target)))
        logger.info("package: exported %s → %s", bento_tag, exported)
    return Packaged(spec.model_tag, bento_tag, exported)
