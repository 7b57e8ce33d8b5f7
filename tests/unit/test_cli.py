"""Every kind of bad input: one clear message, a non-zero exit, no traceback, nothing lost."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from gitml import cli
from gitml.errors import ConfigError, ContractError, DataError
from gitml.ml.synthetic import generate_churn
from tests.support.paths import ROOT

STAGES = ["ingest", "validate", "split", "train", "evaluate"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project dir with conf/ and a CSV source, trained once through the CLI."""
    root = tmp_path_factory.mktemp("trained")
    shutil.copytree(ROOT / "conf", root / "conf")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        generate_churn(800, 1).to_csv("customers.csv", index=False)
        infer = ["infer-contract", "customers.csv", "--target", "churned", "--name", "mine"]
        assert cli.main(infer) == 0
        assert cli.main(["compose", "data=mine"]) == 0
        for stage in STAGES:
            assert cli.main([stage]) == 0
    return root


@pytest.fixture
def project(trained: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh copy of the trained project (every path in it is relative), as the cwd."""
    root = tmp_path / "project"
    shutil.copytree(trained, root)
    monkeypatch.chdir(root)
    return root


def _outputs(root: Path) -> dict[str, bytes]:
    files = [*root.glob("data/**/*.parquet"), *root.glob("models/*"), *root.glob("reports/*.json")]
    return {str(path): path.read_bytes() for path in files}


def _fails(argv: list[str], code: int, message: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert cli.main(argv) == code
    err = capsys.readouterr().err
    assert message in err, err
    assert "Traceback" not in err
    return err


def test_infer_contract_drafts_a_usable_contract(project: Path) -> None:
    contract = yaml.safe_load((project / "conf/data/mine.yaml").read_text())
    assert contract["task"] == "binary"
    assert contract["id_column"] == "customer_id"
    assert contract["columns"]["contract"]["dtype"] == "category"
    assert contract["columns"]["has_partner"] == {"dtype": "bool", "nullable": True}
    assert (project / "reports/metrics.json").is_file()


def test_missing_source_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Path("customers.csv").unlink()
    before = _outputs(project)
    _fails(
        ["ingest"],
        DataError.exit_code,
        "File not found: customers.csv. Set data.source.path",
        capsys,
    )
    assert _outputs(project) == before


def test_missing_target_column(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pd.read_csv("customers.csv").drop(columns=["churned"]).to_csv("customers.csv", index=False)
    assert cli.main(["ingest"]) == 0
    before = _outputs(project)
    _fails(["validate"], DataError.exit_code, "Target column 'churned' is not in the data", capsys)
    assert _outputs(project) == before


def test_wrong_column_type(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    frame = pd.read_csv("customers.csv").astype({"tenure_months": object})
    frame.loc[3, "tenure_months"] = "ten"
    frame.to_csv("customers.csv", index=False)
    assert cli.main(["ingest"]) == 0
    validated = (project / "data/interim/validated.parquet").read_bytes()
    err = _fails(
        ["validate"], ContractError.exit_code, "Data broke the contract conf/data/mine.yaml", capsys
    )
    assert "tenure_months" in err
    assert "'ten'" in err
    assert (project / "data/interim/validated.parquet").read_bytes() == validated
    assert yaml.safe_load((project / "reports/validation.json").read_text())["passed"] is False


def test_empty_dataset(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pd.read_csv("customers.csv").head(0).to_csv("customers.csv", index=False)
    before = _outputs(project)
    _fails(["ingest"], DataError.exit_code, "has no rows", capsys)
    assert _outputs(project) == before


def test_target_with_one_class(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pd.read_csv("customers.csv").assign(churned=0).to_csv("customers.csv", index=False)
    assert cli.main(["ingest"]) == 0
    validated = (project / "data/interim/validated.parquet").read_bytes()
    _fails(
        ["validate"],
        ContractError.exit_code,
        "binary target needs at least 2 classes, found 1",
        capsys,
    )
    assert (project / "data/interim/validated.parquet").read_bytes() == validated


def test_feature_with_no_values(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # satisfaction_score is nullable in the inferred contract, so an empty column passes it
    pd.read_csv("customers.csv").assign(satisfaction_score=None).to_csv(
        "customers.csv", index=False
    )
    for stage in ("ingest", "validate", "split"):
        assert cli.main([stage]) == 0
    before = _outputs(project)
    capsys.readouterr()
    err = _fails(
        ["train"],
        DataError.exit_code,
        "Feature column(s) 'satisfaction_score' have no value in the 640 training rows",
        capsys,
    )
    assert "Set `feature: false` for them in conf/data/mine.yaml" in err
    assert len(err.strip().splitlines()) == 1
    assert _outputs(project) == before


def test_unknown_model_name(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = Path("params.yaml").read_text()
    _fails(
        ["compose", "data=mine", "model=xgboost"],
        ConfigError.exit_code,
        "Could not find 'model/xgboost'",
        capsys,
    )
    assert Path("params.yaml").read_text() == before


@pytest.mark.parametrize(
    ("group", "key", "value", "message"),
    [
        ("model", "max_depht", 6, "model.max_depht: Extra inputs are not permitted"),
        ("model", "max_iter", "many", "model.max_iter: Input should be a valid integer"),
        ("model", "learning_rate", -0.1, "model.learning_rate: Input should be greater than 0"),
        ("split", "test_size", 1.5, "split.test_size: Input should be less than 1"),
    ],
)
def test_bad_config_value(
    project: Path,
    capsys: pytest.CaptureFixture[str],
    group: str,
    key: str,
    value: object,
    message: str,
) -> None:
    before = _outputs(project)
    params = yaml.safe_load(Path("params.yaml").read_text())
    params[group][key] = value
    Path("params.yaml").write_text(yaml.safe_dump(params))
    err = _fails(["train"], ConfigError.exit_code, message, capsys)
    assert "Fix the value in conf/ and run `gitml compose`" in err
    assert _outputs(project) == before


def test_bad_config_value_in_compose(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = Path("params.yaml").read_text()
    _fails(["compose", "data=mine", "split.test_size=1.5"], 2, "split.test_size", capsys)
    assert Path("params.yaml").read_text() == before


def test_debug_log_level_shows_the_traceback(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    Path("customers.csv").unlink()
    assert cli.main(["ingest"]) == DataError.exit_code
    assert "Traceback" in capsys.readouterr().err


def test_infer_contract_refuses_to_overwrite(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _fails(
        ["infer-contract", "customers.csv", "--target", "churned", "--name", "mine"],
        ConfigError.exit_code,
        "exists; pass --force",
        capsys,
    )
    _fails(
        ["infer-contract", "customers.csv", "--target", "nope", "--name", "other"],
        DataError.exit_code,
        "Target column 'nope' is not in customers.csv",
        capsys,
    )


def test_log_lines_go_to_stderr_as_it_is_when_they_are_logged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given main ran with a stderr that was closed since (a finished test's capture)
    import io
    import logging
    import sys

    monkeypatch.chdir(tmp_path)
    first = io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    assert cli.main(["ingest"]) != 0  # no params.yaml here: an error, logged to `first`
    assert "params.yaml" in first.getvalue()
    first.close()
    # when a stage logs later, under another stderr
    later = io.StringIO()
    monkeypatch.setattr(sys, "stderr", later)
    logging.getLogger("gitml.pipeline.validate").info("validate: 10 rows")
    # then the line is there, and no "Logging error" about a closed file
    assert later.getvalue() == "INFO validate: 10 rows\n"
