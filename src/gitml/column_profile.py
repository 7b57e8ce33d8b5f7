"""What a column of a table holds, for drafting a data contract: dtype, rules, role."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

MAX_CATEGORIES = 50
ID_WORDS = frozenset({"id", "uuid", "guid", "key"})
# a code: one token (no spaces) of at most 64 characters holding a digit: C-0012, 7590-VHVEG
CODE = re.compile(r"(?=\S*\d)\S{1,64}")


def column_rules(series: pd.Series) -> dict[str, Any]:
    """The contract rules `series` passes: dtype, nullability, range or allowed values."""
    values = series.dropna()
    spec: dict[str, Any] = {"dtype": column_dtype(series), "nullable": bool(series.isna().any())}
    if spec["dtype"] == "int" and len(values) and values.isin([0, 1]).all():
        spec["allowed"] = sorted(plain(value) for value in values.unique())  # a 0/1 flag
    elif spec["dtype"] in ("int", "float") and not values.empty:
        spec["min"] = plain(values.min())
        spec["max"] = plain(values.max())
    elif spec["dtype"] == "category" and not values.empty:
        spec["allowed"] = sorted(str(value) for value in values.unique())
    if spec["dtype"] == "datetime":
        spec["feature"] = False
    return spec


def column_dtype(series: pd.Series) -> str:
    """Ints stay ints even when they hold 0/1 only; bool is bool dtype or parsed true/false."""
    import pandas as pd
    from pandas.api import types

    values = series.dropna()
    if types.is_bool_dtype(series) or types.infer_dtype(values, skipna=True) == "boolean":
        return "bool"  # read_csv turns true/false text into Python bools (object, with gaps)
    if types.is_integer_dtype(series):
        return "int"
    if types.is_float_dtype(series):
        integral = len(values) > 0 and bool((values == values.round()).all())
        return "int" if integral and values.abs().max() < 2**53 else "float"
    if types.is_datetime64_any_dtype(series):
        return "datetime"
    text = values.astype(str)
    looks_like_date = len(text) > 0 and text.str.match(r"^\d{4}-\d{2}-\d{2}").all()
    if looks_like_date and pd.to_datetime(text, errors="coerce", format="ISO8601").notna().all():
        return "datetime"
    distinct = text.nunique()
    return "category" if distinct <= MAX_CATEGORIES and distinct < max(len(text) / 2, 2) else "str"


def non_features(
    frame: pd.DataFrame, columns: dict[str, dict[str, Any]], target: str
) -> tuple[dict[str, str], dict[str, Any]]:
    """Why each non-feature column is not a feature, and the constant columns' values.

    Not features:
    - identifiers: unique values and a name that says id (`looks_like_id`), or unique strings
      that all look like codes (one token of at most 64 characters with a digit: `C-0012`,
      `7590-VHVEG`). Unique numbers with other names (`age`, `income`) stay features: in a
      small sample many columns are unique;
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
        if values.empty:
            roles[key] = "all values missing"
        elif dtype == "datetime":
            roles[key] = "a date: usable as split.time_column"
        elif unique and looks_like_id(key):
            roles[key] = "identifier: unique, named like an id"
        elif unique and dtype == "str" and values.astype(str).str.fullmatch(CODE).all():
            roles[key] = "identifier: unique codes"
        elif unique and dtype == "str":
            roles[key] = "free text: a different value on every row"
        elif values.nunique() == 1:
            value = values.iloc[0]
            constants[key] = value.item() if hasattr(value, "item") else value
    return roles, constants


def looks_like_id(name: str) -> bool:
    """Whether a column name says id, case-insensitively: its last word is `id`, `uuid`, `guid`
    or `key`, or its first word is `id` (`id`, `ID`, `customer_id`, `customerId`, `CustomerID`,
    `id_client`, `uuid`, `order_key`; not `paid`, `valid`, `keyword`)."""
    words = [w.lower() for w in re.split(r"[^0-9A-Za-z]+|(?<=[a-z])(?=[A-Z])", name) if w]
    return bool(words) and (words[-1] in ID_WORDS or words[0] == "id")


def plain(value: Any) -> int | float:
    """A numpy or Python number as a plain int (when whole) or float, for YAML."""
    number = value.item() if hasattr(value, "item") else value
    return int(number) if float(number).is_integer() else float(number)
