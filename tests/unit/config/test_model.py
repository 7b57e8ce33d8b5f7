"""The model section: one params class per estimator, chosen by `name`, checked before a fit."""

from __future__ import annotations

from typing import Any

import pytest

from gitml.config.model import MODEL_NAMES
from gitml.config.params import Params, parse_params
from gitml.errors import ConfigError
from tests.support.params import with_value
from tests.support.paths import ROOT


def test_model_names_are_the_estimators_and_each_has_its_conf_file() -> None:
    assert MODEL_NAMES == ("linear", "random_forest", "hist_gradient_boosting")
    assert sorted(path.stem for path in (ROOT / "conf/model").glob("*.yaml")) == sorted(MODEL_NAMES)


def test_an_unknown_model_name_lists_the_known_ones(params: Params) -> None:
    with pytest.raises(ConfigError) as error:
        parse_params(with_value(params, "model", {"name": "xgboost"}))
    assert "xgboost" in str(error.value)
    assert "random_forest" in str(error.value)


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ({"max_iter": "many"}, r"model\.max_iter: .*integer \(got 'many'\)"),
        ({"learning_rate": 0}, r"model\.learning_rate: Input should be greater than 0"),
        ({"max_leaf_nodes": 1}, r"model\.max_leaf_nodes: Input should be greater than or equal"),
        ({"name": "random_forest", "max_samples": 1.5}, r"model\.max_samples: .*less than or"),
        ({"name": "linear", "l2": -1.0}, r"model\.l2: Input should be greater than 0"),
        ({"name": "linear", "class_weight": "balanced_subsample"}, r"model\.class_weight: "),
    ],
)
def test_a_bad_setting_names_the_model_key(
    params: Params, model: dict[str, Any], expected: str
) -> None:
    raw = with_value(params, "model", {"name": "hist_gradient_boosting"} | model)
    with pytest.raises(ConfigError, match=expected):
        parse_params(raw)


@pytest.mark.parametrize(
    ("setting", "value", "expected"),
    [
        ("max_features", 3, None),  # a count, as scikit-learn takes it (not 3.0)
        ("max_features", 0.5, None),
        ("max_features", 0, r"max_features: must be a count ≥ 1, a share in \(0, 1\]"),
        ("max_features", 2.5, r"max_features: must be a count ≥ 1"),
        ("max_features", "half", r"max_features: Input should be a valid integer or a valid "),
        ("n_jobs", 0, r"model\.n_jobs: must be -1 \(every core\) or a whole number ≥ 1"),
    ],
)
def test_random_forest_settings_scikit_learn_would_refuse_fail_early(
    params: Params, setting: str, value: object, expected: str | None
) -> None:
    raw = with_value(params, "model", {"name": "random_forest", setting: value})
    if expected is None:
        assert getattr(parse_params(raw).model, setting) == value
        assert type(getattr(parse_params(raw).model, setting)) is type(value)
        return
    with pytest.raises(ConfigError, match=expected):
        parse_params(raw)
