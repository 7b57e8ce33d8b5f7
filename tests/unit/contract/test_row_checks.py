"""Row checks evaluated by gitml's own walker over the columns, never by DataFrame.eval."""

from __future__ import annotations

import pandas as pd
import pytest

from gitml.config.params import Params, RowCheck
from gitml.config.row_expr import parse_row_expr
from gitml.contract.row_checks import holds_on, require_runnable
from gitml.contract.schema import validate_frame
from gitml.errors import ConfigError
from gitml.ml.synthetic import generate_churn

FRAME = pd.DataFrame(
    {
        "a": [1, 5, -3, 0],
        "b": [2.0, None, 0.0, 4.0],
        "plan": ["basic", "pro", None, "basic"],
        "flag": pd.array([True, False, None, True], dtype="boolean"),
        "when": pd.to_datetime(pd.Series(["2020-01-01", "2021-06-01", "2019-01-01", None])),
        "monthly charges": [10.0, 20.0, 30.0, 40.0],
    }
)
DTYPES = {str(name): str(dtype) for name, dtype in FRAME.dtypes.items()}


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("a > 0", [True, True, False, False]),
        ("0 <= a <= 4", [True, False, False, True]),
        ("a * 2 + 1 >= `monthly charges` / 10", [True, True, False, False]),
        ("isna(b)", [False, True, False, False]),
        ("notna(plan) and plan in ['basic']", [True, False, False, True]),
        ("plan not in ['basic']", [False, True, True, False]),
        ("flag | a < 0", [True, False, True, True]),  # a missing bool is not true
        ("not flag", [False, True, False, False]),
        ("abs(a) == 3 or a // 2 == 2", [False, True, True, False]),
        ("a % 2 == 1", [True, True, True, False]),
        ("when >= '2020-01-01'", [True, True, False, False]),
        ("b / a > 1", [True, False, False, True]),  # 0/0 is NaN, 4/0 is inf, as in numpy
        ("a ** 400 > 0", [True, True, True, False]),  # floats: inf, no huge Python int
        ("-a < 0", [True, True, False, False]),
    ],
)
def test_an_expression_holds_row_by_row(expr: str, expected: list[bool]) -> None:
    before = FRAME.copy()
    result = holds_on(parse_row_expr(expr, [str(c) for c in FRAME.columns]), FRAME)
    assert result.tolist() == expected
    assert result.index.equals(FRAME.index)
    pd.testing.assert_frame_equal(FRAME, before)  # input untouched


@pytest.mark.parametrize(
    ("expr", "reason"),
    [
        ("plan + 1 > 2", "'plan' is a column of str, and arithmetic needs numbers"),
        ("a + 1", "it gives a column of int64, not true/false"),
        ("a and flag", "'a' is a column of int64, and and/or/not need true/false values"),
        ("a > 'x'", "\"a > 'x'\" compares a column of int64 with the value 'x'"),
        ("flag * 2 > 1", "'flag' is a column of boolean, and arithmetic needs numbers"),
        ("abs(plan) > 1", "'plan' is a column of str"),
    ],
)
def test_values_of_the_wrong_kind_are_a_config_error_at_compose_time(
    expr: str, reason: str
) -> None:
    dtypes = DTYPES | {"plan": "str"}
    with pytest.raises(ConfigError) as caught:
        require_runnable([RowCheck(name="rule", expr=expr)], dtypes, "conf/data/d.yaml")
    message = str(caught.value)
    assert message.startswith(
        f"Row check 'rule' in conf/data/d.yaml cannot run on the contract's column types: {expr!r}"
    ), message
    assert reason in message
    assert "docs/reference/row-checks.md" in message


def test_a_forbidden_expression_is_refused_before_it_runs() -> None:
    with pytest.raises(ConfigError, match=r"'@os\.system' is a reference to a Python variable"):
        require_runnable(
            [RowCheck(name="rule", expr="@os.system('true') == 0")], DTYPES, "conf/data/d.yaml"
        )


def test_validation_never_calls_dataframe_eval(
    params: Params, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("DataFrame.eval/query must not run a contract's expression")

    monkeypatch.setattr(pd.DataFrame, "eval", refuse)
    monkeypatch.setattr(pd.DataFrame, "query", refuse)
    broken = generate_churn(300, 3)
    broken.loc[[7, 8], "total_charges"] = 1e9
    _, verdict = validate_frame(broken, params.data)
    [failure] = [f for f in verdict.failures if f.column == "(rows)"]
    assert failure.samples == ["row 7", "row 8"]


def test_a_column_used_only_in_isna_does_not_excuse_its_missing_rows(params: Params) -> None:
    rule = RowCheck(name="charged", expr="notna(total_charges) or tenure_months == 0")
    data = params.data.model_copy(update={"checks": [rule]})
    raw = generate_churn(300, 3)
    raw.loc[:, "total_charges"] = raw["total_charges"].fillna(1.0)
    raw.loc[4, "total_charges"] = None
    raw.loc[4, "tenure_months"] = 3
    _, verdict = validate_frame(raw, data)
    [failure] = [f for f in verdict.failures if f.column == "(rows)"]
    assert (failure.check, failure.samples) == (
        "charged: notna(total_charges) or tenure_months == 0",
        ["row 4"],
    )
