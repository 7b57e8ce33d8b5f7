from __future__ import annotations

import subprocess
import sys
from typing import Any

import pandas as pd
import pytest

from gitml.config.params import Params, RowCheck
from gitml.contract.schema import to_model_dtypes, validate_frame
from gitml.errors import ConfigError, DataError
from gitml.ml.synthetic import generate_churn
from tests.support.paths import ROOT


@pytest.fixture
def raw() -> pd.DataFrame:
    return generate_churn(300, 3)


def test_valid_data_passes_and_is_typed(raw: pd.DataFrame, params: Params) -> None:
    before = raw.copy()
    typed, verdict = validate_frame(raw, params.data)
    assert verdict.passed
    assert typed is not None
    assert isinstance(typed["contract"].dtype, pd.CategoricalDtype)
    assert list(typed["contract"].cat.categories) == ["month_to_month", "one_year", "two_year"]
    assert str(typed["has_partner"].dtype) == "boolean"
    assert verdict.nulls["satisfaction_score"] == int(raw["satisfaction_score"].isna().sum())
    pd.testing.assert_frame_equal(raw, before)  # input untouched


def test_every_failure_is_reported_at_once_grouped_by_column_and_check(
    raw: pd.DataFrame, params: Params
) -> None:
    broken = raw.copy()
    broken.loc[[0, 1], "tenure_months"] = [-3, 500]
    broken.loc[2, "contract"] = "lifetime"
    broken.loc[3, "monthly_charges"] = None
    broken["surprise"] = 1
    broken = broken.drop(columns=["region"])
    typed, verdict = validate_frame(broken, params.data)
    assert typed is None
    found = {(f.column, f.check): f for f in verdict.failures}
    assert found[("tenure_months", "in_range(0.0, 72.0)")].count == 2
    assert sorted(found[("tenure_months", "in_range(0.0, 72.0)")].samples) == [-3, 500]
    assert found[("contract", "isin(['month_to_month', 'one_year', 'two_year'])")].samples == [
        "lifetime"
    ]
    assert ("monthly_charges", "not_nullable") in found
    assert ("region", "column missing from the data") in found
    assert ("surprise", "column not in the contract") in found
    summary = verdict.summary("churn")
    assert "conf/data/churn.yaml" in summary
    assert "'lifetime'" in summary


def test_a_missing_column_is_named_as_missing_with_the_columns_found_and_the_fix(
    raw: pd.DataFrame, params: Params
) -> None:
    # given the data without a column the contract describes
    _, verdict = validate_frame(raw.drop(columns=["region"]), params.data)

    # then it is one failure of that column, not a count of rows
    [failure] = verdict.failures
    assert (failure.column, failure.check, failure.samples) == (
        "region",
        "column missing from the data",
        [],
    )
    lines = verdict.summary("churn").splitlines()
    assert lines[1].split() == ["region", "column", "missing", "from", "the", "data"]
    assert "row(s)" not in lines[1]
    columns = ", ".join(c for c in raw.columns if c != "region")
    assert lines[2] == (
        f"The data has these columns: {columns}. A column missing from the data: add it to "
        "the data, or rename its entry in conf/data/churn.yaml to the data's name for it (or "
        "remove the entry if the model should not have it)."
    )


def test_row_level_check_counts_rows_and_skips_nulls(raw: pd.DataFrame, params: Params) -> None:
    broken = raw.copy()
    broken.loc[[7, 8], "total_charges"] = 1e9
    broken.loc[9, "total_charges"] = None
    _, verdict = validate_frame(broken, params.data)
    [failure] = [f for f in verdict.failures if f.column == "(rows)"]
    assert failure.check.startswith("total_charges_within_tenure: total_charges <=")
    assert failure.count == 2
    assert failure.samples == ["row 7", "row 8"]


def test_a_target_with_one_class_fails(raw: pd.DataFrame, params: Params) -> None:
    _, verdict = validate_frame(raw.assign(churned=0), params.data)
    [failure] = verdict.failures
    assert failure.column == "churned"
    assert "at least 2 classes, found 1" in failure.check


def test_missing_target_and_empty_data_raise_a_clear_error(
    raw: pd.DataFrame, params: Params
) -> None:
    with pytest.raises(
        DataError, match=r"Target column 'churned' is not in the data.*data\.target"
    ):
        validate_frame(raw.drop(columns=["churned"]), params.data)
    with pytest.raises(DataError, match="has no rows"):
        validate_frame(raw.iloc[:0], params.data)


def test_categories_put_declared_values_first_then_the_rest_sorted(params: Params) -> None:
    # given values outside the declared ones, missing values and a column with no values at all
    frame = pd.DataFrame(
        {
            "contract": pd.array(["zebra", None, "one_year", "apple", "zebra"], dtype="str"),
            "region": pd.array([None] * 5, dtype="str"),
        }
    )
    before = frame.copy()
    # when
    typed = to_model_dtypes(frame, params.data)
    # then
    contract = typed["contract"].cat
    assert list(contract.categories) == ["month_to_month", "one_year", "two_year", "apple", "zebra"]
    assert typed["contract"].astype(object).tolist()[::2] == ["zebra", "one_year", "zebra"]
    assert typed["contract"].isna().tolist() == [False, True, False, False, False]
    assert list(typed["region"].cat.categories) == ["north", "south", "east", "west", "central"]
    assert typed["region"].isna().all()
    pd.testing.assert_frame_equal(frame, before)  # input untouched


@pytest.mark.parametrize(
    ("expr", "reason"),
    [("amount_usd >= 0", "'amount_usd' is not defined"), ("tenure_months >", "invalid syntax")],
)
def test_a_row_check_that_cannot_run_is_a_config_error_not_bad_data(
    raw: pd.DataFrame, params: Params, expr: str, reason: str
) -> None:
    data = params.data.model_copy(update={"checks": [RowCheck(name="positive", expr=expr)]})
    with pytest.raises(ConfigError, match=reason) as caught:
        validate_frame(raw, data)
    assert "Row check 'positive' in conf/data/churn.yaml" in str(caught.value)


