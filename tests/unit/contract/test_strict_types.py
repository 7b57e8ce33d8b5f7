from __future__ import annotations

import pandas as pd
import pytest

from gitml.config.params import ColumnSpec, Params
from gitml.contract.schema import validate_frame
from gitml.contract.strict_types import BOOL_RULE, FLOAT_RULE, INT_RULE, strict_types
from gitml.ml.synthetic import generate_churn


@pytest.fixture
def raw() -> pd.DataFrame:
    return generate_churn(300, 3)


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


def _spec(dtype: str) -> ColumnSpec:
    return ColumnSpec.model_validate({"dtype": dtype, "nullable": True})


def test_strict_types_reports_each_bad_value_by_row_under_its_rule() -> None:
    frame = pd.DataFrame(
        {
            "flag": ["yes", "maybe", "OFF", None],
            "count": [1.0, 2.5, 3.0, None],
            "amount": ["1.5", "cheap", 2, None],
            "code": [7.0, 12.0, float("nan"), 3.0],
        }
    )
    dtypes = {"flag": "bool", "count": "int", "amount": "float", "code": "str"}
    columns = {name: _spec(dtype) for name, dtype in dtypes.items()}
    prepared, problems = strict_types(frame, columns)
    assert [(p.column, p.check, p.values.to_dict()) for p in problems] == [
        ("flag", BOOL_RULE, {1: "maybe"}),
        ("count", INT_RULE, {1: 2.5}),
        ("amount", FLOAT_RULE, {1: "cheap"}),
    ]
    assert prepared["flag"][[0, 2]].tolist() == [True, False]
    assert prepared["code"][[0, 1, 3]].tolist() == ["7", "12", "3"]
    assert frame["code"].tolist()[:2] == [7.0, 12.0]  # the input is left as it was


def test_strict_types_leaves_columns_outside_the_contract_to_the_schema() -> None:
    frame = pd.DataFrame({"extra": ["x"], "n": [1]})
    prepared, problems = strict_types(frame, {"n": _spec("int"), "absent": _spec("int")})
    assert problems == []
    assert prepared["extra"].tolist() == ["x"]


def test_whole_floats_pass_as_ints_and_those_beyond_64_bits_fail() -> None:
    # gaps and infinities are the schema's to judge (nullable, finite), not a type problem
    frame = pd.DataFrame({"count": [1.0, 2.0**64, float("inf"), float("nan"), -(2.0**62)]})
    prepared, problems = strict_types(frame, {"count": _spec("int")})
    assert [(p.column, p.check, p.values.to_dict()) for p in problems] == [
        ("count", INT_RULE, {1: 2.0**64})
    ]
    assert prepared["count"].tolist()[4] == -(2.0**62)
    whole, none = strict_types(frame.drop(index=1), {"count": _spec("int")})
    assert none == []
    pd.testing.assert_series_equal(whole["count"], frame["count"].drop(index=1))
