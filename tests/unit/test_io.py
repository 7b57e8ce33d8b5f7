"""Atomic writes (all or nothing, with the permissions a plain write would give); reading."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from gitml.errors import DataError
from gitml.io import read_table, ungroup_numbers, write_json, write_with


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.mark.usefixtures("umask_022")
def test_a_written_file_gets_the_umask_mode_not_a_private_one(tmp_path: Path) -> None:
    target = tmp_path / "reports" / "metrics.json"
    write_json(target, {"auc": 0.5})
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "metrics.json"
    target.write_text("old")

    def broken(path: Path) -> None:
        path.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_with(target, broken)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]


def test_only_numbers_grouped_by_thousands_lose_their_separators() -> None:
    # pandas' own thousands="," reads '12,5' as 125 and '1,2,3' as 123: silently wrong numbers
    frame = pd.DataFrame(
        {
            "income": ["75,083", "1,234,567.5", "-5", None],
            "mixed": ["75,083", "12,5", "1,2,3", "0,500"],
            "code": ["1,000", "2,000", "3,000", "4,000"],
            "spaced": [" 75,083", "1,234 ", "5", None],
        }
    )

    tidied = ungroup_numbers(frame, ",", ["income", "mixed", "spaced"])

    assert tidied["income"].tolist()[:3] == [75083.0, 1234567.5, -5.0]
    assert tidied["spaced"].tolist()[:3] == [75083, 1234, 5]  # as infer-contract judged it
    assert tidied["income"].isna().tolist() == [False, False, False, True]
    # a column with other text stays text, so the contract's type check names those values
    assert tidied["mixed"].tolist() == ["75083", "12,5", "1,2,3", "0,500"]
    assert tidied["code"].tolist() == frame["code"].tolist()  # not a number column
    assert frame["income"].tolist()[0] == "75,083"  # the input is unchanged


def test_a_folder_or_a_corrupt_file_gets_one_sentence_saying_so(tmp_path: Path) -> None:
    # a dataset folder (as Spark writes) is not a file, and is said to be one
    (tmp_path / "table.parquet").mkdir()
    with pytest.raises(DataError, match=r"^File is a directory, not a file: .*table\.parquet\. "):
        read_table(tmp_path / "table.parquet")

    # a parser's message ends in a full stop of its own: one, not two
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b\n1,2\n3,4,5\n")
    with pytest.raises(DataError) as raised:
        read_table(ragged)
    message = str(raised.value)
    assert "..\n" not in message
    assert ". Check that the file is a valid csv table." in message
    assert ".. Check" not in message
    assert "\n." not in message


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_an_empty_file_is_called_empty_not_unparseable(tmp_path: Path, suffix: str) -> None:
    (path := tmp_path / f"data{suffix}").touch()
    with pytest.raises(DataError, match=r"File is empty \(0 bytes\): .*data\..*a header line"):
        read_table(path)


def test_written_a_row_group_at_a_time_a_table_is_the_same_bytes(tmp_path: Path) -> None:
    import numpy as np

    from gitml.io import ROW_GROUP_ROWS, write_parquet

    # given more rows than one row group holds, of the kinds the stages write
    rows = ROW_GROUP_ROWS + 1000
    codes = np.arange(rows) % 3
    frame = pd.DataFrame(
        {
            "n": np.arange(rows),
            "x": codes / 7,
            "kind": pd.Categorical(np.array(["a", "b", "c"])[codes], categories=["a", "b", "c"]),
            "flag": pd.array(codes == 1, dtype="boolean"),
            "name": pd.Series(np.array(["p", "q"])[codes % 2], dtype="str"),
        }
    ).rename_axis("row_id")
    written: list[int] = []

    write_parquet(tmp_path / "whole.parquet", frame)
    write_parquet(tmp_path / "groups.parquet", frame, done=written.append)

    assert written == [ROW_GROUP_ROWS, 1000]
    whole = (tmp_path / "whole.parquet").read_bytes()
    assert (tmp_path / "groups.parquet").read_bytes() == whole
