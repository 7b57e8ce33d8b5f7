"""The serving spec: what a Bento's service reads at start, typed, written and read here only.

`gitml package` builds it from params.yaml, models/model.json and the metrics, and writes it
into the Bento as `gitml/serving.json`; the service reads it at import (it needs the request
type when its class is defined) and answers `GET /info` with its `info`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from gitml.config.params import DataParams, Params, ServeParams
from gitml.errors import ConfigError
from gitml.io import read_artifact
from gitml.ml.meta import ModelMeta, Scalar

SPEC_ENV = "GITML_SERVING_SPEC"
SPEC_FILE = "serving.json"
MODEL_NAME = "gitml-model"


class ServingInfo(BaseModel):
    """`GET /info`: which model this is, where it came from, and how it scored."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model_version: str | None  # the Bento version, known once the content is hashed
    model_sha256: str
    git_commit: str
    task: str
    target: str
    classes: list[Scalar]
    model: dict[str, Any]
    trained_at: str | None
    train_data_sha256: str | None
    metrics: dict[str, Any]


class ServingSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    model_tag: str
    data: DataParams
    serve: ServeParams
    info: ServingInfo


def build_spec(
    params: Params, meta: ModelMeta, metrics: dict[str, Any], model_sha: str, commit: str
) -> ServingSpec:
    """The spec of the model in `meta`, before its Bento version is known."""
    return ServingSpec(
        model_tag=f"{MODEL_NAME}:{model_sha[:20]}",
        data=params.data,
        serve=params.serve,
        info=ServingInfo(
            model_version=None,
            model_sha256=model_sha,
            git_commit=commit,
            task=meta.task,
            target=meta.target,
            classes=meta.classes,
            model=meta.model,
            trained_at=meta.trained_at,
            train_data_sha256=meta.train_data.sha256 if meta.train_data else None,
            metrics=metrics,
        ),
    )


def with_version(spec: ServingSpec, version: str) -> ServingSpec:
    return spec.model_copy(update={"info": spec.info.model_copy(update={"model_version": version})})


def spec_json(spec: ServingSpec) -> str:
    """The file's text: sorted keys, so the same spec is the same bytes (and content hash)."""
    return json.dumps(spec.model_dump(mode="json"), indent=2, sort_keys=True) + "\n"


def spec_path() -> Path:
    """Where the spec is: $GITML_SERVING_SPEC, else at the root of the gitml package (in a
    Bento, where `gitml package` put it)."""
    return Path(os.environ.get(SPEC_ENV) or Path(__file__).resolve().parents[1] / SPEC_FILE)


def read_spec(path: Path) -> ServingSpec:
    """The spec written by `gitml package`.

    Raises:
        ConfigError: the file is missing or is not a spec this code can serve.
    """
    if not path.is_file():
        raise ConfigError(
            f"Serving spec not found: {path}. Run `gitml package` (it writes the spec into the "
            f"Bento), or set {SPEC_ENV} to a spec file."
        )
    return read_artifact(
        path,
        ServingSpec,
        what="a serving spec this gitml can serve",
        fix="Rebuild the Bento with `gitml package`.",
        error=ConfigError,
    )
