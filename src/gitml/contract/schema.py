"""The data contract: conf/data/<name>.yaml turned into a pandera schema, and what it found.

Validation is lazy (every failure at once). Categorical columns are checked as strings and
only then turned into pandas categories, so an unexpected value is reported instead of being
silently coerced to a missing value.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gitml.config.params import ColumnSpec, DataParams
from gitml.contract.row_checks import require_runnable, row_check
from gitml.contract.strict_types import TypeProblem, strict_types
from gitml.errors import DataError

if TYPE_CHECKING:
    from collections.abc import Iterable

    import pandas as pd
    import pandera.pandas as pa

MAX_SAMPLES = 5
MISSING_COLUMN = "column missing from the data"
UNKNOWN_COLUMN = "column not in the contract"
TABLE_CHECKS = {"column_in_dataframe": MISSING_COLUMN, "column_in_schema": UNKNOWN_COLUMN}
SHOWN_COLUMNS = 30  # of the data's columns listed beside a missing one
# rows validated at a time when progress is shown (see `validate_in_chunks`); a frame this
# small or smaller is validated whole
CHUNK_ROWS = 500_000

NOT_UNIQUE_ID = "id_column is not unique: its values repeat"
ID_FIX = (
    "an id_column names one row; a repeated id such as a person in a panel is a group: set "
    "split.group_column to it and remove id_column, or pick a column that is unique"
)

PANDAS_DTYPES = {
    ("int", False): "int64",
    ("int", True): "Int64",
    ("float", False): "float64",
    ("float", True): "float64",
    ("bool", False): "bool",
    ("bool", True): "boolean",
    ("category", False): "str",
    ("category", True): "str",
    ("str", False): "str",
    ("str", True): "str",
    ("datetime", False): "datetime64[ns]",
    ("datetime", True): "datetime64[ns]",
}


@dataclass(frozen=True)
class Failure:
    """One failed check on one column (or on whole rows), with a few offending values."""

    column: str
    check: str
    count: int
    samples: list[Any]


@dataclass(frozen=True)
class Validation:
    """What validating a frame against its contract found (validation.json)."""

    rows: int
    nulls: dict[str, int]
    failures: list[Failure] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)  # the data's, for the summary only

    @property
    def passed(self) -> bool:
        return not self.failures

    def as_report(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "rows": self.rows,
            "columns": {name: {"nulls": count} for name, count in self.nulls.items()},
            "failures": [vars(failure) for failure in self.failures],
        }

    def summary(self, contract_name: str) -> str:
        """Failures grouped by column and check, for the terminal and the PR report."""
        width = max((len(failure.column) for failure in self.failures), default=0)
        contract = f"conf/data/{contract_name}.yaml"
        lines = [
            f"Data broke the contract {contract}: "
            f"{len(self.failures)} failed check(s) in {self.rows} rows."
        ]
        for failure in self.failures:
            if failure.check in (MISSING_COLUMN, UNKNOWN_COLUMN):  # a column, not rows
                lines.append(f"  {failure.column:<{width}}  {failure.check}")
                continue
            samples = ", ".join(repr(value) for value in failure.samples)
            lines.append(
                f"  {failure.column:<{width}}  {failure.check}: {failure.count} row(s), "
                f"e.g. {samples}"
            )
        checks = {failure.check for failure in self.failures}
        if MISSING_COLUMN in checks:
            shown = ", ".join(self.columns[:SHOWN_COLUMNS])
            more = (
                f", ... ({len(self.columns)} in all)" if len(self.columns) > SHOWN_COLUMNS else ""
            )
            lines.append(
                f"The data has these columns: {shown}{more}. A column missing from the data: "
                f"add it to the data, or rename its entry in {contract} to the data's name for "
                "it (or remove the entry if the model should not have it)."
            )
        if UNKNOWN_COLUMN in checks:
            lines.append(
                f"A column not in the contract: describe it in {contract} (`feature: false` "
                "keeps it out of the model), or drop it from the data."
            )
        lines.append(f"Fix the data, or the rule in {contract} and run `gitml compose`.")
        return "\n".join(lines)


def import_pandera() -> None:
    """Import pandera without its hypothesis-based data synthesis, which gitml never uses.

    When hypothesis is installed (the dev tools bring it), pandera's strategies import it as
    the first validation loads the pandas checks, for `schema.example()`: 0.12-0.14 s of every
    process that validates data. A `None` in sys.modules makes that one import fail as if
    hypothesis were absent, which pandera handles (its strategies then say hypothesis is
    missing); the entry is removed at once, so `import hypothesis` works afterwards.
    """
    if "pandera.strategies.pandas_strategies" in sys.modules or "hypothesis" in sys.modules:
        return
    sys.modules["hypothesis"] = None  # type: ignore[assignment]
    try:
        import pandera.pandas
        import pandera.strategies.pandas_strategies  # noqa: F401
    finally:
        del sys.modules["hypothesis"]


def pandas_dtype(spec: ColumnSpec) -> str:
    return PANDAS_DTYPES[(spec.dtype, spec.nullable)]


def build_schema(data: DataParams, *, uniqueness: bool = True) -> pa.DataFrameSchema:
    """The contract as a pandera schema; `uniqueness=False` leaves out the `unique` checks,
    the only column checks that depend on other rows (see `validate_in_chunks`)."""
    import_pandera()
    import pandera.pandas as pa

    columns = {
        name: _column(name, spec, data, uniqueness=uniqueness)
        for name, spec in data.columns.items()
    }
    dtypes = {name: pandas_dtype(spec) for name, spec in data.columns.items()}
    require_runnable(data.checks, dtypes, f"conf/data/{data.name}.yaml")
    checks = [row_check(check, list(data.columns)) for check in data.checks]
    return pa.DataFrameSchema(columns, checks=checks, strict=True, coerce=True, name=data.name)


def build_feature_schema(data: DataParams) -> pa.DataFrameSchema:
    """The contract's rules for the feature columns alone: what scoring a row needs.

    Other columns (id, target, extras) may be present and are ignored; numbers must also be
    finite, as the service requires. Row checks are training-data quality rules and are not
    applied to rows being scored.
    """
    import_pandera()
    import pandera.pandas as pa

    columns = {}
    for name, spec in data.feature_columns.items():
        column = _column(name, spec, data)
        if spec.allow_inf:  # a column refuses them already otherwise
            column = column.set_checks([*column.checks, _finite_check()])
        columns[name] = column
    return pa.DataFrameSchema(columns, strict=False, coerce=True, name=f"{data.name} features")


def validate_frame(
    frame: pd.DataFrame,
    data: DataParams,
    done: Callable[[int], object] | None = None,
    chunk_rows: int | None = None,
) -> tuple[pd.DataFrame | None, Validation]:
    """Check `frame` against the contract; return the typed frame (None on failure).

    With `done`, the checks run `chunk_rows` (`CHUNK_ROWS`) rows at a time where that gives
    the same result (see `validate_in_chunks`), and `done(rows)` is called as rows pass, for a
    progress bar.
    """
    import_pandera()
    from pandera.errors import SchemaErrors

    _require_target(frame, data)
    found = [str(name) for name in frame.columns]
    # a shallow copy validated in place: pandera's own copy would duplicate every column,
    # while copy-on-write keeps `frame` as it was when a coerced column replaces one
    prepared, problems = strict_types(frame, data.columns)
    failures = [type_failure(problem) for problem in problems]
    id_column = data.id_column
    if id_column in frame and id_column and not data.columns[id_column].unique:
        repeats = repeated_ids(frame[id_column])  # unique: true is pandera's own check
        failures += [repeats] if repeats else []
    try:
        typed = None
        if done is not None:
            typed = validate_in_chunks(prepared, data, chunk_rows or CHUNK_ROWS, done)
        if typed is None:
            typed = build_schema(data).validate(prepared, lazy=True, inplace=True)
            if done is not None:
                done(len(typed))
    except SchemaErrors as exc:
        cases = reportable_cases(exc.failure_cases, problems)
        failures = sorted(failures + _failures(cases), key=_failure_order)
        if not failures:  # never "0 failed checks": say what pandera said
            failures = _failures(exc.failure_cases) or [Failure("(table)", str(exc), 1, [])]
        return None, Validation(len(frame), _nulls(frame, data), failures, found)
    failures += _target_failures(typed, data)
    if failures:
        return None, Validation(len(frame), _nulls(frame, data), failures, found)
    return to_model_dtypes(typed, data), Validation(len(frame), _nulls(frame, data))


def validate_in_chunks(
    prepared: pd.DataFrame, data: DataParams, rows: int, done: Callable[[int], object]
) -> pd.DataFrame | None:
    """`prepared` validated `rows` rows at a time, or None where that could differ from
    validating it whole, which the caller then does.

    Every check of the contract but `unique` looks at one row at a time: a value's type,
    range, allowed values, finiteness, nulls, a row check. Uniqueness is checked on the whole
    coerced frame once every chunk has passed; the target's classes, repeated ids and the
    null counts are checked whole by `validate_frame` anyway. Dates written as text are not
    chunked: pandas infers their format from the first value, which a chunk would change.
    A failing chunk ends it (None): the whole frame is then validated again, so the report
    lists every failure exactly as it would have.
    """
    import pandas as pd
    from pandera.errors import SchemaErrors

    dates = [n for n, spec in data.columns.items() if spec.dtype == "datetime" and n in prepared]
    if len(prepared) <= rows or not all(
        pd.api.types.is_datetime64_dtype(prepared[name]) for name in dates
    ):
        return None
    row_wise = build_schema(data, uniqueness=False)
    parts = []
    for start in range(0, len(prepared), rows):
        try:
            chunk = prepared.iloc[start : start + rows]
            parts.append(row_wise.validate(chunk, lazy=True, inplace=True))
        except SchemaErrors:
            return None
        done(len(parts[-1]))
    typed = pd.concat(parts)
    unique = [name for name, spec in data.columns.items() if spec.unique and name in typed]
    try:
        if unique:  # nothing is coerced here: `inplace` only spares a copy of the frame
            _uniqueness_schema(data, unique).validate(typed[unique], lazy=True, inplace=True)
    except SchemaErrors:
        return None
    return typed


def repeated_ids(values: pd.Series) -> Failure | None:
    """The failure of an `id_column` whose values repeat (gaps aside), else None.

    An id_column names one row: the report matches rows by it and the monitor joins labels on
    it, so a repeated one (a person in a panel) would pair the wrong rows.
    """
    repeated = values.dropna().duplicated(keep=False)
    if not repeated.any():
        return None
    samples = values.dropna()[repeated].drop_duplicates().head(MAX_SAMPLES).tolist()
    return Failure(str(values.name), f"{NOT_UNIQUE_ID} ({ID_FIX})", int(repeated.sum()), samples)


def type_failure(problem: TypeProblem) -> Failure:
    samples = problem.values.drop_duplicates().head(MAX_SAMPLES).tolist()
    return Failure(problem.column, problem.check, len(problem.values), samples)


def to_model_dtypes(frame: pd.DataFrame, data: DataParams) -> pd.DataFrame:
    """Categorical columns become pandas categories (the declared values first, if any)."""
    import numpy as np
    import pandas as pd

    typed = frame.copy(deep=False)  # copy-on-write: replacing columns leaves `frame` as it was
    for name, spec in data.columns.items():
        if spec.dtype == "category" and name in typed:
            # codes from the few distinct values: matching every row against the categories
            # costs several times more on large data
            codes, uniques = pd.factorize(typed[name])  # missing → -1
            categories = category_order(spec, uniques)
            position = {value: index for index, value in enumerate(categories)}
            recode = np.array([position[value] for value in uniques] + [-1])  # -1 stays -1
            typed[name] = pd.Categorical.from_codes(recode[codes], categories=pd.Index(categories))
    return typed


def category_order(spec: ColumnSpec, observed: Iterable[Any]) -> list[str]:
    """A categorical column's categories: the declared values first, then others seen, sorted."""
    declared = [str(value) for value in spec.allowed or []]
    known = set(declared)
    return declared + sorted({value for value in observed if value not in known})


