"""The request model generated from the data contract: what it accepts and how it refuses."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from gitml.config.params import ColumnSpec, Params
from gitml.contract.records import left_out_columns, record_model, records_frame

GOOD: dict[str, Any] = {
    "tenure_months": 3,
    "contract": "one_year",
    "internet_service": "dsl",
    "payment_method": "credit_card",
    "monthly_charges": 50.5,
    "total_charges": None,
    "support_calls": 1,
    "senior_citizen": False,
    "paperless_billing": True,
    "region": "north",
    "noise_uniform": 0.5,
    "noise_normal": -1.25,
}


@pytest.fixture(scope="module")
def record(params: Params) -> type[BaseModel]:
    return record_model(params.data)


def _problems(model: type[BaseModel], payload: str) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate_json(payload)
    return [(".".join(map(str, e["loc"])), e["msg"]) for e in caught.value.errors()]


def test_fields_are_the_contract_feature_columns(record: type[BaseModel], params: Params) -> None:
    schema = record.model_json_schema()
    # the features, then the id column, which may be sent and is ignored
    assert list(schema["properties"]) == [*params.data.feature_columns, "customer_id"]
    assert schema["additionalProperties"] is False
    assert schema["properties"]["contract"]["enum"] == ["month_to_month", "one_year", "two_year"]
    assert schema["properties"]["tenure_months"]["maximum"] == 72
    assert "customer_id" not in schema["required"]
    assert "churned" not in schema["properties"]
    # nullable columns may be left out; the others are required
    assert "total_charges" not in schema["required"]
    assert "tenure_months" in schema["required"]


def test_valid_record_becomes_a_training_typed_frame(
    record: type[BaseModel], params: Params
) -> None:
    good = record.model_validate_json(json.dumps(GOOD))
    partial = record.model_validate_json(
        json.dumps({k: v for k, v in GOOD.items() if k != "has_partner"})
    )
    with_id = record.model_validate_json(json.dumps(GOOD | {"customer_id": "C-7"}))
    frame = records_frame([good, partial, with_id], params.data)
    assert list(frame.columns) == list(params.data.feature_columns)
    assert frame.iloc[[0]].equals(frame.iloc[[2]].set_axis([0]))  # the id changes nothing
    assert str(frame["tenure_months"].dtype) == "int64"
    assert str(frame["has_partner"].dtype) == "boolean"
    assert frame["has_partner"].isna().tolist() == [True, True, True]
    assert frame["total_charges"].isna().all()
    assert list(frame["contract"].cat.categories) == ["month_to_month", "one_year", "two_year"]


@pytest.mark.parametrize(
    ("change", "where", "reason"),
    [
        ({"contract": "lifetime"}, "contract", "Input should be 'month_to_month'"),
        ({"tenure_months": 300}, "tenure_months", "less than or equal to 72"),
        ({"tenure_months": "3"}, "tenure_months", "valid integer"),
        ({"senior_citizen": "yes"}, "senior_citizen", "valid boolean"),
        ({"region": None}, "region", "null is not allowed"),
        ({"tenure_months": None}, "tenure_months", "null is not allowed"),
        ({"tenure_months": 5.5}, "tenure_months", "valid integer"),
        ({"colour": "red"}, "colour", "Extra inputs are not permitted"),
        ({"customer_id": [7]}, "customer_id.str", "valid string"),
        ({"churned": 1}, "churned", "Extra inputs are not permitted"),
    ],
)
def test_bad_values_are_refused_naming_the_field(
    record: type[BaseModel], change: dict[str, Any], where: str, reason: str
) -> None:
    problems = _problems(record, json.dumps(GOOD | change))
    assert any(loc == where and reason in message for loc, message in problems), problems


def test_a_whole_float_is_an_int(record: type[BaseModel], params: Params) -> None:
    parsed = record.model_validate_json(json.dumps(GOOD | {"tenure_months": 5.0}))
    frame = records_frame([parsed], params.data)
    assert frame["tenure_months"].tolist() == [5]
    assert str(frame["tenure_months"].dtype) == "int64"


def test_missing_required_field_is_refused(record: type[BaseModel]) -> None:
    payload = json.dumps({k: v for k, v in GOOD.items() if k != "monthly_charges"})
    assert ("monthly_charges", "Field required") in _problems(record, payload)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_are_refused(record: type[BaseModel], literal: str) -> None:
    payload = json.dumps(GOOD).replace("-1.25", literal)
    assert ("noise_normal", "Input should be a finite number") in _problems(record, payload)


def test_a_contract_change_changes_the_model(params: Params) -> None:
    columns = dict(params.data.columns)
    columns["region"] = ColumnSpec(dtype="category", allowed=["north", "south"])
    columns["odd name"] = ColumnSpec(dtype="float", min=0, nullable=True)
    data = params.data.model_copy(update={"columns": columns})
    changed = record_model(data)
    assert _problems(changed, json.dumps(GOOD | {"region": "east"}))[0][0] == "region"
    accepted = changed.model_validate_json(json.dumps(GOOD | {"odd name": 2.0}))
    assert records_frame([accepted], data)["odd name"].tolist() == [2.0]
    assert ("odd name", "Input should be greater than or equal to 0") in _problems(
        changed, json.dumps(GOOD | {"odd name": -1})
    )


def test_left_out_columns_are_the_contract_columns_a_record_does_not_carry(
    params: Params,
) -> None:
    # given a contract with a date, a feature: false column and a row weight beside the target
    columns = dict(params.data.columns)
    columns["visit_date"] = ColumnSpec(dtype="datetime")
    columns["notes"] = ColumnSpec(dtype="str", feature=False)
    columns["wght"] = ColumnSpec(dtype="float")
    data = params.data.model_copy(update={"columns": columns, "weight_column": "wght"})

    # when
    left_out = left_out_columns(data)

    # then each is named with why, and no feature or the id is among them
    assert left_out == {
        "churned": "the target",
        "visit_date": "a date",
        "notes": "feature: false",
        "wght": "the row weight",
    }
    assert not set(left_out) & (set(record_model(data).model_json_schema()["properties"]))
