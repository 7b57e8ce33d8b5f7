"""Params of the model section: one class per estimator, chosen by its `name`."""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import Field, field_validator

from gitml.config.base import Strict


class LinearParams(Strict):
    """Logistic regression (classification) or ridge regression; `l2` is the penalty strength."""

    name: Literal["linear"]
    l2: float = Field(default=1.0, gt=0)
    max_iter: int = Field(default=1000, ge=1)
    class_weight: Literal["balanced"] | None = None


class RandomForestParams(Strict):
    name: Literal["random_forest"]
    n_estimators: int = Field(default=200, ge=1)
    max_depth: int | None = Field(default=None, ge=1)
    min_samples_leaf: int = Field(default=1, ge=1)
    # a count of features (3), a share of them (0.5), sqrt or log2 of their number, or all
    max_features: int | float | Literal["sqrt", "log2"] | None = "sqrt"
    max_samples: float | None = Field(default=None, gt=0, le=1)
    class_weight: Literal["balanced", "balanced_subsample"] | None = None
    n_jobs: int = -1  # processes: -1 for every core

    @field_validator("max_features")
    @classmethod
    def _some_features(cls, value: float | str | None) -> float | str | None:
        wrong = isinstance(value, int) and value < 1
        if wrong or (isinstance(value, float) and not 0 < value <= 1):
            raise ValueError("must be a count ≥ 1, a share in (0, 1], 'sqrt', 'log2' or null")
        return value

    @field_validator("n_jobs")
    @classmethod
    def _some_jobs(cls, value: int) -> int:
        if value == 0 or value < -1:
            raise ValueError("must be -1 (every core) or a whole number ≥ 1")
        return value


class HistGradientBoostingParams(Strict):
    name: Literal["hist_gradient_boosting"]
    learning_rate: float = Field(default=0.1, gt=0)
    max_iter: int = Field(default=200, ge=1)
    max_depth: int | None = Field(default=None, ge=1)
    max_leaf_nodes: int | None = Field(default=31, ge=2)
    min_samples_leaf: int = Field(default=20, ge=1)
    l2_regularization: float = Field(default=0.0, ge=0)
    early_stopping: bool = True
    class_weight: Literal["balanced"] | None = None


ModelParams = Annotated[
    LinearParams | RandomForestParams | HistGradientBoostingParams, Field(discriminator="name")
]
MODEL_NAMES: tuple[str, ...] = tuple(
    get_args(member.model_fields["name"].annotation)[0]
    for member in get_args(get_args(ModelParams)[0])
)