def _column(name: str, spec: ColumnSpec, data: DataParams, *, uniqueness: bool = True) -> pa.Column:
    import pandera.pandas as pa

    checks = []
    if spec.min is not None or spec.max is not None:
        checks.append(_range_check(spec.min, spec.max))
    if name == data.weight_column:
        checks.append(_weight_check())
    if spec.allowed is not None:
        allowed = (
            [str(v) for v in spec.allowed] if spec.dtype in ("category", "str") else spec.allowed
        )
        checks.append(pa.Check.isin(allowed))
    if spec.dtype == "float" and not spec.allow_inf:
        checks.append(_finite_check())
    nullable = spec.nullable and name != data.target
    if spec.unique and nullable and uniqueness:
        checks.append(_nullable_unique_check())
    unique = spec.unique and not nullable and uniqueness
    return pa.Column(pandas_dtype(spec), checks, nullable=nullable, unique=unique, coerce=True)


def _nullable_unique_check() -> pa.Check:
    import pandera.pandas as pa

    # pandera counts missing values as duplicates of each other
    return pa.Check(
        lambda s: ~s.duplicated(keep=False) | s.isna(),
        element_wise=False,
        name="field_uniqueness",  # as pandera names its own
    )


def _uniqueness_schema(data: DataParams, names: list[str]) -> pa.DataFrameSchema:
    """The contract's `unique` checks alone, for a frame already coerced to its types."""
    import pandera.pandas as pa

    columns = {}
    for name, spec in data.columns.items():
        if spec.unique and name in names:
            nullable = spec.nullable and name != data.target
            checks = [_nullable_unique_check()] if nullable else []
            columns[name] = pa.Column(checks=checks, nullable=True, unique=not nullable)
    return pa.DataFrameSchema(columns, name=f"{data.name} uniqueness")


