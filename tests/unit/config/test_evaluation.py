"""How a model is judged: the split, evaluate's settings, the report's and the gate's rules."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from gitml.config.evaluation import GateParams, ReportParams, SplitParams
from gitml.config.params import Params, parse_params
from gitml.errors import ConfigError
from tests.support.params import with_value


@pytest.mark.parametrize(
    ("dotted", "value", "expected"),
    [
        ("split.test_size", 1.5, r"split\.test_size: .*less than 1 \(got 1\.5\)"),
        ("split.strategy", "group", r"strategy 'group' needs split.group_column"),
        ("evaluate.calibration_bins", 1, r"evaluate\.calibration_bins: .*greater than or equal"),
        ("report.confidence", 0.5, r"report\.confidence: Input should be greater than 0\.5"),
        ("report.drift", {"js": 2}, r"report\.drift\.js: Input should be less than or equal to 1"),
        ("gate.stale_lock", "ignore", r"gate\.stale_lock: Input should be 'fail' or 'warn'"),
    ],
)
def test_a_bad_value_names_key_and_value(
    params: Params, dotted: str, value: object, expected: str
) -> None:
    with pytest.raises(ConfigError, match=expected):
        parse_params(with_value(params, dotted, value))


@pytest.mark.parametrize("strategy", ["group", "time"])
def test_a_split_without_its_column_says_how_to_make_it_the_default(strategy: str) -> None:
    with pytest.raises(ValidationError) as caught:
        SplitParams.model_validate({"strategy": strategy, "test_size": 0.2})
    assert (
        f"strategy {strategy!r} needs split.{strategy}_column: set `{strategy}_column: <column>` "
        f"in conf/split/{strategy}.yaml and `- split: {strategy}` in the defaults list"
    ) in str(caught.value)


def test_rules_must_name_a_metric_of_their_task_with_the_right_bound() -> None:
    with pytest.raises(ValueError, match=r"rules.binary.rmse: 'rmse' is not a binary metric"):
        GateParams.model_validate({"rules": {"binary": {"rmse": {"tolerance": 1}}}})
    with pytest.raises(ValueError, match=r"log_loss is lower-is-better, so its bound is `max`"):
        GateParams.model_validate({"rules": {"binary": {"log_loss": {"min": 0.1}}}})
    with pytest.raises(ValueError, match=r"roc_auc is higher-is-better, so its bound is `min`"):
        GateParams.model_validate({"rules": {"binary": {"roc_auc": {"max": 0.9}}}})


def test_rules_of_the_right_shape_are_kept() -> None:
    rules: dict[str, Any] = {
        "binary": {"roc_auc": {"min": 0.7, "tolerance": 0.01}, "log_loss": {"max": 0.6}},
        "regression": {"rmse": {"tolerance": 0.5}},
    }
    gate = GateParams.model_validate({"rules": rules})
    assert gate.rules["binary"]["roc_auc"].min == 0.7
    assert gate.rules["binary"]["log_loss"].max == 0.6
    assert gate.rules["regression"]["rmse"].tolerance == 0.5


def test_a_seed_spread_cannot_be_negative() -> None:
    with pytest.raises(ValidationError, match=r"seed_sd\.roc_auc\n  Input should be greater"):
        ReportParams.model_validate({"seed_sd": {"roc_auc": -0.01}})
