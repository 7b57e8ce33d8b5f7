"""Row weights (issue 19.3) through the CLI and config only: `data.weight_column` weights the
fit, evaluate's metrics and the report's bootstrap, is never a feature, and a bad weight is
refused with one message."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from gitml import cli
from gitml.config.params import load_params
from gitml.errors import ConfigError, ContractError
from gitml.report.baseline import branch_artifacts
from gitml.report.compare import compare_models
from tests.support.paths import ROOT

CONTRACT: dict[str, Any] = {
    "name": "w",
    "task": "binary",
    "target": "y",
    "positive_class": 1,
    "id_column": "id",
    "weight_column": "w",
    "source": {"kind": "file", "path": "d.csv"},
    "columns": {
        "id": {"dtype": "int", "unique": True},
        "x": {"dtype": "int"},
        "w": {"dtype": "float"},
        "y": {"dtype": "int"},
    },
}


def _table(rows: int = 400) -> pd.DataFrame:
    """Each x twice with opposite labels: heavy rows (weight 9) say y = x >= 5, light rows
    (weight 1) the reverse. Only a weighted fit can tell which to believe."""
    x = np.tile(np.arange(10), rows // 10)
    heavy = np.arange(rows) % 20 < 10
    y = np.where(heavy, x >= 5, x < 5).astype(int)
    return pd.DataFrame({"id": np.arange(rows), "x": x, "w": np.where(heavy, 9.0, 1.0), "y": y})


def _project(root: Path, frame: pd.DataFrame, contract: dict[str, object]) -> None:
    shutil.copytree(ROOT / "conf", root / "conf")
    frame.to_csv(root / "d.csv", index=False)
    (root / "conf/data/w.yaml").write_text(yaml.safe_dump(contract, sort_keys=False))


@pytest.fixture(scope="module")
def weighted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("weighted")
    _project(root, _table(), CONTRACT)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        for argv in (["compose", "data=w", "model=linear"], *[[s] for s in STAGES]):
            assert cli.main(argv) == 0
    return root


STAGES = ("ingest", "validate", "split", "train", "evaluate")


def test_the_fit_believes_the_heavy_rows_and_the_weight_is_no_feature(weighted: Path) -> None:
    meta = json.loads((weighted / "models/model.json").read_text())
    assert [f["name"] for f in meta["features"]] == ["x"]
    assert meta["weight_column"] == "w"
    predictions = pd.read_parquet(weighted / "reports/predictions.parquet")
    x = pd.read_parquet(weighted / "data/processed/test.parquet").loc[predictions["row_id"], "x"]
    # unweighted, each x has as many 0s as 1s; weighted 9 to 1, the heavy rows' rule wins
    assert (predictions["prediction"].to_numpy() == (x.to_numpy() >= 5)).all()


def test_evaluate_and_the_report_score_by_weight(weighted: Path) -> None:
    metrics = json.loads((weighted / "reports/metrics.json").read_text())
    predictions = pd.read_parquet(weighted / "reports/predictions.parquet")
    hit = predictions["truth"] == predictions["prediction"]
    weights, heavy = predictions["weight"], predictions["weight"] == 9.0
    # heavy rows right, light rows wrong: the weighted accuracy is the heavy rows' weight share
    expected = weights[heavy].sum() / weights.sum()
    assert (hit == heavy).all()
    assert metrics["accuracy"] == pytest.approx(expected)
    assert metrics["accuracy"] != pytest.approx(hit.mean(), abs=0.1)

    # the PR report's paired bootstrap, the branch against itself on the same rows
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(weighted)
        params = load_params("params.yaml")
        test = params.paths.test  # as `dvc repro` records it: the report pairs rows by it
        md5 = hashlib.md5(Path(test).read_bytes()).hexdigest()
        lock = {"schema": "2.0", "stages": {"split": {"outs": [{"path": test, "md5": md5}]}}}
        Path("dvc.lock").write_text(yaml.safe_dump(lock))
        branch = branch_artifacts(weighted)
        comparison = compare_models(branch, branch, params.report, params.evaluate, 0)
    accuracy = next(m for m in comparison.metrics if m.name == "accuracy")
    assert comparison.pairing == "same rows"
    assert accuracy.branch == pytest.approx(expected)
    assert accuracy.low == pytest.approx(0.0)
    assert accuracy.high == pytest.approx(0.0)


@pytest.mark.parametrize("bad", [0.0, -2.0, float("inf")])
def test_a_weight_that_is_not_a_positive_finite_number_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], bad: float
) -> None:
    frame = _table(100)
    frame.loc[7, "w"] = bad
    _project(tmp_path, frame, CONTRACT)
    monkeypatch.chdir(tmp_path)
    for argv in (["compose", "data=w", "model=linear"], ["ingest"]):
        assert cli.main(argv) == 0

    assert cli.main(["validate"]) == ContractError.exit_code
    err = capsys.readouterr().err
    assert "positive finite number" in err
    assert "data.weight_column" in err


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"weight_column": "wt"}, "weight_column 'wt' is not a column of the contract"),
        ({"weight_column": "y"}, "weight_column 'y' is also the target"),
        ({"columns": CONTRACT["columns"] | {"w": {"dtype": "str"}}}, "set its dtype to int or"),
        (
            {"columns": CONTRACT["columns"] | {"w": {"dtype": "float", "nullable": True}}},
            "nullable: false",
        ),
    ],
)
def test_a_weight_column_that_cannot_hold_weights_is_a_config_error(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    change: dict[str, object],
    message: str,
) -> None:
    _project(tmp_path, _table(100), CONTRACT | change)
    monkeypatch.chdir(tmp_path)

    assert cli.main(["compose", "data=w"]) == ConfigError.exit_code
    assert message in capsys.readouterr().err
