from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from gitml.config.params import ColumnSpec, Params, RowCheck
from gitml.contract.schema import to_model_dtypes, validate_frame
from gitml.contract.strict_types import FLOAT_RULE, INT_RULE
from gitml.errors import ConfigError, DataError
from gitml.ml.synthetic import generate_churn


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
    assert ("(table)", "column missing from the data") in found
    assert ("(table)", "column not in the contract") in found
    summary = verdict.summary("churn")
    assert "conf/data/churn.yaml" in summary
    assert "'lifetime'" in summary


def test_text_in_a_number_column_is_one_failure_under_its_type(
    raw: pd.DataFrame, params: Params
) -> None:
    # not also a failed coercion, a wrong dtype, a range check's TypeError and a row check
    broken = raw.astype({"support_calls": object, "monthly_charges": object})
    broken.loc[5, "support_calls"] = "several"
    broken.loc[[6, 7], "monthly_charges"] = ["cheap", "12,5"]  # a decimal comma is no number
    _, verdict = validate_frame(broken, params.data)
    assert [(f.column, f.check, f.count, f.samples) for f in verdict.failures] == [
        ("monthly_charges", FLOAT_RULE, 2, ["cheap", "12,5"]),
        ("support_calls", INT_RULE, 1, ["several"]),
    ]


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


def test_booleans_and_integers_are_not_coerced_silently(raw: pd.DataFrame, params: Params) -> None:
    broken = raw.astype({"senior_citizen": object, "paperless_billing": object})
    broken.loc[0, "senior_citizen"] = "maybe"  # astype(bool) would make it True
    broken.loc[1, "senior_citizen"] = "False "  # a boolean word, padded: fine
    broken.loc[2, "paperless_billing"] = None  # not nullable; astype(bool) would make it False
    broken = broken.astype({"tenure_months": float})
    broken.loc[3, "tenure_months"] = 71.5  # astype(int) would make it 71, within range
    typed, verdict = validate_frame(broken, params.data)
    assert typed is None
    found = {(f.column, f.check): f for f in verdict.failures}
    assert found[("senior_citizen", "bool: true/false, yes/no, on/off or 1/0")].samples == ["maybe"]
    assert found[("tenure_months", INT_RULE)].samples == [71.5]
    # the null is reported once, as a null, not also as failed coercions
    assert [check for column, check in found if column == "paperless_billing"] == ["not_nullable"]
    assert len(verdict.failures) == 3


def test_boolean_words_and_whole_floats_are_read_as_what_they_say(
    raw: pd.DataFrame, params: Params
) -> None:
    worded = raw.assign(
        senior_citizen=raw["senior_citizen"].map({True: "Yes", False: "no"}),
        has_partner=raw["has_partner"].map({True: 1.0, False: 0.0}),  # NaN stays missing
        tenure_months=raw["tenure_months"].astype(float),
    )
    typed, verdict = validate_frame(worded, params.data)
    assert verdict.passed
    assert typed is not None
    assert typed["senior_citizen"].tolist() == raw["senior_citizen"].tolist()
    pd.testing.assert_series_equal(typed["has_partner"], raw["has_partner"].astype("boolean"))
    assert typed["tenure_months"].tolist() == raw["tenure_months"].tolist()


def test_codes_read_as_floats_match_their_declared_text(params: Params) -> None:
    spec = {"dtype": "category", "nullable": True, "allowed": ["12", "7", "A1"]}
    data = params.data.model_copy(
        update={"columns": params.data.columns | {"code": ColumnSpec.model_validate(spec)}}
    )
    raw = generate_churn(300, 3).assign(code=[7.0, 12.0, float("nan")] * 100)  # a CSV with blanks
    typed, verdict = validate_frame(raw, data)
    assert verdict.passed, verdict.summary("churn")
    assert typed is not None
    assert typed["code"].head(2).tolist() == ["7", "12"]
    assert typed["code"].isna().sum() == 100


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


def test_a_bad_value_is_reported_once_not_again_through_its_stand_in(
    raw: pd.DataFrame, params: Params
) -> None:
    broken = raw.astype({"tenure_months": float, "customer_id": float})
    broken.loc[3, "tenure_months"] = -0.5  # its stand-in would break min 0 and the row check
    broken.loc[4, "customer_id"] = float(broken["customer_id"].iloc[5]) + 0.5  # ... or uniqueness
    broken.loc[6, "tenure_months"] = 1e20  # astype(int64) would wrap it to -2^63
    typed, verdict = validate_frame(broken, params.data)
    assert typed is None
    assert [(f.column, f.check, f.count) for f in verdict.failures] == [
        ("customer_id", INT_RULE, 1),
        ("tenure_months", INT_RULE, 2),
    ]


def test_huge_float_codes_stay_distinct(params: Params) -> None:
    spec = ColumnSpec(dtype="str", unique=True)
    data = params.data.model_copy(update={"columns": params.data.columns | {"code": spec}})
    raw = generate_churn(300, 3).assign(code=[(i + 1) * 1e19 for i in range(300)])
    typed, verdict = validate_frame(raw, data)
    assert verdict.passed, verdict.summary("churn")
    assert typed is not None
    assert typed["code"].nunique() == 300


def test_numbers_in_a_categorical_dtype_are_checked_as_numbers(
    raw: pd.DataFrame, params: Params
) -> None:
    tenure = raw["tenure_months"].astype(float).where(raw.index != 7, 72.5)
    _, verdict = validate_frame(raw.assign(tenure_months=pd.Categorical(tenure)), params.data)
    assert [(f.column, f.samples) for f in verdict.failures] == [("tenure_months", [72.5])]


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