def test_a_unique_nullable_column_may_miss_several_values(params: Params) -> None:
    frame = pd.DataFrame({"ref": ["a", None, "b", None, "c", None], "x": 1.0, "y": [0, 1] * 3})
    contract = {
        "ref": {"dtype": "str", "nullable": True, "unique": True, "feature": False},
        "x": {"dtype": "float"},
        "y": {"dtype": "int"},
    }
    update: dict[str, Any] = {"target": "y", "id_column": None, "columns": contract, "checks": []}
    data = type(params.data).model_validate(params.data.model_dump() | update)
    typed, verdict = validate_frame(frame, data)
    assert verdict.failures == []  # missing values are no duplicates of each other
    assert typed is not None
    frame.loc[1, "ref"] = "a"
    _, verdict = validate_frame(frame, data)
    assert [(f.column, f.check, f.count, f.samples) for f in verdict.failures] == [
        ("ref", "field_uniqueness", 2, ["a"])
    ]


def test_target_messages_say_which_setting_fits_the_data(params: Params) -> None:
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "y": ["no", "yes", "no", "maybe"]})
    contract = {"x": {"dtype": "float"}, "y": {"dtype": "category"}}
    update: dict[str, Any] = {"target": "y", "id_column": None, "columns": contract, "checks": []}
    data = type(params.data).model_validate(params.data.model_dump() | update)
    _, verdict = validate_frame(frame, data)
    assert [f.check for f in verdict.failures] == [
        "binary target has 3 classes (task: multiclass takes them)"
    ]
    # `positive_class: no` in YAML is False
    data = type(params.data).model_validate(data.model_dump() | {"positive_class": False})
    _, verdict = validate_frame(frame.replace("maybe", "yes"), data)
    assert "quote the class" in verdict.failures[0].check


def test_validating_does_not_import_hypothesis_yet_leaves_it_importable() -> None:
    # a fresh interpreter: this one has imported pandera (and hypothesis) long ago
    script = (
        "import sys\n"
        "from gitml.config.params import load_params\n"
        "from gitml.contract.schema import validate_frame\n"
        "from gitml.ml.synthetic import generate_churn\n"
        "params = load_params('params.yaml')\n"
        "typed, validation = validate_frame(generate_churn(200, 0), params.data)\n"
        "assert validation.passed, validation.summary('churn')\n"
        "print('hypothesis' in sys.modules)\n"
        "import hypothesis\n"
        "print(hypothesis.__name__)\n"
    )
    shown = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )

    assert shown.stdout.split() == ["False", "hypothesis"]


def _parquet_bytes(frame: pd.DataFrame) -> bytes:
    import io

    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=True)
    return buffer.getvalue()


def test_in_chunks_the_typed_frame_is_the_same_as_validated_whole(
    raw: pd.DataFrame, params: Params
) -> None:
    whole, _ = validate_frame(raw, params.data)
    passed: list[int] = []

    chunked, verdict = validate_frame(raw, params.data, done=passed.append, chunk_rows=70)

    assert verdict.passed
    assert passed == [70, 70, 70, 70, 20]  # each chunk as it passes: the bar's steps
    assert whole is not None
    assert chunked is not None
    pd.testing.assert_frame_equal(chunked, whole)
    assert _parquet_bytes(chunked) == _parquet_bytes(whole)  # what validate writes


def test_in_chunks_a_failure_is_reported_as_if_validated_whole(
    raw: pd.DataFrame, params: Params
) -> None:
    broken = raw.copy()
    broken.loc[[5, 250], "tenure_months"] = [-3, 500]  # in the first chunk and in the fourth
    broken.loc[120, "contract"] = "lifetime"
    broken.loc[299, "noise_uniform"] = 7.0
    whole, expected = validate_frame(broken, params.data)

    chunked, verdict = validate_frame(broken, params.data, done=lambda _: None, chunk_rows=70)

    assert whole is None
    assert chunked is None
    assert verdict.as_report() == expected.as_report()
    assert {"tenure_months", "contract", "noise_uniform"} <= {f.column for f in verdict.failures}


def test_in_chunks_uniqueness_still_sees_every_row(raw: pd.DataFrame, params: Params) -> None:
    # given: an id repeated in two different chunks, each chunk unique on its own
    broken = raw.copy()
    broken["customer_id"] = broken["customer_id"].mask(
        broken.index == 280, broken["customer_id"][3]
    )
    _, expected = validate_frame(broken, params.data)

    typed, verdict = validate_frame(broken, params.data, done=lambda _: None, chunk_rows=70)

    assert typed is None
    assert [f.column for f in verdict.failures] == ["customer_id"]
    assert verdict.as_report() == expected.as_report()


def test_dates_written_as_text_are_validated_whole(raw: pd.DataFrame, params: Params) -> None:
    from gitml.config.params import ColumnSpec

    columns = {**params.data.columns, "signed_up": ColumnSpec(dtype="datetime", feature=False)}
    data = params.data.model_copy(update={"columns": columns})
    dated = raw.assign(signed_up=[f"2024-01-{1 + i % 28:02d}" for i in range(len(raw))])
    whole, _ = validate_frame(dated, data)
    passed: list[int] = []

    typed, verdict = validate_frame(dated, data, done=passed.append, chunk_rows=70)

    assert verdict.passed
    assert passed == [300]  # pandas infers a date format from the first value: not per chunk
    assert typed is not None
    assert whole is not None
    pd.testing.assert_frame_equal(typed, whole)
