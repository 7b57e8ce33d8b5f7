"""Params of the data section: the data contract (columns, row checks) and its source."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from gitml.config.base import Strict, Task
from gitml.config.row_expr import row_check_problem

Dtype = Literal["int", "float", "bool", "category", "str", "datetime"]
Scalar = str | int | float | bool
NonEmpty = Annotated[str, Field(min_length=1)]
TEXT = ("bool", "category", "str")  # dtypes whose order says nothing about time


class ColumnSpec(Strict):
    """One column of the data contract."""

    dtype: Dtype
    nullable: bool = False
    min: float | None = None
    max: float | None = None
    allowed: list[Scalar] | None = None
    unique: bool = False
    feature: bool = True
    # inf and -inf in a float column: refused by validate unless allowed here; scoring (the
    # service, `gitml predict`) refuses them always, as JSON has no such numbers
    allow_inf: bool = False

    @model_validator(mode="after")
    def _range_is_ordered(self) -> ColumnSpec:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        if self.allow_inf and self.dtype != "float":
            raise ValueError(f"allow_inf is for float columns, and this one is {self.dtype}")
        return self


class RowCheck(Strict):
    """A row-level rule that must hold where its columns are present, in the small grammar of
    config/row_expr.py (docs/reference/row-checks.md): a contract cannot run code."""

    name: str
    expr: str


class SyntheticSource(Strict):
    kind: Literal["synthetic"]
    path: str  # the generator module: the dataset's true upstream for DVC
    n_rows: int = Field(ge=100, le=10_000_000)


class FileSource(Strict):
    """A CSV or Parquet file. For CSV, how its text is read, by ingest and by `gitml predict`
    for new rows (`gitml infer-contract` drafts both from what it sees): `na_values` are extra
    text that marks a missing value, per column (`{score: ['?']}`) or in every column (a
    list); pandas' own, such as empty, NA, null, are always missing. `thousands` is the
    character between groups of three digits (`75,083`), in int and float columns: only
    numbers grouped exactly so are read as numbers, so `12,5` stays text and fails."""

    kind: Literal["file"]
    path: str
    na_values: list[NonEmpty] | dict[str, list[NonEmpty]] = []
    thousands: Literal[",", "'", " "] | None = None

    @field_validator("na_values", "thousands")
    @classmethod
    def _for_csv_only(cls, value: Any, info: ValidationInfo) -> Any:
        path = str(info.data.get("path", ""))
        if value and path and not path.lower().endswith(".csv"):
            raise ValueError(
                f"says how to read CSV text, and {path} is not a .csv file (Parquet keeps its "
                f"types): remove {info.field_name}"
            )
        return value


Source = Annotated[SyntheticSource | FileSource, Field(discriminator="kind")]


class DataParams(Strict):
    name: str
    task: Task
    target: str
    positive_class: Scalar | None = None
    id_column: str | None = None
    # row weights (a survey's): the fit's sample weights, and what metrics and intervals
    # are weighted by; never a feature
    weight_column: str | None = None
    source: Source
    columns: dict[str, ColumnSpec] = Field(min_length=2)
    checks: list[RowCheck] = []

    @model_validator(mode="after")
    def _columns_exist(self) -> DataParams:
        roles = (
            ("target", self.target),
            ("id_column", self.id_column),
            ("weight_column", self.weight_column),
        )
        for role, column in roles:
            if column is not None and column not in self.columns:
                raise ValueError(
                    f"{role} {column!r} is not a column of the contract "
                    f"(columns: {', '.join(self.columns)})"
                )
        if problem := self._weight_problem():
            raise ValueError(problem)
        marks = self.source.na_values if isinstance(self.source, FileSource) else None
        unknown = [c for c in marks if c not in self.columns] if isinstance(marks, dict) else []
        if unknown:
            raise ValueError(
                f"source.na_values names {', '.join(map(repr, unknown))}, not a column of the "
                f"contract (columns: {', '.join(self.columns)})"
            )
        if self.task == "regression" and self.columns[self.target].dtype not in ("int", "float"):
            raise ValueError(f"task 'regression' needs a numeric target; {self.target!r} is not")
        if not self.feature_columns:
            raise ValueError("the contract has no feature columns besides the target and id")
        return self

    def _weight_problem(self) -> str | None:
        if self.weight_column is None:
            return None
        name, spec = self.weight_column, self.columns[self.weight_column]
        fix = f"in conf/data/{self.name}.yaml"
        if name in (self.target, self.id_column):
            role = "target" if name == self.target else "id_column"
            return f"weight_column {name!r} is also the {role}: name a column of row weights {fix}"
        if spec.dtype not in ("int", "float") or spec.nullable or spec.allow_inf:
            return (
                f"weight_column {name!r} must hold a positive finite number in every row: set "
                f"its dtype to int or float (it is {spec.dtype}), nullable: false and "
                f"allow_inf: false {fix}"
            )
        return None

    @model_validator(mode="after")
    def _checks_in_the_grammar(self) -> DataParams:
        for check in self.checks:
            contract = f"conf/data/{self.name}.yaml"
            if problem := row_check_problem(check.name, check.expr, self.columns, contract):
                raise ValueError(problem)
        return self

    @property
    def feature_columns(self) -> dict[str, ColumnSpec]:
        """Columns the model learns from, in contract order."""
        excluded = {self.target, self.id_column, self.weight_column}
        return {
            name: spec
            for name, spec in self.columns.items()
            if spec.feature and name not in excluded and spec.dtype != "datetime"
        }

    @property
    def text_columns(self) -> list[str]:
        """Columns of text (categories included): CSV readers must keep them as text."""
        return [name for name, spec in self.columns.items() if spec.dtype in ("category", "str")]
