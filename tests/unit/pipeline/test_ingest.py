from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from gitml.config.params import FileSource, Params
from gitml.errors import DataError
from gitml.io import CsvReading, separator_problem
from gitml.pipeline import ingest
from tests.support.paths import with_paths


def test_synthetic_source_writes_the_raw_table(params: Params, tmp_path: Path) -> None:
    ingest.run(with_paths(params, tmp_path))
    raw = pd.read_parquet(tmp_path / params.paths.raw)
    assert raw.shape == (2000, 16)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_file_source_reads_csv_and_parquet(tmp_path: Path, suffix: str) -> None:
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    path = tmp_path / f"table{suffix}"
    frame.to_csv(path, index=False) if suffix == ".csv" else frame.to_parquet(path)
    loaded = ingest.load_source(FileSource(kind="file", path=str(path)), seed=0)
    pd.testing.assert_frame_equal(loaded, frame, check_dtype=False)


def test_missing_and_unreadable_files_say_what_and_how(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"File not found: .*nope\.csv\. Set data\.source\.path"):
        ingest.load_source(FileSource(kind="file", path=str(tmp_path / "nope.csv")), seed=0)
    bad = tmp_path / "bad.parquet"
    bad.write_text("not parquet")
    with pytest.raises(DataError, match=r"Cannot read .*bad\.parquet as parquet"):
        ingest.load_source(FileSource(kind="file", path=str(bad)), seed=0)
    xls = tmp_path / "book.xlsx"
    xls.write_text("")
    with pytest.raises(DataError, match=r"unsupported file type '\.xlsx'"):
        ingest.load_source(FileSource(kind="file", path=str(xls)), seed=0)


def test_an_empty_file_fails_and_keeps_the_previous_output(params: Params, tmp_path: Path) -> None:
    ingest.run(with_paths(params, tmp_path))
    before = (tmp_path / params.paths.raw).read_bytes()
    empty = tmp_path / "empty.csv"
    empty.write_text("a,b\n")
    source = FileSource(kind="file", path=str(empty))
    broken = with_paths(params, tmp_path).model_copy(
        update={"data": params.data.model_copy(update={"source": source})}
    )
    with pytest.raises(DataError, match="has no rows"):
        ingest.run(broken)
    assert (tmp_path / params.paths.raw).read_bytes() == before


@pytest.mark.parametrize(("separator", "kind"), [(";", "semicolon"), ("\t", "tab"), ("|", "pipe")])
def test_a_csv_with_another_separator_says_so_and_how_to_convert(
    tmp_path: Path, separator: str, kind: str
) -> None:
    # given a CSV that pandas reads as one column
    path = tmp_path / "export.csv"
    path.write_text(
        f"x{separator}label{separator}code\n1{separator}0{separator}007\n2{separator}1{separator}\n",
        encoding="utf-8",
    )
    source = FileSource(kind="file", path=str(path))

    # when ingested, then the message names the separator and the conversion
    with pytest.raises(DataError) as raised:
        ingest.load_source(source, seed=0)
    message, header = str(raised.value), f"x{separator}label{separator}code"
    assert message.startswith(
        f"{path} looks {kind}-separated ({separator!r} in its header {header!r}); "
        "gitml reads comma-separated CSV or Parquet. Convert it, e.g.: uv run python -c "
    )
    # the project's Python (pandas is not in a bare `python`), and DVC told of the new content
    assert message.endswith(
        f", then `uv run dvc add {path}` again so that DVC tracks the converted file."
    )

    # and the conversion it gives works, run by a shell as the user would
    command = (
        message.split("e.g.: ", 1)[1].split(" (if numbers are written", 1)[0].split(", then ", 1)[0]
    )
    assert command.startswith("uv run python -c ")
    # `uv run python` is this Python in the tests
    shell_line = command.replace("uv run python", shlex.quote(sys.executable), 1)
    subprocess.run(["bash", "-c", shell_line], check=True)
    loaded = ingest.load_source(source, seed=0, reading=CsvReading(text_columns=("code",)))
    assert loaded[["x", "label"]].to_dict("list") == {"x": [1, 2], "label": [0, 1]}
    assert loaded["code"].iloc[0] == "007"  # a code keeps its zeros
    assert pd.isna(loaded["code"].iloc[1])  # and an empty field is still missing


def test_a_one_column_csv_without_other_separators_is_read() -> None:
    frame = pd.DataFrame({"only": [1, 2]})
    assert separator_problem(frame, "one.csv") is None


