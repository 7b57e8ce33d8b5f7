"""Typed params: params.yaml is validated whole, before any work, into frozen pydantic models.

This module assembles `Params` from the sections' modules and reads params.yaml; each
section's models live in their own module (data, model, evaluation, operate) and are
re-exported here, so `from gitml.config.params import DataParams` keeps working.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError, model_validator

from gitml.config.base import Strict, Task
from gitml.config.data import (
    TEXT,
    ColumnSpec,
    DataParams,
    Dtype,
    FileSource,
    NonEmpty,
    RowCheck,
    Scalar,
    Source,
    SyntheticSource,
)
from gitml.config.evaluation import (
    DEFAULT_SPLIT,
    DriftThresholds,
    EvaluateParams,
    GateParams,
    GateRule,
    ReportParams,
    SplitParams,
)
from gitml.config.model import (
    MODEL_NAMES,
    HistGradientBoostingParams,
    LinearParams,
    ModelParams,
    RandomForestParams,
)
from gitml.config.operate import (
    REQUEST_TIMEOUT_S,
    CardParams,
    MonitorParams,
    ServeParams,
    TrafficLogParams,
)
from gitml.errors import ConfigError

__all__ = [
    "MODEL_NAMES",
    "PARAMS_FILE",
    "REQUEST_TIMEOUT_S",
    "CardParams",
    "ColumnSpec",
    "DataParams",
    "DriftThresholds",
    "Dtype",
    "EvaluateParams",
    "FileSource",
    "GateParams",
    "GateRule",
    "HistGradientBoostingParams",
    "LinearParams",
    "ModelParams",
    "MonitorParams",
    "NonEmpty",
    "Params",
    "PathsParams",
    "RandomForestParams",
    "ReportParams",
    "RowCheck",
    "Scalar",
    "Seeds",
    "ServeParams",
    "Source",
    "SplitParams",
    "Strict",
    "SyntheticSource",
    "Task",
    "TrafficLogParams",
    "load_params",
    "parse_params",
]

PARAMS_FILE = "params.yaml"


class PathsParams(Strict):
    raw: str
    validated: str
    validation_report: str
    train: str
    test: str
    model: str
    model_meta: str
    metrics: str
    predictions: str
    importance: str
    slices: str
    plots: str
    timings: str


class Seeds(Strict):
    """One seed per kind of randomness, so a PR can change one alone: the data generator's,
    the split's, the model's (`random_state`) and the report's (evaluate's samples, the
    bootstrap, drift's samples). conf/config.yaml sets each to the top-level `seed`."""

    data: int
    split: int
    model: int
    report: int


class Params(Strict):
    seed: int  # the default of every seed in `seeds`; stages read `seeds`
    seeds: Seeds
    paths: PathsParams
    data: DataParams
    split: SplitParams
    model: ModelParams
    evaluate: EvaluateParams
    report: ReportParams
    gate: GateParams
    serve: ServeParams = ServeParams()
    monitor: MonitorParams = MonitorParams()
    card: CardParams = CardParams()

    @model_validator(mode="after")
    def _paths_apart(self) -> Params:
        """No stage may write over what another stage (or ingest's source) holds."""
        import os.path

        places = {f"paths.{key}": value for key, value in self.paths.model_dump().items()}
        if isinstance(self.data.source, FileSource):
            places = {"data.source.path": self.data.source.path} | places
        seen: dict[str, str] = {}
        for key, path in places.items():
            normal = os.path.normcase(os.path.abspath(path))
            if normal in seen:
                raise ValueError(
                    f"{key} and {seen[normal]} are the same file ({path}): one stage would "
                    f"overwrite what another reads. Give {key} its own path"
                )
            seen[normal] = key
        return self

    @model_validator(mode="after")
    def _split_columns_exist(self) -> Params:
        for key in ("group_column", "time_column"):
            column = getattr(self.split, key)
            if column == "???":  # conf/split/{group,time}.yaml leave it to be set
                strategy = key.removesuffix("_column")
                raise ValueError(f"split.{key} must be set: {DEFAULT_SPLIT.format(strategy, key)}")
            if column is not None and column not in self.data.columns:
                raise ValueError(
                    f"split.{key} {column!r} is not a column of the data contract "
                    f"conf/data/{self.data.name}.yaml"
                )
        time = self.split.time_column
        if self.split.strategy == "time" and time and self.data.columns[time].dtype in TEXT:
            # text sorts 02/01/2021 before 31/12/2020: the test set would not be the latest rows
            raise ValueError(
                f"split.time_column {time!r} is dtype {self.data.columns[time].dtype} in "
                f"conf/data/{self.data.name}.yaml: a time split needs datetime (or numbers). "
                "Declare it `dtype: datetime` if its values are dates"
            )
        unknown = [c for c in self.serve.traffic_log.exclude if c not in self.data.columns]
        if unknown:
            raise ValueError(
                f"serve.traffic_log.exclude names {', '.join(map(repr, unknown))}, not a column "
                f"of the data contract conf/data/{self.data.name}.yaml"
            )
        if self.split.strategy == "stratified" and self.data.task == "regression":
            raise ValueError(
                "split.strategy 'stratified' needs classes, and data.task is regression: "
                "use split.strategy=random (or auto)"
            )
        return self


def parse_params(raw: Any, origin: str = PARAMS_FILE) -> Params:
    """Validate a params mapping; on failure raise ConfigError naming every bad dotted key."""
    try:
        return Params.model_validate(raw)
    except ValidationError as exc:
        from gitml.config.messages import problem_lines

        problems = problem_lines(exc, Params)
        raise ConfigError(
            f"{origin} is not valid ({exc.error_count()} problem(s)):\n{problems}\n"
            "Fix the value in conf/ and run `gitml compose` (or pass a valid "
            "`dvc exp run -S key=value`)."
        ) from None


def load_params(path: str | Path = PARAMS_FILE) -> Params:
    import yaml

    from gitml.io import load_yaml

    source = Path(path)
    if not source.is_file():
        raise ConfigError(f"{source} not found. Run `gitml compose` to write it from conf/.")
    try:
        raw = load_yaml(source.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source} is not valid YAML: {exc}. Run `gitml compose`.") from None
    return parse_params(raw, origin=str(source))
