from __future__ import annotations

import pandas as pd
import pytest

from gitml.config import Params
from gitml.contract import to_model_dtypes, validate_frame
from gitml.errors import DataError
from gitml.synthetic import generate_churn


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


def test_a_wrong_column_type_is_a_failure_not_a_crash(raw: pd.DataFrame, params: Params) -> None:
    broken = raw.astype({"support_calls": object})
    broken.loc[5, "support_calls"] = "several"
    _, verdict = validate_frame(broken, params.data)
    assert any(f.column == "support_calls" and "several" in f.samples for f in verdict.failures)


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
