"""Batch scoring: same predictions as evaluate, bad rows reported or set aside, never dropped."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gitml import cli
from gitml.config.params import ColumnSpec, FileSource, Params
from gitml.contract.reading import csv_reading
from gitml.contract.strict_types import INT_RULE
from gitml.errors import ConfigError, ContractError, DataError
from gitml.serving import batch as predict
from gitml.serving.batch import check_rows, run
from tests.support.pipeline import TrainedPipeline


@pytest.fixture
def trained(trained_pipeline: TrainedPipeline) -> Params:
    return trained_pipeline.params


@pytest.fixture
def test_csv(trained: Params, tmp_path: Path) -> Path:
    path = tmp_path / "test.csv"
    pd.read_parquet(trained.paths.test).to_csv(path, index=False)
    return path


def _broken(source: Path, target: Path) -> Path:
    frame = pd.read_csv(source).astype(object)
    frame.loc[3, "contract"] = "lifetime"  # file row 4
    frame.loc[5, "tenure_months"] = "abc"  # file row 6
    frame.loc[7, "monthly_charges"] = np.inf  # file row 8
    frame.to_csv(target, index=False)
    return target


def test_scores_equal_evaluate_across_chunks(
    trained: Params, test_csv: Path, tmp_path: Path
) -> None:
    output = tmp_path / "scored.parquet"
    assert run(trained, str(test_csv), str(output), chunk_rows=37) == (600, 0)
    scored = pd.read_parquet(output)
    expected = pd.read_parquet(trained.paths.predictions)
    assert scored["row"].tolist() == list(range(1, 601))
    assert (scored["customer_id"].to_numpy() == expected["customer_id"].to_numpy()).all()
    assert (scored["prediction"].to_numpy() == expected["prediction"].to_numpy()).all()
    np.testing.assert_allclose(scored["proba_1"], expected["proba_1"], rtol=0, atol=1e-12)


def test_parquet_input_gives_the_same_scores(trained: Params, tmp_path: Path) -> None:
    from_parquet = tmp_path / "a.parquet"
    run(trained, trained.paths.test, str(from_parquet), chunk_rows=64)
    expected = pd.read_parquet(trained.paths.predictions)
    np.testing.assert_allclose(pd.read_parquet(from_parquet)["proba_1"], expected["proba_1"])


def test_bad_rows_fail_the_run_naming_row_column_reason(
    trained: Params, test_csv: Path, tmp_path: Path
) -> None:
    output = tmp_path / "scored.parquet"
    with pytest.raises(ContractError) as caught:
        run(trained, str(_broken(test_csv, tmp_path / "bad.csv")), str(output), chunk_rows=50)
    message = str(caught.value)
    assert "3 row(s)" in message
    assert "row 4, contract: isin" in message
    assert "(value lifetime)" in message
    assert "row 6, tenure_months" in message
    assert "row 8, monthly_charges" in message
    assert "--rejects" in message
    assert not output.exists()  # nothing half-written


def test_bad_rows_go_to_the_rejects_file(trained: Params, test_csv: Path, tmp_path: Path) -> None:
    output, rejects = tmp_path / "scored.parquet", tmp_path / "rejects.parquet"
    bad = _broken(test_csv, tmp_path / "bad.csv")
    assert run(trained, str(bad), str(output), str(rejects), chunk_rows=50) == (597, 3)
    problems = pd.read_parquet(rejects)
    assert sorted(set(problems["row"])) == [4, 6, 8]
    assert set(problems["column"]) == {"contract", "tenure_months", "monthly_charges"}
    scored = pd.read_parquet(output)
    # every input row is accounted for: scored or rejected, none silently dropped
    assert sorted([*scored["row"], 4, 6, 8]) == list(range(1, 601))


def test_booleans_and_integers_are_rejected_not_coerced(
    trained: Params, test_csv: Path, tmp_path: Path
) -> None:
    frame = pd.read_csv(test_csv).astype({"senior_citizen": object, "has_partner": object})
    frame.loc[1, "senior_citizen"] = "maybe"  # file row 2; astype(bool) would say True
    frame.loc[2, "has_partner"] = "perhaps"  # row 3, a nullable bool column
    frame.loc[3, "senior_citizen"] = None  # row 4, not nullable
    frame = frame.astype({"tenure_months": float})
    frame.loc[4, "tenure_months"] = 5.5  # row 5; astype(int) would say 5
    frame.loc[5, "tenure_months"] = 10.0  # row 6: a whole number written as a float is fine
    frame["paperless_billing"] = frame["paperless_billing"].map({True: "yes", False: "no"})
    bad, output, rejects = tmp_path / "bad.csv", tmp_path / "o.parquet", tmp_path / "r.parquet"
    frame.to_csv(bad, index=False)
    assert run(trained, str(bad), str(output), str(rejects), chunk_rows=50) == (596, 4)
    problems = pd.read_parquet(rejects).set_index("row")
    assert problems.loc[2, "value"] == "maybe"
    assert problems.loc[3, "column"] == "has_partner"
    assert problems.loc[4, "reason"] == "not_nullable"
    assert problems.loc[5, "reason"] == INT_RULE
    scored = pd.read_parquet(output).set_index("row")
    assert 6 in scored.index
    same = scored.drop(index=6)  # the other rows' values are as evaluate saw them
    expected = pd.read_parquet(trained.paths.predictions).set_axis(range(1, 601))
    np.testing.assert_allclose(
        same["proba_1"], expected.loc[same.index, "proba_1"], rtol=0, atol=1e-12
    )


def test_codes_keep_their_text_in_a_csv(trained: Params, tmp_path: Path) -> None:
    spec = ColumnSpec(dtype="category", nullable=True, allowed=["007", "12", "A1"])
    data = trained.data.model_copy(update={"columns": trained.data.columns | {"code": spec}})
    path = tmp_path / "codes.csv"
    pd.read_parquet(trained.paths.test).head(4).assign(
        code=np.array(["007", "12", None, "A1"], dtype=object)
    ).to_csv(path, index=False)
    chunks = list(predict.read_chunks(path, 2, csv_reading(data)))  # chunk 1: 007, 12 only
    typed, problems = check_rows(pd.concat(chunks), data)
    assert problems.empty, problems
    assert typed["code"].astype(object).tolist()[:2] == ["007", "12"]


def test_clean_run_with_rejects_writes_an_empty_rejects_file(
    trained: Params, test_csv: Path, tmp_path: Path
) -> None:
    rejects = tmp_path / "rejects.parquet"
    run(trained, str(test_csv), str(tmp_path / "out.parquet"), str(rejects))
    assert len(pd.read_parquet(rejects)) == 0


def test_check_rows_types_like_training(trained: Params) -> None:
    chunk = pd.read_parquet(trained.paths.test).head(5)
    chunk.index = pd.RangeIndex(1, 6)
    typed, problems = check_rows(chunk, trained.data)
    assert problems.empty
    assert str(typed["contract"].dtype) == "category"
    assert typed.index.tolist() == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    ("source", "output", "chunk_rows", "error", "text"),
    [
        ("test.csv", "out.csv", 100, ConfigError, "must be a .parquet file"),
        ("test.csv", "out.parquet", 0, ConfigError, "--chunk-rows must be at least 1"),
        ("missing.csv", "out.parquet", 100, DataError, "Input file not found"),
        ("folder.csv", "out.parquet", 100, DataError, "Input file is a directory"),
        ("table.json", "out.parquet", 100, DataError, "unsupported file type"),
    ],
)
def test_bad_arguments_get_one_clear_message(
    trained: Params,
    test_csv: Path,
    source: str,
    output: str,
    chunk_rows: int,
    error: type[Exception],
    text: str,
) -> None:
    folder = test_csv.parent
    (folder / "table.json").write_text("{}")
    (folder / "folder.csv").mkdir()
    with pytest.raises(error, match=text):
        run(trained, str(folder / source), str(folder / output), chunk_rows=chunk_rows)


def test_a_semicolon_file_says_so_before_any_column_check(
    trained: Params, test_csv: Path, tmp_path: Path
) -> None:
    # given the test rows written with ';' between fields, as some spreadsheets export them
    semicolons = tmp_path / "export.csv"
    pd.read_csv(test_csv).to_csv(semicolons, sep=";", index=False)

    # when scored, then one message names the separator and how to convert the file
    with pytest.raises(DataError, match=r"looks semicolon-separated .* Convert it") as raised:
        run(trained, str(semicolons), str(tmp_path / "o.parquet"))
    assert "lacks feature column" not in str(raised.value)
    assert not (tmp_path / "o.parquet").exists()


def test_missing_feature_column_names_the_file_the_column_and_what_the_model_expects(
    trained: Params, tmp_path: Path
) -> None:
    frame = pd.read_parquet(trained.paths.test).drop(columns=["region"])
    frame.to_csv(tmp_path / "t.csv", index=False)
    with pytest.raises(DataError) as raised:
        run(trained, str(tmp_path / "t.csv"), str(tmp_path / "o.parquet"))
    message = str(raised.value)
    features = list(trained.data.feature_columns)
    assert message.startswith(
        f"{tmp_path / 't.csv'} lacks feature column(s) 'region' that the model reads. The "
        f"model expects {len(features)} feature column(s), as conf/data/churn.yaml says "
        f"(nullable ones may be left out): {', '.join(map(repr, features))}. "
        f"{tmp_path / 't.csv'} has {len(frame.columns)} column(s): "
    )
    assert message.endswith(
        "Add the missing column(s) to the file, named exactly so; nothing was written."
    )
    assert not (tmp_path / "o.parquet").exists()


def test_a_missing_column_spelt_otherwise_in_the_file_is_pointed_out(
    trained: Params, tmp_path: Path
) -> None:
    frame = pd.read_parquet(trained.paths.test).rename(columns={"tenure_months": "Tenure Months"})
    frame.to_csv(tmp_path / "t.csv", index=False)
    with pytest.raises(DataError, match="lacks feature column") as raised:
        run(trained, str(tmp_path / "t.csv"), str(tmp_path / "o.parquet"))
    assert "Its column 'Tenure Months' may be 'tenure_months' spelled otherwise: rename it." in str(
        raised.value
    )


def test_cli_exit_code_and_message(
    trained: Params, test_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import yaml

    params_file = tmp_path / "params.yaml"
    params_file.write_text(yaml.safe_dump(trained.model_dump(mode="json")))
    bad = _broken(test_csv, tmp_path / "bad.csv")
    argv = ["predict", "--params", str(params_file), "--input", str(bad)]
    assert cli.main([*argv, "--output", str(tmp_path / "o.parquet")]) == ContractError.exit_code
    assert "row 4, contract" in capsys.readouterr().err


def test_new_rows_are_read_as_the_source_says(
    trained: Params, test_csv: Path, tmp_path: Path
) -> None:
    # given a source whose CSV writes '?' for missing and 1,234.5 for numbers, and a batch so
    frame = pd.read_csv(test_csv)
    assert frame["satisfaction_score"].isna().any()
    frame["satisfaction_score"] = frame["satisfaction_score"].astype(object).fillna("?")
    frame["total_charges"] = [f"{value:,}" for value in frame["total_charges"]]  # nan stays
    assert frame["total_charges"].str.contains(",").any()
    frame.to_csv(tmp_path / "batch.csv", index=False)
    source = FileSource(kind="file", path="data.csv", na_values=["?"], thousands=",")
    messy = trained.model_copy(update={"data": trained.data.model_copy(update={"source": source})})

    # when scored, then as evaluate scored the same rows; without the options, they break
    assert run(messy, str(tmp_path / "batch.csv"), str(tmp_path / "o.parquet")) == (600, 0)
    expected = pd.read_parquet(trained.paths.predictions)
    scored = pd.read_parquet(tmp_path / "o.parquet")
    np.testing.assert_allclose(scored["proba_1"], expected["proba_1"], rtol=0, atol=1e-12)
    # each option is needed: without na_values the '?' breaks, without thousands the commas do
    commas_only = FileSource(kind="file", path="data.csv", thousands=",")
    no_nulls = trained.model_copy(
        update={"data": trained.data.model_copy(update={"source": commas_only})}
    )
    with pytest.raises(ContractError, match="satisfaction_score: float: numbers only"):
        run(no_nulls, str(tmp_path / "batch.csv"), str(tmp_path / "o.parquet"))
    with pytest.raises(ContractError, match="total_charges: float: numbers only"):
        run(trained, str(tmp_path / "batch.csv"), str(tmp_path / "o.parquet"))


def test_batches_of_rejects_only_lose_no_scores(
    trained: Params, test_csv: Path, tmp_path: Path
) -> None:
    # rows 1-3 and 7-9 all break the contract: whole chunks of 3 with nothing to score
    frame = pd.read_csv(test_csv).head(12).astype({"contract": object})
    frame.loc[[0, 1, 2, 6, 7, 8], "contract"] = "lifetime"
    frame.to_csv(tmp_path / "b.csv", index=False)
    out, rejects = tmp_path / "o.parquet", tmp_path / "r.parquet"

    assert run(trained, str(tmp_path / "b.csv"), str(out), str(rejects), chunk_rows=3) == (6, 6)

    scored = pd.read_parquet(out)
    assert scored["row"].tolist() == [4, 5, 6, 10, 11, 12]
    assert {"prediction", "proba_0", "proba_1"} <= set(scored.columns)
    bad = pd.read_parquet(rejects)
    assert list(bad.columns) == ["row", "customer_id", "column", "reason", "value"]
    assert (
        bad["customer_id"].tolist()
        == frame["customer_id"].iloc[[0, 1, 2, 6, 7, 8]].astype(str).tolist()
    )
    # every row rejected: an empty output with the usual columns, not an error
    frame.assign(contract="lifetime").to_csv(tmp_path / "all.csv", index=False)
    assert run(trained, str(tmp_path / "all.csv"), str(out), str(rejects), chunk_rows=5) == (0, 12)
    assert {"row", "prediction", "proba_1"} <= set(pd.read_parquet(out).columns)


def test_a_nullable_feature_may_be_left_out_as_in_a_request(
    trained: Params, test_csv: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert trained.data.columns["satisfaction_score"].nullable
    pd.read_csv(test_csv).drop(columns="satisfaction_score").to_csv(tmp_path / "n.csv")
    assert run(trained, str(tmp_path / "n.csv"), str(tmp_path / "o.parquet")) == (600, 0)
    assert "no column 'satisfaction_score'; they are nullable" in caplog.text
    pd.read_csv(test_csv).drop(columns="tenure_months").to_csv(tmp_path / "t.csv")
    with pytest.raises(DataError, match="lacks feature column"):  # not nullable: refused
        run(trained, str(tmp_path / "t.csv"), str(tmp_path / "o.parquet"))


def test_a_model_of_another_contract_is_refused_with_the_fix(
    trained: Params, test_csv: Path, tmp_path: Path
) -> None:
    columns = {n: c for n, c in trained.data.columns.items() if n != "region"}
    other = trained.model_copy(
        update={"data": trained.data.model_copy(update={"columns": columns})}
    )
    with pytest.raises(ConfigError, match=r"the model is out of date\. After switching branches"):
        run(other, str(test_csv), str(tmp_path / "o.parquet"))


def _params_file(trained: Params, tmp_path: Path) -> Path:
    import yaml

    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(trained.model_dump(mode="json")))
    return path


def test_keep_copies_named_input_columns_beside_the_id_and_score(
    trained: Params, test_csv: Path, tmp_path: Path
) -> None:
    # given an input with columns of the user's beside the features, one row broken
    frame = pd.read_csv(_broken(test_csv, tmp_path / "bad.csv"))
    frame["batch"] = [f"b{i % 3}" for i in range(len(frame))]
    frame["note"] = np.arange(len(frame)) * 10
    frame.to_csv(tmp_path / "in.csv", index=False)
    output, rejects = tmp_path / "out.parquet", tmp_path / "rejects.parquet"
    argv = ["predict", "--params", str(_params_file(trained, tmp_path))]
    argv += ["--input", str(tmp_path / "in.csv"), "--output", str(output)]

    # when scored keeping two of them (and the id column, named again), in chunks
    keep = ["--keep", "note, batch,customer_id", "--rejects", str(rejects), "--chunk-rows", "50"]
    assert cli.main([*argv, *keep]) == 0

    # then each score carries its row's id and kept values, in the order given
    scored = pd.read_parquet(output)
    assert list(scored.columns[:4]) == ["row", "customer_id", "note", "batch"]
    source = frame.iloc[scored["row"].to_numpy() - 1]
    assert (scored["customer_id"].to_numpy() == source["customer_id"].to_numpy()).all()
    assert (scored["note"].to_numpy() == source["note"].to_numpy()).all()
    assert (scored["batch"].to_numpy() == source["batch"].to_numpy()).all()
    assert len(scored) == len(frame) - 3


def test_keep_naming_an_absent_column_writes_nothing(
    trained: Params, test_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "out.parquet"
    argv = ["predict", "--params", str(_params_file(trained, tmp_path)), "--input", str(test_csv)]

    code = cli.main([*argv, "--output", str(output), "--keep", "customer_id,segment"])

    assert code == ConfigError.exit_code
    err = capsys.readouterr().err
    assert "--keep names 'segment', not a column of" in err
    assert "tenure_months" in err  # the columns it does have
    assert not output.exists()
    assert list(tmp_path.glob(".out.parquet.*")) == []


def test_keep_cannot_take_an_output_column_name(
    trained: Params, test_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = pd.read_csv(test_csv).assign(prediction="old")
    frame.to_csv(tmp_path / "in.csv", index=False)
    argv = ["predict", "--params", str(_params_file(trained, tmp_path))]
    argv += ["--input", str(tmp_path / "in.csv"), "--output", str(tmp_path / "o.parquet")]

    assert cli.main([*argv, "--keep", "prediction"]) == ConfigError.exit_code
    assert "'prediction', which the output uses" in capsys.readouterr().err
    assert not (tmp_path / "o.parquet").exists()
