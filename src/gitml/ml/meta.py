"""models/model.json: what travels with a trained model, typed, and read and written here only.

train writes it; evaluate, `gitml predict`, `gitml package` and the PR report read it, the
report also from other commits. A file is data written by some version of gitml, not config:
keys this version does not know are ignored, and keys that older versions did not write
have defaults, so a baseline trained months ago still reads. `format` says which shape a
file has; raise it when a field changes meaning.
"""

from __future__ import annotations

import platform
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from gitml.errors import DataError
from gitml.io import read_artifact, write_json

Scalar = str | int | float | bool
# The libraries whose versions decide what a model file holds and predicts; recorded with
# each model, shown in the report's lineage, and pinned in the Bento with the serving ones.
MODEL_LIBRARIES = ("gitml", "scikit-learn", "pandas", "numpy", "pyarrow", "skops", "pandera")


class Artifact(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class FeatureMeta(Artifact):
    name: str
    dtype: str
    kind: Literal["numeric", "categorical", "boolean"]


class TrainData(Artifact):
    path: str
    sha256: str


class ModelMeta(Artifact):
    """What a model predicts and from what: features, classes, params and lineage."""

    format: Literal[1] = 1
    task: Literal["binary", "multiclass", "regression"]
    target: str
    id_column: str | None = None
    weight_column: str | None = None  # data.weight_column: the metrics are weighted by it
    features: tuple[FeatureMeta, ...]
    classes: list[Scalar] = []
    positive_class: Scalar | None = None
    model: dict[str, Any] = {}
    seed: int | None = None
    train_data: TrainData | None = None
    training_seconds: float | None = None
    trained_at: str | None = None
    versions: dict[str, str] = {}

    @property
    def feature_names(self) -> list[str]:
        return [feature.name for feature in self.features]

    @property
    def proba_columns(self) -> list[str]:
        """The prediction table's probability columns, one per class (none for regression)."""
        return [f"proba_{label}" for label in self.classes] if self.task != "regression" else []


def library_versions() -> dict[str, str]:
    """Python's version and each of MODEL_LIBRARIES' installed versions."""
    return {"python": platform.python_version()} | {
        name: metadata.version(name) for name in MODEL_LIBRARIES
    }


def read_model_meta(path: str | Path) -> ModelMeta:
    """models/model.json, validated.

    Raises:
        DataError: the file is missing, not JSON, or not a model's metadata.
    """
    source = Path(path)
    if not source.is_file():
        raise DataError(f"Model metadata not found: {source}. Run `dvc repro` to train the model.")
    return read_artifact(
        source,
        ModelMeta,
        what="a gitml model's metadata",
        fix="Restore it with `dvc checkout`, or retrain with `dvc repro`.",
        error=DataError,
    )


def write_model_meta(path: str | Path, meta: ModelMeta) -> None:
    write_json(path, meta.model_dump(mode="json"))
