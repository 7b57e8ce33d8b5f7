"""What a column of a table holds, for drafting a data contract: dtype, rules, role."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gitml.io import grouped_number

if TYPE_CHECKING:
    import pandas as pd

MAX_CATEGORIES = 50
ID_WORDS = frozenset({"id", "uuid", "guid", "key", "nr"})
# survey and sample weights (`wght`, `fnlwgt`, `pweight`, `sample_weight`): data.weight_column.
# A column called just `weight` may be a measurement (kg), so it is only suggested.
WEIGHT_WORDS = frozenset({"wght", "wgt", "wt", "pweight", "pwt", "weights"})
SHARE_WORDS = frozenset({"pct", "percent", "percentage", "share", "rate", "ratio", "proportion"})
PERCENT_WORDS = frozenset({"pct", "percent", "percentage"})
MIN_GROUPS = 20  # a repeated value named like an id with fewer is a category, not a group
# a code: one token (no spaces) of at most 64 characters holding a digit: C-0012, 7590-VHVEG
CODE = re.compile(r"(?=\S*\d)\S{1,64}")
# digits with number punctuation: 01094, 75,083, 12,5, 75'083, $1,200, 45% (numbers, not codes)
NUMBER_LIKE = re.compile(r"[+-]?[$\u20ac\u00a3]?\d(?:[\d,.']*\d)?%?")
NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?inf(?:inity)?", re.I)
THOUSANDS = ","  # drafted when seen; ' and space are accepted in conf/ but too ambiguous to guess
# words that stand for a missing number (pandas already reads NA, N/A, null, None, nan, ...)
MISSING_WORDS = frozenset(
    {"missing", "unknown", "none", "nil", "na", "n/a", "n.a.", "unk", "not available", "empty"}
)
MISSING_MARK = re.compile(r"[?*./_#\u2013\u2014-]{1,3}")  # ?, -, --, ., ..., *, #: a placeholder
MOSTLY = 0.9  # share of a column's values (besides missing marks) that look like numbers


def column_rules(series: pd.Series) -> dict[str, Any]:
    """The contract rules `series` passes: dtype, nullability, range or allowed values."""
    import numpy as np

    values = series.dropna()
    spec: dict[str, Any] = {"dtype": column_dtype(series), "nullable": bool(series.isna().any())}
    # numpy rather than Series methods in the checks run on every column of a wide table
    if spec["dtype"] == "int" and len(values) and np.isin(values.to_numpy(), [0, 1]).all():
        spec["allowed"] = sorted(plain(value) for value in values.unique())  # a 0/1 flag
    elif spec["dtype"] in ("int", "float") and not values.empty:
        spec |= valid_range(str(series.name), values)
    elif spec["dtype"] == "category" and not values.empty:
        spec["allowed"] = sorted(str(value) for value in values.unique())
    if spec["dtype"] == "datetime":
        spec["feature"] = False
    return spec


def valid_range(name: str, values: pd.Series) -> dict[str, int | float]:
    """The bounds that say what is valid, not what the sample held: `min: 0` for a column
    with no negative value, `max: 100` (or 1) for a share named so (`pct`, `rate`, ...).

    A contract's `min`/`max` refuse a row (in validate, `gitml predict` and the service);
    a value beyond what training saw but valid is drift, which the report and monitor show.
    """
    low, high = plain(values.min()), plain(values.max())
    bounds: dict[str, int | float] = {}
    if low >= 0:
        bounds["min"] = 0
        words = set(_words(name))
        if words & SHARE_WORDS and high <= 100:
            bounds["max"] = 1 if high <= 1 and not words & PERCENT_WORDS else 100
    return bounds


def range_reason(spec: dict[str, Any], values: pd.Series) -> str:
    """Why a numeric column got its bounds, with what the sample held."""
    if values.empty:
        return ""
    seen = f"seen {plain(values.min())} to {plain(values.max())}"
    if "max" in spec:
        return f"min 0, max {spec['max']}: a share; {seen}"
    if "min" in spec:
        return f"min 0: no value below 0 ({seen}); larger values are valid, and show as drift"
    return f"no bounds: negative values too ({seen})"


def column_dtype(series: pd.Series) -> str:
    """Ints stay ints even when they hold 0/1 only; bool is bool dtype or parsed true/false."""
    import numpy as np
    import pandas as pd
    from pandas.api import types

    values = series.dropna()
    if types.is_bool_dtype(series) or types.infer_dtype(values, skipna=True) == "boolean":
        return "bool"  # read_csv turns true/false text into Python bools (object, with gaps)
    if types.is_integer_dtype(series):
        return "int"
    if types.is_float_dtype(series):
        numbers = values.to_numpy(dtype="float64")
        integral = len(numbers) > 0 and bool((numbers == np.round(numbers)).all())
        return "int" if integral and np.abs(numbers).max() < 2**53 else "float"
    if types.is_datetime64_any_dtype(series):
        return "datetime"
    text = values.astype(str)
    looks_like_date = len(text) > 0 and text.str.match(r"^\d{4}-\d{2}-\d{2}").all()
    if looks_like_date and pd.to_datetime(text, errors="coerce", format="ISO8601").notna().all():
        return "datetime"
    distinct = text.nunique()
    return "category" if distinct <= MAX_CATEGORIES and distinct < max(len(text) / 2, 2) else "str"


@dataclass(frozen=True)
class CsvText:
    """What the text of a CSV says about how to read it (see `csv_text`)."""

    # text that marks a missing value → the columns where it does, with its row count in each
    na_values: dict[str, dict[str, int]] = field(default_factory=dict)
    # columns of numbers written with a thousands separator → one such value
    grouped: dict[str, str] = field(default_factory=dict)
    # columns of digits with leading zeros (01094) → one such value
    leading_zeros: dict[str, str] = field(default_factory=dict)
    # columns of numbers that also hold other text (12,5 or cheap) → those values, row counts
    not_numbers: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def thousands(self) -> str | None:
        return THOUSANDS if self.grouped else None

    @property
    def na_values_by_column(self) -> dict[str, list[str]]:
        """The missing-value marks of each column that has any, as source.na_values takes them."""
        by_column: dict[str, list[str]] = {}
        for mark, where in sorted(self.na_values.items()):
            for column in where:
                by_column.setdefault(column, []).append(mark)
        return by_column

    @property
    def number_columns(self) -> list[str]:
        """Columns of numbers written with thousands separators and nothing else."""
        return [column for column in self.grouped if column not in self.not_numbers]

    @property
    def text_columns(self) -> list[str]:
        """Columns to read as text: codes whose zeros matter, numbers mixed with other text."""
        return [*self.leading_zeros, *(c for c in self.not_numbers if c not in self.leading_zeros)]


def csv_text(raw: pd.DataFrame) -> CsvText:
    """How to read a CSV, from its text (`raw`: every column read as text).

    - `na_values`: in a column of numbers, text that is no number but a placeholder: marks
      such as `?`, `-`, `--`, or words such as `n/a`, `missing`, `unknown`, `none`; in a
      column of words, the marks alone (`?` among `north`, `south`): words there are real
      values (`internet_service: none`). Each is read as missing where it was seen so;
    - `grouped`: columns of numbers written with thousands separators (75,083);
    - `leading_zeros`: columns of digits starting with 0 (01094), which numbers would lose;
    - `not_numbers`: text that is not read as a number (12,5, 45%, cheap) in a column that
      is mostly numbers, or looks like them.
    """
    import pandas as pd

    hints = CsvText()
    grouped = grouped_number(THOUSANDS)
    marks: dict[str, dict[str, int]] = {}  # mark → {column: rows}
    for column in raw.columns:
        name = str(column)
        values = raw[column]
        if not isinstance(values.dtype, pd.StringDtype):  # text already: value_counts skips gaps
            values = values.dropna().astype(str)
        counts = {str(v): int(c) for v, c in values.value_counts().items()}
        kind_of = {value: _kind(value, grouped) for value in counts}
        rows = Counter[str]()
        for value, count in counts.items():
            rows[kind_of[value]] += count
        numbers = rows["number"] + rows["grouped"] + rows["number_like"]
        numeric = numbers > 0 and numbers >= MOSTLY * (numbers + rows["other"])
        words = numeric or any(
            any(character.isalnum() for character in value)
            for value, kind in kind_of.items()
            if kind != "mark"
        )  # a column of + and - holds signs, not gaps
        for value, kind in kind_of.items():
            if (kind == "mark" and words) or (kind == "word" and numeric):
                marks.setdefault(value, {})[name] = counts[value]
        if not numeric:
            continue
        others = {v: c for v, c in counts.items() if kind_of[v] in ("number_like", "other")}
        if others:
            hints.not_numbers[name] = others
        examples = {kind: v for v, kind in reversed(kind_of.items())}  # the most frequent
        if "grouped" in examples:
            hints.grouped[name] = examples["grouped"]
        digits = [value.strip() for value, kind in kind_of.items() if kind == "number"]
        zeros = [value for value in digits if len(value) > 1 and value.startswith("0")]
        if zeros and "grouped" not in examples and all(value.isdigit() for value in digits):
            hints.leading_zeros[name] = zeros[0]
    hints.na_values.update(sorted(marks.items()))
    return hints


def _kind(value: str, grouped: re.Pattern[str]) -> str:
    text = value.strip()
    if NUMBER.fullmatch(text):
        return "number"
    if grouped.fullmatch(text):
        return "grouped"
    if NUMBER_LIKE.fullmatch(text):
        return "number_like"
    if MISSING_MARK.fullmatch(text):
        return "mark"
    if text.casefold() in MISSING_WORDS:
        return "word"
    return "other"


def non_features(
    frame: pd.DataFrame, columns: dict[str, dict[str, Any]], target: str
) -> tuple[dict[str, str], dict[str, Any]]:
    """Why each non-feature column is not a feature, and the constant columns' values.

    Not features:
    - identifiers: unique values and a name that says id (`looks_like_id`), or unique strings
      that all look like codes (one token of at most 64 characters with a digit: `C-0012`,
      `7590-VHVEG`). Unique numbers with other names (`age`, `income`) stay features: in a
      small sample many columns are unique; so does text that looks like numbers (`01094`,
      `75,083`, `12,5`), which is not a code;
    - other strings with a different value on every row (free text: nothing to learn);
    - columns with no values at all, and dates (usable as `split.time_column`).
    Constant columns stay features; they are returned so that the caller can say so.
    """
    roles: dict[str, str] = {}
    constants: dict[str, Any] = {}
    for column in frame.columns:
        key, values = str(column), frame[column].dropna()
        if key == target:
            continue
        dtype = columns[key]["dtype"]
        unique = dtype in ("int", "str") and len(values) > 1 and values.is_unique
        if unique and dtype == "str" and values.astype(str).str.fullmatch(NUMBER_LIKE).all():
            unique = looks_like_id(key)  # numbers written as text: an id only if named so
        if values.empty:
            roles[key] = "all values missing"
        elif dtype == "datetime":
            roles[key] = "a date: usable as split.time_column"
        elif weight_kind(key, frame[column], dtype) == "weight":
            roles[key] = "sample weight: named like one, positive numbers in every row"
        elif unique and looks_like_id(key):
            roles[key] = "identifier: unique, named like an id"
        elif dtype in ("int", "str") and looks_like_id(key) and values.nunique() >= MIN_GROUPS:
            roles[key] = (
                f"group identifier: named like an id, {values.nunique()} values repeated over "
                f"{len(values)} rows (e.g. one per person and year); split by it with a group "
                f"split (split.group_column: {key})"
            )
        elif unique and dtype == "str" and values.astype(str).str.fullmatch(CODE).all():
            roles[key] = "identifier: unique codes"
        elif unique and dtype == "str":
            roles[key] = "free text: a different value on every row"
        elif values.nunique() == 1:
            value = values.iloc[0]
            constants[key] = value.item() if hasattr(value, "item") else value
    return roles, constants


def weight_kind(name: str, values: pd.Series, dtype: str) -> str | None:
    """`"weight"` for a survey or sample weight (named so, positive numbers, no gap), `"maybe"`
    for such a column called just `weight` (perhaps a measurement), else None."""
    import numpy as np

    words = _words(name)
    if dtype not in ("int", "float") or not words:
        return None
    if words[-1] in WEIGHT_WORDS or words[-1].endswith("wgt") or words[-2:] == ["sample", "weight"]:
        kind = "weight"
    elif words == ["weight"]:
        kind = "maybe"
    else:
        return None  # the name first: the values of each column of a wide table cost more
    numbers = values.dropna()
    if values.isna().any() or numbers.empty:
        return None
    if not (numbers > 0).all() or not np.isfinite(numbers.to_numpy(dtype=float)).all():
        return None
    return kind


def looks_like_id(name: str) -> bool:
    """Whether a column name says id, case-insensitively: its last word is `id`, `uuid`, `guid`
    or `key`, or its first word is `id` (`id`, `ID`, `customer_id`, `customerId`, `CustomerID`,
    `id_client`, `uuid`, `order_key`; not `paid`, `valid`, `keyword`)."""
    words = _words(name)
    return bool(words) and (words[-1] in ID_WORDS or words[0] == "id")


def _words(name: str) -> list[str]:
    return [w.lower() for w in re.split(r"[^0-9A-Za-z]+|(?<=[a-z])(?=[A-Z])", name) if w]


def plain(value: Any) -> int | float:
    """A numpy or Python number as a plain int (when whole) or float, for YAML."""
    number = value.item() if hasattr(value, "item") else value
    return int(number) if float(number).is_integer() else float(number)
