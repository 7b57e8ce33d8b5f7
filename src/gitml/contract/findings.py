"""What validating data against its contract found: each failed check with its count, a few
offending values and the rows they are on, and the summary that the terminal and the PR
report show. pandera's failure cases become these; `gitml predict` shares the reading.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

    import pandas as pd

    from gitml.contract.strict_types import TypeProblem

MAX_SAMPLES = 5
MISSING_COLUMN = "column missing from the data"
UNKNOWN_COLUMN = "column not in the contract"
TABLE_CHECKS = {"column_in_dataframe": MISSING_COLUMN, "column_in_schema": UNKNOWN_COLUMN}
SHOWN_COLUMNS = 30  # of the data's columns listed beside a missing one
NOT_UNIQUE_ID = "id_column is not unique: its values repeat"
ID_FIX = (
    "an id_column names one row; a repeated id such as a person in a panel is a group: set "
    "split.group_column to it and remove id_column, or pick a column that is unique"
)


@dataclass(frozen=True)
class Failure:
    """One failed check on one column (or on whole rows), with a few offending values and the
    first rows they are on (counting from 0 in the data's order: a CSV's line is row + 2)."""

    column: str
    check: str
    count: int
    samples: list[Any]
    rows: list[int] = field(default_factory=list)


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
                f"e.g. {samples}{_at_rows(failure)}"
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
        if any(failure.rows for failure in self.failures):
            lines.append(
                "Rows count from 0 in the data's order (in a CSV with a header, line = row + 2)."
            )
        lines.append(f"Fix the data, or the rule in {contract} and run `gitml compose`.")
        return "\n".join(lines)


def _at_rows(failure: Failure) -> str:
    if not failure.rows or failure.column == "(rows)":  # whole rows: the samples are the rows
        return ""
    more = ", ..." if failure.count > len(failure.rows) else ""
    return f" (row {', '.join(map(str, failure.rows))}{more})"


def first_rows(labels: Iterable[Any]) -> list[int]:
    """The first MAX_SAMPLES distinct row numbers among a failure's index labels (a column's
    wrong dtype is on no row: pandera gives it no label)."""
    import numpy as np

    rows: list[int] = []
    for label in labels:
        whole = isinstance(label, int | np.integer) and not isinstance(label, bool | np.bool_)
        if isinstance(label, float | np.floating) and float(label).is_integer():
            whole = True  # a label column with gaps holds its numbers as floats
        if whole and int(label) not in rows:
            rows.append(int(label))
            if len(rows) == MAX_SAMPLES:
                break
    return rows


def repeated_ids(values: pd.Series) -> Failure | None:
    """The failure of an `id_column` whose values repeat (gaps aside), else None.

    An id_column names one row: the report matches rows by it and the monitor joins labels on
    it, so a repeated one (a person in a panel) would pair the wrong rows.
    """
    repeated = values.dropna().duplicated(keep=False)
    if not repeated.any():
        return None
    present = values.dropna()
    samples = present[repeated].drop_duplicates().head(MAX_SAMPLES).tolist()
    rows = first_rows(present.index[repeated.to_numpy()])
    check = f"{NOT_UNIQUE_ID} ({ID_FIX})"
    return Failure(str(values.name), check, int(repeated.sum()), samples, rows)


def type_failure(problem: TypeProblem) -> Failure:
    samples = problem.values.drop_duplicates().head(MAX_SAMPLES).tolist()
    rows = first_rows(problem.values.index)
    return Failure(problem.column, problem.check, len(problem.values), samples, rows)


def failures_from_cases(cases: pd.DataFrame) -> list[Failure]:
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
        failures.append(
            Failure(str(column), str(check), count, samples, first_rows(group["index"]))
        )
    return sorted(failures, key=failure_order)


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


def failure_order(failure: Failure) -> tuple[str, str]:
    return failure.column, failure.check
