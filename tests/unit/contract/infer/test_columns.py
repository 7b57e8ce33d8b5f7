"""contract/infer/columns.py: what one column holds (dtype, rules, role) and how its CSV text
reads, each drafted rule checked on small columns."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from gitml.contract.infer.columns import (
    MIN_GROUPS,
    column_dtype,
    column_rules,
    csv_text,
    looks_like_id,
    non_features,
    plain,
    range_reason,
    valid_range,
    weight_kind,
)

# --- names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["id", "ID", "customer_id", "customerId", "CustomerID", "id_client", "UUID", "order_key"],
)
def test_names_that_say_id(name: str) -> None:
    assert looks_like_id(name)


@pytest.mark.parametrize("name", ["age", "paid", "valid", "keyword", "idea", "grid", "monkey"])
def test_names_that_do_not_say_id(name: str) -> None:
    assert not looks_like_id(name)


# --- dtype and rules ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "dtype"),
    [
        ([1, 2, 3], "int"),
        ([1.0, 2.0, None], "int"),  # read as float only because of the gap
        ([1.5, 2.0], "float"),
        ([2.0**53, 1.0], "float"),  # past 2**53 a float cannot hold every whole number
        ([True, False, None], "bool"),  # read_csv's true/false text, with a gap
        (["2024-01-31", "2024-02-29"], "datetime"),
        (["2024-13-45", *["2024-01-01"] * 5], "category"),  # looks like a date, is none
        (["a", "b"] * 3, "category"),  # values that repeat: fewer distinct than half the rows
        (["a", "b", "a", "b"], "str"),  # half the rows distinct: no categories to list
        ([f"note {n}" for n in range(10)], "str"),  # a different text on every row
        (pd.date_range("2024-01-01", periods=3), "datetime"),
    ],
)
def test_the_dtype_is_what_the_values_are(values: Any, dtype: str) -> None:
    assert column_dtype(pd.Series(values)) == dtype


@pytest.mark.parametrize(
    ("values", "rules"),
    [
        ([0, 1, 1], {"dtype": "int", "nullable": False, "allowed": [0, 1]}),  # a flag
        ([3, 7, None], {"dtype": "int", "nullable": True, "min": 0}),
        ([-2.5, 4.0], {"dtype": "float", "nullable": False}),
        (["b", "a"] * 3, {"dtype": "category", "nullable": False, "allowed": ["a", "b"]}),
        (["2024-01-01", "2024-01-02"], {"dtype": "datetime", "nullable": False, "feature": False}),
    ],
)
def test_the_rules_are_the_ones_the_column_passes(values: list[Any], rules: dict[str, Any]) -> None:
    assert column_rules(pd.Series(values, name="x")) == rules


@pytest.mark.parametrize(
    ("name", "values", "bounds"),
    [
        ("income", [0, 1200, 98_000], {"min": 0}),
        ("balance", [-40, 300], {}),
        ("discount_pct", [0, 45], {"min": 0, "max": 100}),
        ("success_percent", [0.2, 0.9], {"min": 0, "max": 100}),  # percent: 0-100, even if ≤ 1
        ("churn_rate", [0.02, 0.4], {"min": 0, "max": 1}),
        ("heart_rate", [55, 180], {"min": 0}),  # named a rate, but past 100: no share
    ],
)
def test_bounds_say_what_is_valid_not_what_the_sample_held(
    name: str, values: list[float], bounds: dict[str, float]
) -> None:
    assert valid_range(name, pd.Series(values)) == bounds


def test_the_reason_for_the_bounds_says_what_the_sample_held() -> None:
    values = pd.Series([3, 40])
    assert range_reason({"min": 0, "max": 100}, values) == "min 0, max 100: a share; seen 3 to 40"
    assert range_reason({"min": 0}, values) == (
        "min 0: no value below 0 (seen 3 to 40); larger values are valid, and show as drift"
    )
    assert (
        range_reason({}, pd.Series([-1.5, 2])) == "no bounds: negative values too (seen -1.5 to 2)"
    )
    assert range_reason({}, pd.Series([], dtype=float)) == ""


@pytest.mark.parametrize(
    ("value", "plain_value"), [(np.int64(3), 3), (2.0, 2), (np.float32(2.5), 2.5)]
)
def test_numbers_are_plain_ints_when_whole(value: Any, plain_value: float) -> None:
    result = plain(value)
    assert result == plain_value
    assert type(result) is type(plain_value)


# --- roles ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "values", "kind"),
    [
        ("fnlwgt", [1.5, 20.0, 3.0], "weight"),
        ("sample_weight", [1, 2, 3], "weight"),
        ("PWT", [0.5, 1.5], "weight"),
        ("weight", [60.5, 82.0], "maybe"),  # kilograms, perhaps
        ("fnlwgt", [0.0, 2.0], None),  # a zero weight is no weight
        ("fnlwgt", [1.0, None], None),
        ("fnlwgt", [1.0, np.inf], None),
        ("height", [1.8, 1.6], None),
    ],
)
def test_a_weight_is_named_so_and_positive_and_finite_in_every_row(
    name: str, values: list[float | None], kind: str | None
) -> None:
    assert weight_kind(name, pd.Series(values, dtype=float), "float") == kind
    assert weight_kind(name, pd.Series(values, dtype=float).astype(str), "str") is None


def test_each_non_feature_column_gets_its_reason_and_constants_stay_features() -> None:
    rows = 40
    frame = pd.DataFrame(
        {
            "customer_id": range(rows),
            "person_id": [n // 2 for n in range(rows)],  # 20 people, two rows each
            "ticket": [f"T-{n:04d}" for n in range(rows)],
            "comment": [f"called about {n} things" for n in range(rows)],
            "zip": [f"{n:05d}" for n in range(rows)],  # unique digits as text: not an id name
            "empty": [None] * rows,
            "signed_up": pd.date_range("2024-01-01", periods=rows),
            "fnlwgt": np.linspace(1, 5, rows),
            "country": ["FR"] * rows,
            "age": range(20, 20 + rows),  # unique numbers, named as a measure: a feature
            "y": [0, 1] * (rows // 2),
        }
    )
    columns = {str(c): {"dtype": column_dtype(frame[c])} for c in frame.columns}

    roles, constants = non_features(frame, columns, "y")

    assert MIN_GROUPS == 20
    assert roles == {
        "customer_id": "identifier: unique, named like an id",
        "person_id": "group identifier: named like an id, 20 values repeated over 40 rows (e.g. "
        "one per person and year); split by it with a group split (split.group_column: "
        "person_id)",
        "ticket": "identifier: unique codes",
        "comment": "free text: a different value on every row",
        "empty": "all values missing",
        "signed_up": "a date: usable as split.time_column",
        "fnlwgt": "sample weight: named like one, positive numbers in every row",
    }
    assert constants == {"country": "FR"}


# --- CSV text -------------------------------------------------------------------------------


def test_csv_text_finds_gaps_grouped_numbers_leading_zeros_and_odd_numbers() -> None:
    raw = pd.DataFrame(
        {
            "income": ["75,083", "1,200", "300", "2,000,100"],
            "score": ["600.5", "?", "580", "n/a"],
            "zip": ["01094", "02110", "10001", "01094"],
            "price": ["12.5", "13", "12,5", "14"],
            "region": ["north", "?", "none", "south"],
            "sign": ["+", "-", "+", "-"],
        },
        dtype=str,
    )

    text = csv_text(raw)

    assert list(text.grouped) == ["income"]  # with one of its grouped values, as an example
    assert text.grouped["income"] in ("75,083", "1,200", "2,000,100")
    assert text.thousands == ","
    assert text.number_columns == ["income"]
    # ? is a gap in a column of numbers and in one of words; `none` only among numbers
    assert text.na_values == {"?": {"region": 1, "score": 1}, "n/a": {"score": 1}}
    assert text.na_values_by_column == {"region": ["?"], "score": ["?", "n/a"]}
    assert text.leading_zeros == {"zip": "01094"}
    assert text.not_numbers == {"price": {"12,5": 1}}
    assert text.text_columns == ["zip", "price"]


def test_a_tidy_csv_needs_no_read_options() -> None:
    raw = pd.DataFrame({"n": ["1", "2", "30"], "word": ["a", "b", "c"]}, dtype=str)

    text = csv_text(raw)

    assert (text.na_values, text.grouped, text.leading_zeros, text.not_numbers) == ({}, {}, {}, {})
    assert text.thousands is None
    assert text.text_columns == []