def _finite_check() -> pa.Check:
    import numpy as np
    import pandas as pd
    import pandera.pandas as pa

    return pa.Check(
        lambda s: pd.Series(~np.isinf(s.to_numpy("float64", na_value=np.nan)), index=s.index),
        element_wise=False,
        name="finite: inf and -inf are no numbers to learn from (allow_inf: true accepts them)",
    )


def _weight_check() -> pa.Check:
    import numpy as np
    import pandas as pd
    import pandera.pandas as pa

    # a row's weight multiplies its loss and its share of every metric: zero, negative, inf
    # or NaN would drop, reverse or swamp rows, and scikit-learn refuses some of them
    return pa.Check(
        lambda s: pd.Series(
            np.isfinite(values := s.to_numpy("float64", na_value=np.nan)) & (values > 0),
            index=s.index,
        ),
        element_wise=False,
        name="weight: each row's weight must be a positive finite number (data.weight_column)",
    )


def _range_check(low: float | None, high: float | None) -> pa.Check:
    import pandera.pandas as pa

    if low is not None and high is not None:
        return pa.Check.in_range(low, high)
    if low is not None:
        return pa.Check.ge(low)
    return pa.Check.le(high)


def _require_target(frame: pd.DataFrame, data: DataParams) -> None:
    if data.target not in frame.columns:
        raise DataError(
            f"Target column {data.target!r} is not in the data (columns: "
            f"{', '.join(map(str, frame.columns))}). Set data.target in "
            f"conf/data/{data.name}.yaml to one of them (or, after switching data=, run "
            "ingest again: `dvc repro` does)."
        )
    if frame.empty:
        raise DataError(f"The dataset for {data.name!r} has no rows. Check data.source.path.")


