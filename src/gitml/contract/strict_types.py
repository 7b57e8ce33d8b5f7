"""Values pandas would coerce without a word, checked before the contract's own rules.

`astype(bool)` turns any non-empty text into True (`"False"` too) and None into False;
`astype(int)` drops fractions, so 72.5 passes `max: 72`; a code column read as float
(`7`, `12` and a blank) turns `7` into `"7.0"`; and text such as `cheap` in a number column
fails coercion, then the dtype, then every range and row check. Here booleans must be
booleans, numbers numbers, integers whole, and integral floats in a text column are written
without `.0`. Each bad value is
reported as a problem and replaced by a stand-in of the right type in the frame handed on,
so pandera reports it once, under the name of the rule it broke.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from gitml.config.params import ColumnSpec

# the words pydantic (the service) takes for booleans, so both paths accept the same values
TRUE_WORDS = frozenset({"true", "t", "yes", "y", "on", "1"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "off", "0"})
BOOL_RULE = "bool: true/false, yes/no, on/off or 1/0"
INT_RULE = "int: whole numbers only (within ±2^63)"
FLOAT_RULE = "float: numbers only"
EXACT = 2.0**53  # floats are exact integers below this: codes beyond it are left as they are


@dataclass(frozen=True)
class TypeProblem:
    """Values of one column that its declared type does not allow, indexed by row."""

    column: str
    check: str
    values: pd.Series


def strict_types(
    frame: pd.DataFrame, columns: dict[str, ColumnSpec]
) -> tuple[pd.DataFrame, list[TypeProblem]]:
    """`frame` with bool, int and text columns made safe to coerce, and what did not fit."""
    prepared = frame.copy(deep=False)  # copy-on-write: replaced columns leave `frame` intact
    problems = []
    for name, spec in columns.items():
        if name not in frame.columns:
            continue  # a missing column is the schema's to report
        original = frame[name]
        column = _decategorized(original)
        if spec.dtype == "bool":
            safe, bad = _booleans(column)
            rule = BOOL_RULE
        elif spec.dtype == "int":
            safe, bad = _integers(column)
            rule = INT_RULE
        elif spec.dtype == "float":
            safe, bad = _floats(column)
            rule = FLOAT_RULE
        elif spec.dtype in ("category", "str"):
            safe, bad = _text(column), None
        else:
            continue
        if safe is not original:  # setting a column costs: a wide table keeps most as read
            prepared[name] = safe
        if bad is not None and bad.any():
            problems.append(TypeProblem(name, rule, column[bad]))
    return prepared, problems


def _booleans(column: pd.Series) -> tuple[pd.Series, pd.Series | None]:
    """A nullable boolean column, and which values were not booleans (they become False)."""
    import pandas as pd

    if pd.api.types.is_bool_dtype(column):
        return column, None
    codes, uniques = pd.factorize(column)  # few distinct values: parse each once
    parsed = [_boolean(value) for value in uniques]
    known = pd.array([value if value is not None else False for value in parsed] + [pd.NA])
    valid = pd.array([value is not None for value in parsed] + [True])
    values = pd.Series(known[codes], index=column.index, dtype="boolean")
    return values, ~pd.Series(valid[codes], index=column.index, dtype=bool)


def _boolean(value: Any) -> bool | None:
    import numpy as np

    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, numbers.Real):  # numpy's integers and floats too
        return bool(value) if value in (0, 1) else None
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS or word in FALSE_WORDS:
            return word in TRUE_WORDS
    return None


def _integers(column: pd.Series) -> tuple[pd.Series, pd.Series | None]:
    """The column with stand-ins (0) for values that are not 64-bit integers, and which."""
    import numpy as np
    import pandas as pd

    if pd.api.types.is_float_dtype(column):
        if _whole(column.to_numpy(dtype="float64", na_value=np.nan)):
            return column, None  # the common case, in numpy: a Series op per check costs more
        values, bad = column.astype("float64"), None
    elif pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column):
        values, bad = _parsed(column)
    else:
        return column, None  # integers or booleans: nothing fractional here
    finite = values.notna() & np.isfinite(values)
    fractional = finite & ((values != np.floor(values)) | (values.abs() >= 2.0**63))
    bad = fractional if bad is None else bad | fractional
    if not bad.any():
        return column, None
    return values.mask(bad, 0.0), bad


def _whole(values: np.ndarray) -> bool:
    """Whether every finite value is a whole number within ±2^63 (gaps and inf are not
    checked here: the schema's rules are theirs)."""
    import numpy as np

    finite = values[np.isfinite(values)]
    return not ((finite != np.floor(finite)) | (np.abs(finite) >= 2.0**63)).any()


def _floats(column: pd.Series) -> tuple[pd.Series, pd.Series | None]:
    """The column with stand-ins (0.0) for text that is no number, and which."""
    import pandas as pd

    if not (pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)):
        return column, None  # numbers (or booleans, which the dtype check reports)
    values, bad = _parsed(column)
    if not bad.any():
        return column, None
    return values.mask(bad, 0.0), bad


def _parsed(column: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Text as float64, and which values are there but no number (`cheap`, `12,5`, ``)."""
    import pandas as pd

    values = pd.to_numeric(column, errors="coerce").astype("float64")
    return values, values.isna() & column.notna()


def _text(column: pd.Series) -> pd.Series:
    """Integral floats as `7`, not `7.0`: pandas reads a code column with blanks as floats."""
    import numpy as np
    import pandas as pd

    if not pd.api.types.is_float_dtype(column):
        return column
    values = column.to_numpy(dtype="float64", na_value=np.nan)
    finite = np.isfinite(values)
    codes = values[finite]
    if not len(codes) or (codes != np.floor(codes)).any() or (np.abs(codes) >= EXACT).any():
        return column  # real fractions (or beyond exact integers): not integral codes
    text = column.astype("object")  # missing stays NaN, infinities stay themselves
    text[finite] = values[finite].astype("int64").astype(str)
    return text


def _decategorized(column: pd.Series) -> pd.Series:
    """A categorical column as its plain values, so numbers in it are checked as numbers."""
    import pandas as pd

    if not isinstance(column.dtype, pd.CategoricalDtype):
        return column
    categories = column.cat.categories.dtype
    if pd.api.types.is_string_dtype(categories) or pd.api.types.is_object_dtype(categories):
        return column  # text categories: already what text and bool columns hold
    try:
        return column.astype(categories)
    except (TypeError, ValueError):  # integer categories with missing values
        return column.astype("object")
