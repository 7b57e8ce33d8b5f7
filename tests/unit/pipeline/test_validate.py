from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from gitml.config.params import Params
from gitml.errors import ContractError
from gitml.io import read_json, write_parquet
from gitml.ml.synthetic import generate_churn
from gitml.pipeline import validate
from tests.support.paths import with_paths


def _stage(params: Params, tmp_path: Path, raw: pd.DataFrame) -> Params:
    moved = with_paths(params, tmp_path)
    Path(moved.paths.raw).parent.mkdir(parents=True, exist_ok=True)
    write_parquet(moved.paths.raw, raw)
    return moved


def test_valid_rows_are_written_typed_with_their_report(params: Params, tmp_path: Path) -> None:
    moved = _stage(params, tmp_path, generate_churn(300, 3))
    validate.run(moved)
    typed = pd.read_parquet(moved.paths.validated)
    assert typed.index.name == "row_id"
    assert len(typed) == 300
    assert isinstance(typed["contract"].dtype, pd.CategoricalDtype)
    report = read_json(moved.paths.validation_report)
    assert report["passed"] is True
    assert report["rows"] == 300


def test_broken_rows_fail_with_the_summary_and_still_write_the_report(
    params: Params, tmp_path: Path
) -> None:
    raw = generate_churn(300, 3)
    raw.loc[[0, 1], "contract"] = "lifetime"
    moved = _stage(params, tmp_path, raw)
    with pytest.raises(ContractError) as error:
        validate.run(moved)
    assert error.value.exit_code == 4
    assert "conf/data/churn.yaml" in str(error.value)
    assert "'lifetime'" in str(error.value)
    assert not Path(moved.paths.validated).exists()  # nothing typed handed on
    report = read_json(moved.paths.validation_report)  # what the PR report shows
    assert report["passed"] is False
    assert [f["column"] for f in report["failures"]] == ["contract"]


def test_on_a_terminal_validate_shows_the_rows_it_checks_and_writes_the_same_bytes(
    params: Params, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from gitml.contract import schema
    from tests.support.terminal import Terminal

    raw = generate_churn(1000, 3)
    quiet = _stage(params, tmp_path / "ci", raw)
    shown = _stage(params, tmp_path / "terminal", raw)
    monkeypatch.setenv("CI", "true")
    validate.run(quiet)
    monkeypatch.delenv("CI")
    monkeypatch.setattr(schema, "CHUNK_ROWS", 300)  # chunks, as on large data
    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)

    validate.run(shown)

    drawn = screen.getvalue()
    assert "validate: checking" in drawn
    assert "1.00k/1.00k" in drawn  # the bar knows the rows: it can tell the time left
    assert " rows/s" in drawn
    for output in ("validated", "validation_report"):
        written = Path(getattr(shown.paths, output)).read_bytes()
        assert written == Path(getattr(quiet.paths, output)).read_bytes()


def test_in_ci_validate_draws_nothing(
    params: Params, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from tests.support.terminal import Terminal

    moved = _stage(params, tmp_path, generate_churn(300, 3))
    monkeypatch.setenv("CI", "true")
    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)

    validate.run(moved)

    assert screen.getvalue() == ""
