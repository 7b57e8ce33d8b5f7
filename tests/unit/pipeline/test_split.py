from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gitml.config.params import Params, SplitParams
from gitml.errors import DataError
from gitml.io import write_parquet
from gitml.pipeline.split import split_data
from tests.support.paths import with_paths


@pytest.fixture
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 1000
    return pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "store": rng.integers(0, 40, n),
            "day": rng.integers(0, 100, n),
            "churned": (rng.random(n) < 0.2).astype(int),
        }
    ).rename_axis("row_id")


def _split(strategy: str, **extra: object) -> SplitParams:
    return SplitParams.model_validate({"strategy": strategy, "test_size": 0.25, **extra})


def test_stratified_split_is_disjoint_complete_and_keeps_the_class_balance(
    frame: pd.DataFrame, params: Params
) -> None:
    before = frame.copy()
    train, test = split_data(frame, params.data, _split("auto"), seed=1)
    assert set(train.index).isdisjoint(test.index)
    assert len(train) + len(test) == len(frame)
    assert len(test) == 250
    assert abs(test["churned"].mean() - frame["churned"].mean()) < 0.005
    pd.testing.assert_frame_equal(frame, before)


def test_same_seed_same_split_other_seed_other_split(frame: pd.DataFrame, params: Params) -> None:
    first = split_data(frame, params.data, _split("random"), seed=1)[1]
    again = split_data(frame, params.data, _split("random"), seed=1)[1]
    other = split_data(frame, params.data, _split("random"), seed=2)[1]
    assert list(first.index) == list(again.index)
    assert list(first.index) != list(other.index)


def test_group_split_never_puts_a_group_on_both_sides(frame: pd.DataFrame, params: Params) -> None:
    train, test = split_data(frame, params.data, _split("group", group_column="store"), seed=1)
    assert set(train["store"]).isdisjoint(test["store"])
    assert not test.empty


def test_group_split_test_size_is_a_share_of_rows_not_of_groups(
    params: Params, caplog: pytest.LogCaptureFixture
) -> None:
    # one store holds half the rows: a quarter of the groups could be most of the data
    stores = np.r_[np.zeros(500, dtype=int), np.repeat(np.arange(1, 51), 10)]
    frame = pd.DataFrame({"store": stores, "churned": np.arange(1000) % 2, "x": 0.0})
    for seed in range(5):
        train, test = split_data(frame, params.data, _split("group", group_column="store"), seed)
        assert set(train["store"]).isdisjoint(test["store"])
        assert 0 not in set(test["store"])  # taking the big store would overshoot by far
        assert len(test) == 250
    assert "not split.test_size" not in caplog.text
    two = frame.assign(store=(frame.index < 900).astype(int))  # 900 and 100 rows
    with caplog.at_level(logging.WARNING):
        _, test = split_data(two, params.data, _split("group", group_column="store"), seed=0)
    assert len(test) == 100
    assert "put 10% of the rows in the test set, not split.test_size 25%" in caplog.text


def test_when_every_group_is_too_big_the_seed_picks_the_test_group(params: Params) -> None:
    frame = pd.DataFrame({"store": np.repeat(["a", "b"], 100), "churned": 0, "x": 0.0})
    frame.loc[::2, "churned"] = 1
    picked = {
        split_data(frame, params.data, _split("group", group_column="store"), seed)[1]["store"]
        .unique()
        .item()
        for seed in range(12)
    }
    assert picked == {"a", "b"}  # 100 rows each, 50 wanted: either, by seed


def test_time_split_tests_on_the_latest_rows(frame: pd.DataFrame, params: Params) -> None:
    train, test = split_data(frame, params.data, _split("time", time_column="day"), seed=1)
    assert train["day"].max() < test["day"].min()
    assert 0.2 < len(test) / len(frame) < 0.3