def _target_failures(frame: pd.DataFrame, data: DataParams) -> list[Failure]:
    if data.task == "regression":
        return []
    classes = sorted(frame[data.target].dropna().unique().tolist(), key=str)
    enough = 2 if data.task == "binary" else 3
    if data.task == "binary" and len(classes) > 2:
        check = f"binary target has {len(classes)} classes (task: multiclass takes them)"
        return [Failure(data.target, check, len(frame), classes[:5])]
    if len(classes) < enough:
        check = f"{data.task} target needs at least {enough} classes, found {len(classes)}"
        return [Failure(data.target, check, len(frame), classes)]
    if data.positive_class is not None and data.positive_class not in classes:
        check = f"positive_class {data.positive_class!r} is not a class of the target"
        if isinstance(data.positive_class, bool) and any(isinstance(c, str) for c in classes):
            check += " (YAML reads an unquoted yes/no/on/off as true/false: quote the class)"
        return [Failure(data.target, check, len(frame), classes)]
    return []


def _failures(cases: pd.DataFrame) -> list[Failure]:
    failures = []
    cases = cases.assign(column=cases["column"].fillna("(table)").astype(str))
    table_level = cases["check"].isin(list(TABLE_CHECKS))
    # a missing or unknown column is named as the column, its check as what it is (no rows)
    cases.loc[table_level, "column"] = cases.loc[table_level, "failure_case"].astype(str)
    cases.loc[table_level, "check"] = cases.loc[table_level, "check"].map(TABLE_CHECKS)
    # row-level checks are reported once per column of the row; count each row once
    row_level = (cases["schema_context"] == "DataFrameSchema") & ~table_level
    cases.loc[row_level, "column"] = "(rows)"
    for (column, check), group in cases.groupby(["column", "check"], sort=False):
        if column == "(rows)":
            rows = group.drop_duplicates("index")
            count = len(rows)
            samples = [f"row {index}" for index in rows["index"].head(MAX_SAMPLES)]
        elif check in (MISSING_COLUMN, UNKNOWN_COLUMN):
            count, samples = 1, []  # one column; its name is the failure's column
        else:
            count = len(group)
            samples = group["failure_case"].drop_duplicates().head(MAX_SAMPLES).tolist()
        failures.append(Failure(str(column), str(check), count, samples))
    return sorted(failures, key=_failure_order)


