"""Fuzz the file readers and `validate` with generated CSV and Parquet files: whatever the
file, the CLI gives one clear message and a known exit code, never "failed unexpectedly" (70)."""

from __future__ import annotations

import functools
import io
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gitml import cli
from tests.support.paths import ROOT

COLUMNS = ["a", "b", "c", "f", "y"]
KNOWN_EXITS = {0, 2, 3, 4}
FUZZ = settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

CELL = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["inf", "-inf", "nan", "NaN", "Infinity", "1e400", "-0", "0x1F", "1_000"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", "NA", "null", "True", "false", "yes", "x", "y", "z", "é", "\u00a0"]),
    st.text(alphabet=st.sampled_from(list("ab,\"\n\r;\t\\'é€\ufeff0")), max_size=6),
)
HEADERS = st.sampled_from(
    [
        COLUMNS,
        ["a", "a", "c", "f", "y"],  # a duplicate column
        ["a", "b", "c", "f"],  # no target
        [*COLUMNS, "extra"],
        ["\ufeffa", "b", "c", "f", "y"],  # a BOM left in the name
        [],  # an empty file
    ]
)
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16", "cp1252"])


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(ROOT / "conf", root / "conf")
    (root / "conf/data/fuzz.yaml").write_text(
        "name: fuzz\ntask: binary\ntarget: y\npositive_class: 1\n"
        "source: {kind: file, path: d.csv}\n"
        "columns:\n  a: {dtype: int, min: 0}\n  b: {dtype: float, nullable: true}\n"
        "  c: {dtype: category, allowed: [x, y, z]}\n  f: {dtype: bool}\n"
        "  y: {dtype: int, allowed: [0, 1]}\n"
        "checks:\n  - {name: sane, expr: 'a >= 0 and (isna(b) or abs(b) < 1e300)'}\n"
    )
    with _inside(root):
        assert cli.main(["compose", "data=fuzz"]) == 0
    return root


@contextmanager
def _inside(root: Path) -> Iterator[None]:
    before = os.getcwd()
    os.chdir(root)
    try:
        yield
    finally:
        os.chdir(before)


def _run(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with _inside(project):
        ingest = cli.main(["ingest"])
        validate = cli.main(["validate"]) if ingest == 0 else -1
    err = capsys.readouterr().err
    assert "failed unexpectedly" not in err, err
    assert ingest in KNOWN_EXITS, err
    assert validate in KNOWN_EXITS | {-1}, err


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    header = draw(HEADERS)
    rows = draw(st.lists(st.lists(CELL, max_size=7), max_size=8))
    buffer = io.StringIO()
    if header:
        buffer.write(",".join(header) + "\n")
    for row in rows:
        quoted = [f'"{cell}"' if draw(st.booleans()) else cell for cell in row]
        buffer.write(",".join(quoted) + draw(st.sampled_from(["\n", "\r\n", ""])))
    return buffer.getvalue().encode(draw(ENCODINGS), errors="replace")


@given(content=csv_files())
@FUZZ
def test_no_csv_reaches_failed_unexpectedly(
    project: Path, content: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "d.csv").write_bytes(content)
    _write_source(project, "d.csv")
    _run(project, capsys)
    assert (project / "d.csv").read_bytes() == content  # the source is never rewritten


VALUES = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.sampled_from(["x", "y", "z", "", "0", "1"]),
    st.none(),
)


@st.composite
def parquet_frames(draw: st.DrawFn) -> pd.DataFrame:
    names = draw(HEADERS.filter(bool))
    rows = draw(st.integers(min_value=0, max_value=6))
    columns = {}
    for index, name in enumerate(names):
        kind = draw(st.sampled_from(["int", "float", "bool", "text", "mixed"]))
        strategy = {
            "int": st.integers(min_value=-(2**63), max_value=2**63 - 1),
            "float": st.floats(allow_nan=True, allow_infinity=True),
            "bool": st.booleans(),
            "text": st.text(max_size=4),
            "mixed": VALUES.map(str),
        }[kind]
        columns[f"{name}{'.1' * (name in names[:index])}"] = draw(
            st.lists(strategy, min_size=rows, max_size=rows)
        )
    return pd.DataFrame(columns)


@given(frame=parquet_frames())
@FUZZ
def test_no_parquet_reaches_failed_unexpectedly(
    project: Path, frame: pd.DataFrame, capsys: pytest.CaptureFixture[str]
) -> None:
    frame.to_parquet(project / "d.parquet")
    content = (project / "d.parquet").read_bytes()
    _write_source(project, "d.parquet")
    _run(project, capsys)
    assert (project / "d.parquet").read_bytes() == content


def _write_source(project: Path, path: str) -> None:
    params_file = project / "params.yaml"
    params_file.write_text(_with_source(params_file.read_text(), path))


@functools.cache
def _with_source(text: str, path: str) -> str:
    """params.yaml's text with data.source.path set; the same for every example of a test,
    so PyYAML's pure-Python load and dump (a third of this file's CPU) run once per text."""
    import yaml

    params = yaml.safe_load(text)
    params["data"]["source"]["path"] = path
    return yaml.safe_dump(params, sort_keys=False)