def test_a_time_split_on_whole_years_warns_with_the_share_it_took(
    params: Params, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from gitml.pipeline import split

    # given a panel of 4 years of 250 rows each, split by year with test_size 0.2
    rng = np.random.default_rng(0)
    years = np.repeat([2006, 2007, 2008, 2009], 250)
    panel = pd.DataFrame({"year": years, "churned": (rng.random(1000) < 0.3).astype(int)})
    time = params.split.model_copy(update={"strategy": "time", "time_column": "year"})
    paths = with_paths(params, tmp_path).model_copy(update={"split": time})
    write_parquet(paths.paths.validated, panel)

    # when
    with caplog.at_level(logging.WARNING, logger="gitml"):
        split.run(paths)

    # then the last whole year (25%) is the test set, and the log says so
    assert len(pd.read_parquet(paths.paths.test)) == 250
    assert (
        "split: rows with the same year stay on one side, so the test set (year from 2009 on) "
        "holds 25% of the rows, not split.test_size 20%: 'year' has few distinct values (4, "
        "such as whole years). Lower split.test_size, or split on a finer time column."
    ) in [r.getMessage() for r in caplog.records]


def test_a_time_split_that_takes_its_share_says_nothing(
    frame: pd.DataFrame, params: Params, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="gitml"):
        split_data(frame.assign(day=range(1000)), params.data, _split("time", time_column="day"), 1)
    assert not [r for r in caplog.records if "stay on one side" in r.getMessage()]


def test_a_class_with_one_row_cannot_be_stratified(frame: pd.DataFrame, params: Params) -> None:
    rare = frame.assign(churned=0)
    rare.loc[0, "churned"] = 1
    with pytest.raises(DataError, match=r"class\(es\) \[1\] have a single row.*strategy=random"):
        split_data(rare, params.data, _split("stratified"), seed=1)


@pytest.mark.parametrize(("rows", "size"), [(999, 0.2), (37, 0.3), (10, 0.5)])
def test_stratified_test_set_has_exactly_the_requested_share(
    frame: pd.DataFrame, params: Params, rows: int, size: float
) -> None:
    subset = frame.head(rows)
    split = SplitParams.model_validate({"strategy": "stratified", "test_size": size})
    train, test = split_data(subset, params.data, split, seed=0)
    assert len(test) == -(-rows * size // 1)  # ceil, as scikit-learn does
    assert set(test["churned"]) == set(train["churned"]) == set(subset["churned"])


@pytest.mark.parametrize(
    ("strategy", "extra"),
    [("random", {}), ("group", {"group_column": "store"}), ("time", {"time_column": "day"})],
)
def test_a_class_only_in_the_test_set_is_refused(
    frame: pd.DataFrame, params: Params, strategy: str, extra: dict[str, str]
) -> None:
    # given class 2 only on rows that every strategy puts in the test set
    rare = frame.copy()
    test_rows = split_data(frame, params.data, _split(strategy, **extra), seed=1)[1].index[:3]
    rare.loc[test_rows, "churned"] = 2
    # then
    with pytest.raises(
        DataError,
        match=rf"^The {strategy} split put every row of class\(es\) 2 \(3 rows\) of 'churned' in "
        r"the test set.*Add rows of those classes, drop them from the data, or set "
        r"split\.strategy=stratified\.$",
    ):
        split_data(rare, params.data, _split(strategy, **extra), seed=1)


def test_a_small_test_set_is_a_one_line_warning(
    frame: pd.DataFrame, params: Params, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from gitml.pipeline import split

    # given 15 rows: a 3-row test set
    paths = with_paths(params, tmp_path)
    write_parquet(paths.paths.validated, frame.head(15).assign(churned=[0, 1] * 7 + [0]))
    # when
    with caplog.at_level(logging.WARNING, logger="gitml"):
        split.run(paths)
    # then
    [record] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert record.levelno == logging.WARNING
    assert record.getMessage() == (
        "The test set has 3 rows (fewer than 50) and fewer than 5 rows of class(es) 0 (2 rows), "
        "1 (1 row): its metrics will be mostly noise. Add rows, or raise split.test_size "
        "(now 0.2)."
    )


def test_a_class_with_few_test_rows_is_a_warning_a_large_test_set_is_not(
    frame: pd.DataFrame, params: Params
) -> None:
    from gitml.pipeline.split import small_test_set_warning

    train, test = split_data(frame, params.data, _split("stratified"), seed=1)
    assert small_test_set_warning(train, test, params.data, 0.25) is None
    rare = test.copy()
    rare.loc[rare.index[:4], "churned"] = 2
    assert small_test_set_warning(train, rare, params.data, 0.25) == (
        "The test set has fewer than 5 rows of class(es) 2 (4 rows): its metrics will be mostly "
        "noise. Add rows, or raise split.test_size (now 0.25)."
    )


def test_on_a_terminal_split_shows_the_rows_it_writes_and_writes_the_same_bytes(
    frame: pd.DataFrame, params: Params, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from gitml.pipeline import split
    from tests.support.terminal import Terminal

    quiet, shown = with_paths(params, tmp_path / "ci"), with_paths(params, tmp_path / "terminal")
    for paths in (quiet, shown):
        write_parquet(paths.paths.validated, frame)
    monkeypatch.setenv("CI", "true")
    split.run(quiet)
    monkeypatch.delenv("CI")
    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)

    split.run(shown)

    drawn = screen.getvalue()
    assert "split: writing" in drawn
    assert "1.00k/1.00k" in drawn
    assert " rows/s" in drawn
    for output in ("train", "test"):
        written = Path(getattr(shown.paths, output)).read_bytes()
        assert written == Path(getattr(quiet.paths, output)).read_bytes()