def reportable_cases(cases: pd.DataFrame, problems: list[TypeProblem]) -> pd.DataFrame:
    """pandera's failure cases less the echoes of failures reported otherwise: a bad value's
    stand-in (see strict_types) and a null's failed coercion. Training and `predict` share it."""
    return _drop_null_echoes(_drop_stand_in_echoes(cases, problems))


def _drop_stand_in_echoes(cases: pd.DataFrame, problems: list[TypeProblem]) -> pd.DataFrame:
    """Failure cases without those of the stand-ins strict_types put where values were bad.

    A value that is no boolean or no whole number is reported under that rule; its stand-in
    (False, 0) must not also fail a range, a uniqueness or a row check.
    """
    import numpy as np

    if not problems:
        return cases
    flagged = {(problem.column, index) for problem in problems for index in problem.values.index}
    rows = {index for _, index in flagged}
    on_cell = [(c, i) in flagged for c, i in zip(cases["column"], cases["index"], strict=True)]
    on_row = (cases["schema_context"] == "DataFrameSchema") & cases["index"].isin(rows)
    return cases[~(np.array(on_cell, dtype=bool) | on_row.to_numpy())]


def _drop_null_echoes(cases: pd.DataFrame) -> pd.DataFrame:
    """Failure cases without the coercion failures of nulls already reported as nulls."""
    null_broken = cases.loc[cases["check"] == "not_nullable", "column"]
    echo = cases["column"].isin(null_broken) & cases["failure_case"].isna()
    return cases[~(echo & cases["check"].astype(str).str.match(r"(coerce_)?dtype\("))]


def _failure_order(failure: Failure) -> tuple[str, str]:
    return failure.column, failure.check


def _nulls(frame: pd.DataFrame, data: DataParams) -> dict[str, int]:
    return {name: int(frame[name].isna().sum()) for name in data.columns if name in frame}
