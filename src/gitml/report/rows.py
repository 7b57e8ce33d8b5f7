"""Which rows two tables share: by the contract's id column, else by the rows' content.

One matching for every question the report asks of two tables: which rows a data PR added or
removed, which kept their id but changed values, and which of the branch's test rows the
baseline model trained on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Changed:
    """Rows present on both sides (same id) whose values differ."""

    rows: int  # rows with at least one changed value
    matched: int  # rows present on both sides
    columns: dict[str, int] = field(default_factory=dict)  # column → rows changed, target first


def by_id(before: pd.DataFrame, after: pd.DataFrame, id_column: str | None) -> bool:
    """Rows are matched by id when the contract names an id column both sides have."""
    return bool(id_column) and id_column in before and id_column in after


def matched_by(before: pd.DataFrame, after: pd.DataFrame, id_column: str | None) -> str:
    """How rows were matched, in words for the report."""
    return f"by `{id_column}`" if by_id(before, after, id_column) else "by content"


def keys(
    before: pd.DataFrame,
    after: pd.DataFrame,
    id_column: str | None,
    columns: Sequence[str] | None = None,
) -> tuple[pd.Series, pd.Series] | None:
    """One key per row of each side: its id as text (the same id read as 7 or "7" matches),
    else a hash of its content over `columns` (default: every column both sides have).
    None when no column is shared: rows of no columns would all hash alike, so all "match"."""
    import pandas as pd

    if by_id(before, after, id_column):
        column = str(id_column)
        return before[column].astype(str), after[column].astype(str)
    wanted = list(columns) if columns is not None else list(after.columns)
    common = [column for column in wanted if column in before and column in after]
    if not common:
        return None
    old = pd.util.hash_pandas_object(_plain(before[common]), index=False)
    new = pd.util.hash_pandas_object(_plain(after[common]), index=False)
    return old, new


def row_changes(
    before: pd.DataFrame, after: pd.DataFrame, id_column: str | None
) -> tuple[int, int]:
    """(added, removed): by id when the contract names one, else by the rows' content over the
    columns both sides have (as a multiset: a duplicated row counts twice); with no column in
    common (another dataset), no row is shared."""
    pair = keys(before, after, id_column)
    if pair is None:
        return len(after), len(before)
    if by_id(before, after, id_column):
        old_ids, new_ids = set(pair[0]), set(pair[1])
        return len(new_ids - old_ids), len(old_ids - new_ids)
    old_counts, new_counts = pair[0].value_counts(), pair[1].value_counts()
    union = old_counts.index.union(new_counts.index)
    old, new = old_counts.reindex(union, fill_value=0), new_counts.reindex(union, fill_value=0)
    difference = (new - old).to_numpy()
    return int(np.clip(difference, 0, None).sum()), int(np.clip(-difference, 0, None).sum())


def seen_in(
    rows: pd.DataFrame,
    other: pd.DataFrame,
    id_column: str | None,
    columns: Sequence[str] | None = None,
) -> np.ndarray:
    """Which of `rows` also appear in `other` (a boolean per row of `rows`), matched as in
    `keys`; with no column in common, none does."""
    pair = keys(other, rows, id_column, columns)
    if pair is None:
        return np.zeros(len(rows), dtype=bool)
    return np.asarray(pair[1].isin(set(pair[0])).to_numpy(), dtype=bool)


def changed_values(
    before: pd.DataFrame, after: pd.DataFrame, id_column: str | None, target: str | None = None
) -> Changed | None:
    """Rows kept under the same id whose values changed, per column (the target first, then
    the most changed). None without an id to match on: then a changed row is a removed row
    plus an added one (`row_changes` by content). An id present twice on a side is matched
    by its first row."""
    if not by_id(before, after, id_column):
        return None
    column = str(id_column)
    old = _plain(before.drop_duplicates(column).set_index(column))
    new = _plain(after.drop_duplicates(column).set_index(column))
    # ids compared as text, like `keys`
    old.index, new.index = old.index.astype(str), new.index.astype(str)
    shared = old.index.intersection(new.index)
    common = [c for c in new.columns if c in old.columns]
    old, new = old.loc[shared, common], new.loc[shared, common]
    differs = {c: _differs(old[c], new[c]) for c in common}
    counts = {c: int(mask.sum()) for c, mask in differs.items() if mask.any()}
    order = sorted(counts, key=lambda c: (c != target, -counts[c], common.index(c)))
    any_changed = np.zeros(len(shared), dtype=bool)
    for mask in differs.values():
        any_changed |= mask
    return Changed(int(any_changed.sum()), len(shared), {c: counts[c] for c in order})


def _differs(old: pd.Series, new: pd.Series) -> np.ndarray:
    """Values that differ; missing on both sides is no change, and 1 equals 1.0."""
    # nullable dtypes compare to <NA> when a side is missing: that is a change
    equal = (old == new).fillna(False).astype(bool) | (old.isna() & new.isna())
    return ~np.asarray(equal.to_numpy(), dtype=bool)


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Same content, same hash: raw strings and validated categoricals hash alike."""
    return frame.astype({c: object for c in frame.columns if frame[c].dtype == "category"})
