"""The service's request and response models, generated from the data contract.

A record model has one field per feature column of conf/data/<name>.yaml, so a contract
change changes the API with no hand edits. Every rule that can reject a row (type, range,
allowed values, nullability, unknown fields, non-finite numbers) lives in the model, so a
bad request is refused while its JSON is parsed, before it can join a batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, create_model

from gitml.config.params import ColumnSpec, DataParams, Scalar
from gitml.contract.schema import category_order, pandas_dtype

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

PYTHON_TYPES: dict[str, type] = {"int": int, "float": float, "bool": bool, "str": str}
RECORD_CONFIG = ConfigDict(
    strict=True, extra="forbid", frozen=True, allow_inf_nan=False, populate_by_name=False
)


class Prediction(BaseModel):
    """The model's answer for one record."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    prediction: bool | int | float | str
    probabilities: dict[str, float] | None = Field(
        default=None, description="class label → probability (classification only)"
    )


def record_model(data: DataParams) -> type[BaseModel]:
    """A strict pydantic model of one input record: the contract's feature columns.

    Fields are named by position and aliased to the column name, so any column name
    (spaces, keywords, `model_config`) works as a JSON key. Nullable columns may be left out
    (they are then missing values); every other column is required. The contract's id
    column may be sent too, as any JSON scalar, and is ignored.
    """
    fields: dict[str, Any] = {}
    for index, (name, spec) in enumerate(data.feature_columns.items()):
        annotation = field_type(spec)
        if spec.nullable:
            fields[f"f{index}"] = (annotation | None, Field(default=None, alias=name))
        else:
            not_null = Annotated[annotation, BeforeValidator(_not_null)]  # type: ignore[valid-type]
            fields[f"f{index}"] = (not_null, Field(alias=name))
    if data.id_column:
        # the id may be sent, to match labels to predictions later; it is not a feature (any
        # JSON scalar, whatever its dtype: a datetime id has no field type), and answers come
        # in request order
        fields["record_id"] = (
            Scalar | None,
            Field(default=None, alias=data.id_column, description="not a feature: ignored"),
        )
    title = f"{_camel(data.name)}Record"
    model: type[BaseModel] = create_model(title, __config__=RECORD_CONFIG, **fields)
    return model


def left_out_columns(data: DataParams) -> dict[str, str]:
    """The contract's columns that a record leaves out (all but the features and the id),
    each with why: a request that sends one is told so, not that the name is unknown."""
    roles = {data.target: "the target", data.weight_column: "the row weight"}
    return {
        name: roles.get(name) or ("a date" if spec.dtype == "datetime" else "feature: false")
        for name, spec in data.columns.items()
        if name not in data.feature_columns and name != data.id_column
    }


def field_type(spec: ColumnSpec) -> Any:
    """The annotation for one column: its type, range and allowed values."""
    if spec.dtype in ("category", "str"):
        if spec.allowed:
            return Literal[tuple(str(value) for value in spec.allowed)]
        return str
    base = PYTHON_TYPES[spec.dtype]
    constraints: list[Any] = []
    if spec.dtype in ("int", "float"):
        constraints.append(Field(ge=spec.min, le=spec.max))
    if spec.dtype == "int":
        constraints.append(BeforeValidator(_whole_float_as_int))
    if spec.dtype == "float":
        constraints.append(Field(allow_inf_nan=False))
    if spec.allowed:
        constraints.append(AfterValidator(_one_of(spec.allowed)))
    return Annotated[base, *constraints] if constraints else base


def records_frame(records: Sequence[BaseModel], data: DataParams) -> pd.DataFrame:
    """Validated records as a DataFrame with the dtypes the model was trained on.

    Built column by column from the records' values: this runs on every request, and going
    through pandas' row-wise constructors and dtype casts costs milliseconds per call.
    """
    import pandas as pd

    features = data.feature_columns
    rows = [tuple(record.__dict__.values()) for record in records]
    # the features come first, in order; an id after them (see `record_model`) is not one
    by_column = list(zip(*rows, strict=True))[: len(features)] if rows else [()] * len(features)
    frame = {
        name: column_array(list(values), spec)
        for (name, spec), values in zip(features.items(), by_column, strict=True)
    }
    return pd.DataFrame(frame, copy=False)


def column_array(values: list[Any], spec: ColumnSpec) -> Any:
    """One column's validated values (None for missing) as the array training produced."""
    import numpy as np
    import pandas as pd

    if spec.dtype == "category":
        present = [value for value in values if value is not None]
        return pd.Categorical(values, categories=category_order(spec, present))
    dtype: Any = pandas_dtype(spec)  # a dtype name; pandas' stubs want literals
    if dtype in ("int64", "float64", "bool"):
        return np.array(values, dtype=dtype)  # None becomes NaN in a float column
    return pd.array(values, dtype=dtype)


def predictions(
    labels: np.ndarray, proba: np.ndarray | None, classes: Sequence[Scalar]
) -> list[Prediction]:
    """One Prediction per row from the model's labels and (classification) probabilities."""
    keys = [str(label) for label in classes]
    values = labels.tolist()
    if proba is None:
        return [Prediction(prediction=value) for value in values]
    return [
        Prediction(prediction=value, probabilities=dict(zip(keys, row, strict=True)))
        for value, row in zip(values, proba.tolist(), strict=True)
    ]


def _not_null(value: Any) -> Any:
    if value is None:
        raise ValueError("null is not allowed: the contract says this column is not nullable")
    return value


def _whole_float_as_int(value: Any) -> Any:
    """5.0 is 5, as JSON Schema's `integer` says: many JSON writers put floats in int columns."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _one_of(allowed: list[Scalar]) -> Any:
    permitted = set(allowed)

    def check(value: Any) -> Any:
        if value not in permitted:
            raise ValueError(f"must be one of {sorted(permitted, key=str)}")
        return value

    return check


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("-", "_").split("_") if part)
