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