def test_a_csv_is_read_with_the_sources_markers_and_thousands(tmp_path: Path) -> None:
    # given a CSV with '?' for missing values and numbers written with thousands separators
    path = tmp_path / "messy.csv"
    path.write_text(
        'income,score,zip,region\n"75,083",1.5,01094,north\n"1,234,567",?,02110,?\n'
        "512,-2,90210,south\n",
        encoding="utf-8",
    )
    source = FileSource(kind="file", path=str(path), na_values=["?"], thousands=",")

    # when ingested, with zip declared text and income a number by the contract
    reading = CsvReading(
        text_columns=("zip", "region"), na_values=("?",), thousands=",", number_columns=("income",)
    )
    frame = ingest.load_source(source, seed=0, reading=reading)

    # then the numbers are numbers, '?' is missing everywhere, and codes keep their zeros
    assert frame["income"].tolist() == [75083, 1234567, 512]
    assert frame["score"].tolist()[::2] == [1.5, -2.0]
    assert frame["score"].isna().tolist() == [False, True, False]
    assert frame["region"].isna().tolist() == [False, True, False]
    assert frame["zip"].tolist() == ["01094", "02110", "90210"]


def _with_source(params: Params, root: Path, path: Path) -> Params:
    source = FileSource(kind="file", path=str(path))
    moved = with_paths(params, root)
    return moved.model_copy(update={"data": moved.data.model_copy(update={"source": source})})


def test_a_parquet_source_is_copied_byte_for_byte(params: Params, tmp_path: Path) -> None:
    # given a Parquet file as pandas writes it by default (its index 0, 1, ... as metadata)
    source = tmp_path / "table.parquet"
    pd.DataFrame({"a": [3, 1, 2], "b": ["x", None, "z"]}).to_parquet(source)

    # when ingested
    moved = _with_source(params, tmp_path, source)
    ingest.run(moved)

    # then the raw file is the source itself, and reads as the source does
    raw = Path(moved.paths.raw)
    assert raw.read_bytes() == source.read_bytes()
    pd.testing.assert_frame_equal(pd.read_parquet(raw), pd.read_parquet(source))


@pytest.mark.parametrize(
    ("write", "columns"),
    [
        # the contract's id column, stored as the index: it is a column again
        (
            lambda f, p: f.set_index("customer_id").to_parquet(p),
            {"customer_id": [7, 5, 9], "spend": [1.5, 2.5, 3.5]},
        ),
        # the same, but also kept as a column: no second copy
        (
            lambda f, p: f.set_index("customer_id", drop=False).to_parquet(p),
            {"customer_id": [7, 5, 9], "spend": [1.5, 2.5, 3.5]},
        ),
        # an index the contract does not name (gitml's own row_id): dropped
        (
            lambda f, p: f.rename_axis("row_id").to_parquet(p),
            {"customer_id": [7, 5, 9], "spend": [1.5, 2.5, 3.5]},
        ),
        # an unnamed index of shuffled rows: dropped, the rows in the file's order
        (
            lambda f, p: f.iloc[[2, 0, 1]].to_parquet(p),
            {"customer_id": [9, 7, 5], "spend": [3.5, 1.5, 2.5]},
        ),
    ],
)
def test_a_stored_index_is_a_column_only_where_the_contract_names_it(
    params: Params, tmp_path: Path, write: Any, columns: dict[str, list[Any]]
) -> None:
    # given a Parquet file whose index pandas stored
    source = tmp_path / "table.parquet"
    write(pd.DataFrame({"customer_id": [7, 5, 9], "spend": [1.5, 2.5, 3.5]}), source)

    # when ingested, then the rows are numbered 0, 1, 2 and hold the expected columns
    ingest.run(_with_source(params, tmp_path, source))
    raw = pd.read_parquet(tmp_path / params.paths.raw)
    assert raw.index.tolist() == [0, 1, 2]
    assert raw.to_dict("list") == columns


@pytest.mark.parametrize("content", ["empty", "corrupt"])
def test_an_empty_or_corrupt_parquet_fails_and_keeps_the_previous_output(
    params: Params, tmp_path: Path, content: str
) -> None:
    # given a good raw file from an earlier run
    ingest.run(with_paths(params, tmp_path))
    before = (tmp_path / params.paths.raw).read_bytes()
    bad = tmp_path / "bad.parquet"
    if content == "empty":
        pd.DataFrame({"a": pd.Series([], dtype="int64")}).to_parquet(bad)
    else:
        bad.write_bytes(b"PAR1 not really parquet")

    # when the source is replaced by a bad one, then one message and the raw file is kept
    message = "has no rows" if content == "empty" else r"Cannot read .*bad\.parquet as parquet"
    with pytest.raises(DataError, match=message):
        ingest.run(_with_source(params, tmp_path, bad))
    assert (tmp_path / params.paths.raw).read_bytes() == before


def test_on_a_terminal_ingest_shows_the_rows_it_writes_and_writes_the_same_bytes(
    params: Params, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support.terminal import Terminal

    quiet, shown = with_paths(params, tmp_path / "ci"), with_paths(params, tmp_path / "terminal")
    monkeypatch.setenv("CI", "true")
    ingest.run(quiet)
    monkeypatch.delenv("CI")
    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)

    ingest.run(shown)

    drawn = screen.getvalue()
    assert "ingest: writing" in drawn
    assert "2.00k/2.00k" in drawn
    assert " rows/s" in drawn
    assert Path(shown.paths.raw).read_bytes() == Path(quiet.paths.raw).read_bytes()
