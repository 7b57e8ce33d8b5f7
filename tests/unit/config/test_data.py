"""The data section: the contract's columns and row checks, the source, and their roles."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from gitml.config.data import ColumnSpec, DataParams
from gitml.config.params import Params, parse_params
from gitml.errors import ConfigError
from tests.support.params import with_value


def _data(params: Params, **changes: Any) -> dict[str, Any]:
    return params.data.model_dump() | changes


def test_a_target_that_is_no_column_names_the_columns(params: Params) -> None:
    with pytest.raises(ConfigError, match=r"data: .*target 'nope' is not a column of the contract"):
        parse_params(with_value(params, "data.target", "nope"))


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"dtype": "int", "min": 5, "max": 1}, r"min \(5\.0\) is greater than max \(1\.0\)"),
        (
            {"dtype": "int", "allow_inf": True},
            "allow_inf is for float columns, and this one is int",
        ),
        ({"dtype": "decimal"}, "Input should be 'int', 'float', 'bool', 'category', 'str'"),
    ],
)
def test_a_column_that_cannot_hold_data_is_refused(spec: dict[str, Any], expected: str) -> None:
    with pytest.raises(ValidationError, match=expected):
        ColumnSpec.model_validate(spec)


def test_a_float_column_may_allow_infinity() -> None:
    assert ColumnSpec.model_validate({"dtype": "float", "allow_inf": True}).allow_inf


def test_feature_columns_leave_out_roles_datetimes_and_non_features(params: Params) -> None:
    columns = params.data.model_dump()["columns"] | {
        "signed_up": {"dtype": "datetime"},
        "note": {"dtype": "str", "feature": False},
        "wt": {"dtype": "float", "min": 0},
    }
    data = DataParams.model_validate(_data(params, columns=columns, weight_column="wt"))

    features = list(data.feature_columns)

    assert features == [
        name
        for name in columns
        if name not in ("customer_id", "churned", "signed_up", "note", "wt")
    ]
    assert features[0] == "tenure_months"  # contract order
    assert data.text_columns == ["contract", "internet_service", "payment_method", "region", "note"]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"task": "regression"}, "task 'regression' needs a numeric target; 'churned' is not"),
        ({"weight_column": "churned"}, "weight_column 'churned' is also the target"),
        ({"weight_column": "region"}, "weight_column 'region' must hold a positive finite number"),
        ({"id_column": "user"}, "id_column 'user' is not a column of the contract (columns: "),
    ],
)
def test_roles_that_cannot_work_are_refused_with_the_fix(
    params: Params, changes: dict[str, Any], expected: str
) -> None:
    data = _data(params, **changes)
    if changes.get("task") == "regression":
        data["columns"]["churned"] = {"dtype": "category", "allowed": ["no", "yes"]}
    with pytest.raises(ValidationError) as caught:
        DataParams.model_validate(data)
    assert expected in str(caught.value)


def test_a_weight_column_says_every_setting_it_needs(params: Params) -> None:
    columns = params.data.model_dump()["columns"] | {"wt": {"dtype": "float", "nullable": True}}
    with pytest.raises(ValidationError) as caught:
        DataParams.model_validate(_data(params, columns=columns, weight_column="wt"))
    assert (
        "set its dtype to int or float (it is float), nullable: false and allow_inf: false "
        "in conf/data/churn.yaml"
    ) in str(caught.value)


def test_a_contract_of_only_target_and_id_has_nothing_to_learn_from(params: Params) -> None:
    columns = {
        name: params.data.model_dump()["columns"][name] for name in ("customer_id", "churned")
    }
    with pytest.raises(ValidationError, match="no feature columns besides the target and id"):
        DataParams.model_validate(_data(params, columns=columns))


def test_a_row_check_outside_the_grammar_names_the_check_and_the_contract(params: Params) -> None:
    checks = [{"name": "sneaky", "expr": "__import__('os').system('true')"}]
    with pytest.raises(ValidationError) as caught:
        DataParams.model_validate(_data(params, checks=checks))
    message = str(caught.value)
    assert "sneaky" in message
    assert "conf/data/churn.yaml" in message


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            {"path": "data/t.parquet", "na_values": ["?"]},
            r"data\.source\.na_values: says how to read CSV text, and data/t\.parquet is not a "
            r"\.csv file \(Parquet keeps its types\): remove na_values \(got \['\?'\]\)",
        ),
        ({"path": "t.csv", "thousands": "."}, r"data\.source\.thousands: Input should be ','"),
        (
            {"path": "t.csv", "na_values": "?"},
            r"data\.source\.na_values: Input should be a valid list or a valid dictionary \(got",
        ),
        (
            {"path": "t.csv", "na_values": {"nope": ["?"]}},
            r"source\.na_values names 'nope', not a column of the contract",
        ),
        ({"path": "t.csv", "na_values": [""]}, r"data\.source\.na_values\.0: String should have"),
    ],
)
def test_csv_read_options_are_checked(
    params: Params, source: dict[str, Any], expected: str
) -> None:
    with pytest.raises(ConfigError, match=expected):
        parse_params(with_value(params, "data.source", {"kind": "file"} | source))
