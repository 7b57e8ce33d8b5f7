"""The data contract: conf/data/<name>.yaml turned into a pandera schema, and what it found.

Validation is lazy (every failure at once). Categorical columns are checked as strings and
only then turned into pandas categories, so an unexpected value is reported instead of being
silently coerced to a missing value.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from gitml.config.params import ColumnSpec, DataParams
from gitml.contract.findings import (
    Failure,
    Validation,
    failure_order,
    failures_from_cases,
    repeated_ids,
    reportable_cases,
    type_failure,
)
from gitml.contract.row_checks import require_runnable, row_check
from gitml.contract.strict_types import strict_types
from gitml.errors import DataError

if TYPE_CHECKING:
    from collections.abc import Iterable

    import pandas as pd
    import pandera.pandas as pa

# rows validated at a time when progress is shown (see `validate_in_chunks`); a frame this
# small or smaller is validated whole
CHUNK_ROWS = 500_000

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
        failures = sorted(failures + failures_from_cases(cases), key=failure_order)
        if not failures:  # never "0 failed checks": say what pandera said
            failures = failures_from_cases(exc.failure_cases) or [
                Failure("(table)", str(exc), 1, [])
            ]
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


def _nulls(frame: pd.DataFrame, data: DataParams) -> dict[str, int]:
    return {name: int(frame[name].isna().sum()) for name in data.columns if name in frame}
