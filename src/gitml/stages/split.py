"""Stage `split`: validated data → train and test sets (stratified, random, group or time)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from gitml.config import DataParams, Params, SplitParams
from gitml.errors import DataError
from gitml.io import read_table, write_parquet

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)


def split_data(
    frame: pd.DataFrame, data: DataParams, split: SplitParams, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split rows into (train, test); groups never straddle, time order is kept when asked."""
    strategy = split.strategy
    if strategy == "auto":
        strategy = "random" if data.task == "regression" else "stratified"
    if strategy == "time":
        train, test = _by_time(frame, str(split.time_column), split.test_size)
    elif strategy == "group":
        train, test = _by_group(frame, str(split.group_column), split.test_size, seed)
    else:
        stratify = frame[data.target] if strategy == "stratified" else None
        train, test = _by_row(frame, data, stratify, split.test_size, seed)
    _check_sets(train, test, data, strategy)
    return train.sort_index(), test.sort_index()


def run(params: Params) -> None:
    frame = read_table(params.paths.validated)
    train, test = split_data(frame, params.data, params.split, params.seed)
    write_parquet(params.paths.train, train)
    write_parquet(params.paths.test, test)
    logger.info("split: %d train rows, %d test rows", len(train), len(test))


def _by_row(
    frame: pd.DataFrame, data: DataParams, stratify: pd.Series | None, size: float, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    from sklearn.model_selection import train_test_split

    if stratify is not None:
        counts = stratify.value_counts()
        rare = counts[counts < 2]
        if not rare.empty:
            raise DataError(
                f"Cannot stratify on {data.target!r}: class(es) {rare.index.tolist()} have a "
                "single row. Add rows, drop the class, or set split.strategy=random."
            )
    try:
        train, test = train_test_split(frame, test_size=size, random_state=seed, stratify=stratify)
    except ValueError as exc:
        raise DataError(f"Cannot split {len(frame)} rows with test_size={size}: {exc}") from exc
    return train, test


def _by_group(
    frame: pd.DataFrame, column: str, size: float, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    from sklearn.model_selection import GroupShuffleSplit

    groups = frame[column]
    if groups.isna().any():
        raise DataError(
            f"split.group_column {column!r} has {int(groups.isna().sum())} missing values; "
            "every row needs a group. Fill them or mark the column nullable: false."
        )
    if groups.nunique() < 2:
        raise DataError(f"split.group_column {column!r} has fewer than 2 groups; cannot split.")
    splitter = GroupShuffleSplit(n_splits=1, test_size=size, random_state=seed)
    train_rows, test_rows = next(splitter.split(frame, groups=groups))
    return frame.iloc[train_rows], frame.iloc[test_rows]


def _by_time(frame: pd.DataFrame, column: str, size: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The latest `size` share of rows is the test set; rows sharing a timestamp stay together."""
    times = frame[column]
    if times.isna().any():
        raise DataError(
            f"split.time_column {column!r} has {int(times.isna().sum())} missing values; "
            "a time split needs a time for every row."
        )
    cutoff = times.sort_values().iloc[int(len(frame) * (1 - size))]
    return frame[times < cutoff], frame[times >= cutoff]


def _check_sets(train: pd.DataFrame, test: pd.DataFrame, data: DataParams, strategy: str) -> None:
    if train.empty or test.empty:
        raise DataError(
            f"The {strategy} split left the {'train' if train.empty else 'test'} set empty. "
            "Change split.test_size or add rows."
        )
    if data.task != "regression" and train[data.target].nunique() < 2:
        raise DataError(
            f"The train set has a single class of {data.target!r} after the {strategy} split. "
            "Change the split or add rows of the other classes."
        )
