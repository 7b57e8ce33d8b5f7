"""Stage `split`: validated data → train and test sets (stratified, random, group or time)."""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING

import numpy as np

from gitml import progress
from gitml.config.params import DataParams, Params, SplitParams
from gitml.errors import DataError
from gitml.io import read_table, write_parquet
from gitml.ml.preflight import class_counts, describe_counts, small_test_set, unseen_classes

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)

TIME_SHARE_SLACK = 1.1  # a time split whose test share exceeds test_size by more warns


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


def small_test_set_warning(
    train: pd.DataFrame, test: pd.DataFrame, data: DataParams, test_size: float
) -> str | None:
    """One line saying the test set is too small for its metrics to mean much, or None."""
    counts = None
    if data.task != "regression":
        # a class the model learnt but the test set lacks counts as 0 rows
        learnt = dict.fromkeys(class_counts(train[data.target]), 0)
        counts = learnt | class_counts(test[data.target])
    problems = small_test_set(len(test), counts)
    if not problems:
        return None
    return (
        f"The test set has {problems}: its metrics will be mostly noise. "
        f"Add rows, or raise split.test_size (now {test_size})."
    )


def run(params: Params) -> None:
    frame = read_table(params.paths.validated)
    train, test = split_data(frame, params.data, params.split, params.seeds.split)
    with progress.bar(len(train) + len(test), "split: writing") as shown:
        done = shown.update if progress.wanted() else None  # row group by row group
        write_parquet(params.paths.train, train, done=done)
        write_parquet(params.paths.test, test, done=done)
    logger.info("split: %d train rows, %d test rows", len(train), len(test))
    warning = small_test_set_warning(train, test, params.data, params.split.test_size)
    if warning:
        logger.warning("%s", warning)


def _by_row(
    frame: pd.DataFrame, data: DataParams, stratify: pd.Series | None, size: float, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    # plain NumPy: importing scikit-learn would cost this stage a second of start-up
    import pandas as pd

    rng = np.random.default_rng(seed)
    n_test = math.ceil(size * len(frame))
    if stratify is None:
        test_rows = rng.permutation(len(frame))[:n_test]
    else:
        # np.unique's codes by hashing: the same sorted labels, without sorting every row
        codes, labels = pd.factorize(stratify.to_numpy(), sort=True)
        counts = np.bincount(codes)
        if (counts < 2).any():
            raise DataError(
                f"Cannot stratify on {data.target!r}: class(es) {labels[counts < 2].tolist()} "
                "have a single row. Add rows, drop the class, or set split.strategy=random."
            )
        quotas = _largest_remainder(counts * size, n_test)
        quotas = np.clip(quotas, 1, counts - 1)  # every class on both sides
        test_rows = np.concatenate(
            [rng.permutation(np.flatnonzero(codes == c))[:k] for c, k in enumerate(quotas)]
        )
    return _take(frame, test_rows)


def _by_group(
    frame: pd.DataFrame, column: str, size: float, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    groups = frame[column]
    if groups.isna().any():
        raise DataError(
            f"split.group_column {column!r} has {int(groups.isna().sum())} missing values; "
            "every row needs a group. Fill them or mark the column nullable: false."
        )
    if groups.nunique() < 2:
        raise DataError(f"split.group_column {column!r} has fewer than 2 groups; cannot split.")
    import pandas as pd

    # whole groups, in random order, until the test set holds about `size` of the rows
    # (not of the groups: a few large groups would otherwise make it far bigger or smaller)
    codes, names = pd.factorize(groups, sort=True)  # the same groups whatever the row order
    sizes = np.bincount(codes, minlength=len(names))
    order = np.random.default_rng(seed).permutation(len(names))
    goal, total, chosen, smallest = size * len(frame), 0, [], int(sizes.min())
    for group in order.tolist():
        if total + sizes[group] <= goal or total + sizes[group] - goal < goal - total:
            chosen.append(group)  # a group that overshoots is taken only if it lands closer
            total += sizes[group]
        if goal - total <= smallest / 2 or len(chosen) == len(names) - 1:
            break  # no group left could bring it closer
    if not chosen:  # every group overshoots by more than it would fill: the smallest, by seed
        chosen = [int(order[np.argmin(sizes[order])])]
    test = np.isin(codes, chosen)
    share = test.mean()
    if not size / 2 <= share <= min(size * 1.5, 1):
        logger.warning(
            "split: whole groups of %r put %.0f%% of the rows in the test set, not "
            "split.test_size %.0f%%: its groups are few or large.",
            column,
            100 * share,
            100 * size,
        )
    return _take(frame, np.flatnonzero(test))


def _take(frame: pd.DataFrame, test_rows: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    in_test = np.zeros(len(frame), dtype=bool)
    in_test[test_rows] = True
    return frame[~in_test], frame[in_test]


def _largest_remainder(shares: np.ndarray, total: int) -> np.ndarray:
    """Integers proportional to `shares` that add up to `total`."""
    floors: np.ndarray = np.floor(shares).astype(int)
    order = np.argsort(-(shares - floors), kind="stable")
    floors[order[: total - floors.sum()]] += 1
    return floors


def _by_time(frame: pd.DataFrame, column: str, size: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The latest `size` share of rows is the test set; rows sharing a timestamp stay together."""
    times = frame[column]
    if times.isna().any():
        raise DataError(
            f"split.time_column {column!r} has {int(times.isna().sum())} missing values; "
            "a time split needs a time for every row."
        )
    cutoff = times.sort_values().iloc[int(len(frame) * (1 - size))]
    in_test = times >= cutoff
    share = float(in_test.mean())
    if share > size * TIME_SHARE_SLACK:
        logger.warning(
            "split: rows with the same %s stay on one side, so the test set (%s from %s on) "
            "holds %.0f%% of the rows, not split.test_size %.0f%%: %r has few distinct values "
            "(%d, such as whole years). Lower split.test_size, or split on a finer time column.",
            column,
            column,
            cutoff,
            100 * share,
            100 * size,
            column,
            times.nunique(),
        )
    return frame[~in_test], frame[in_test]


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
    if data.task != "regression":
        test_only = unseen_classes(test[data.target], set(train[data.target].unique().tolist()))
        if test_only:
            raise DataError(
                f"The {strategy} split put every row of class(es) {describe_counts(test_only)} "
                f"of {data.target!r} in the test set, so the model would never learn them and "
                "could not be scored on them. Add rows of those classes, drop them from the "
                "data, or set split.strategy=stratified."
            )
