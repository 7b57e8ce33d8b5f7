from __future__ import annotations

from typing import Any

import pytest
import yaml

from gitml.config.params import Params, load_params, parse_params
from gitml.errors import ConfigError


def _raw(params: Params) -> dict[str, Any]:
    return params.model_dump()


def test_composed_default_params_are_valid(params: Params) -> None:
    assert params.data.task == "binary"
    assert params.model.name == "hist_gradient_boosting"
    assert "customer_id" not in params.data.feature_columns
    assert "churned" not in params.data.feature_columns


def test_a_typo_in_a_model_key_names_the_dotted_key(params: Params) -> None:
    raw = _raw(params)
    raw["model"]["max_depht"] = 6
    with pytest.raises(ConfigError, match=r"model\.max_depht: Extra inputs are not permitted"):
        parse_params(raw)


def test_an_unknown_model_name_lists_the_known_ones(params: Params) -> None:
    raw = _raw(params)
    raw["model"] = {"name": "xgboost"}
    with pytest.raises(ConfigError) as error:
        parse_params(raw)
    assert "xgboost" in str(error.value)
    assert "random_forest" in str(error.value)


@pytest.mark.parametrize(
    ("section", "key", "value", "expected"),
    [
        ("split", "test_size", 1.5, r"split\.test_size: .*less than 1 \(got 1\.5\)"),
        ("model", "max_iter", "many", r"model\.max_iter: .*integer \(got 'many'\)"),
        ("data", "target", "nope", r"target 'nope' is not a column of the contract"),
        ("split", "strategy", "group", r"strategy 'group' needs split.group_column"),
        ("serve", "workers", 0, r"serve\.workers: .*≥ 1 or 'cpu_count' \(got 0\)"),
        ("serve", "workers", "all", r"serve\.workers: .*≥ 1 or 'cpu_count' \(got 'all'\)"),
        ("serve", "read_timeout_s", 30, r"serve\.read_timeout_s: .*less than 30 \(got 30\)"),
        (
            "serve",
            "traffic_log",
            {"exclude": ["email"]},
            r"serve\.traffic_log\.exclude names 'email', not a column of the data contract",
        ),
        ("serve", "traffic_log", {"sink": "s3"}, r"serve\.traffic_log\.sink: .*'file' or 'stdout'"),
    ],
)
def test_a_bad_value_names_key_and_value(
    params: Params, section: str, key: str, value: object, expected: str
) -> None:
    raw = _raw(params)
    raw[section][key] = value
    with pytest.raises(ConfigError, match=expected):
        parse_params(raw)


@pytest.mark.parametrize(
    ("split", "task", "expected"),
    [
        ({"strategy": "time", "time_column": "region"}, None, r"region' is dtype category"),
        ({"strategy": "stratified"}, "regression", r"'stratified' needs classes"),
    ],
)
def test_a_split_that_cannot_work_on_the_data_fails_early(
    params: Params, split: dict[str, str], task: str | None, expected: str
) -> None:
    raw = _raw(params)
    raw["split"] |= split
    if task:
        raw["data"] |= {"task": task, "target": "monthly_charges", "positive_class": None}
    with pytest.raises(ConfigError, match=expected):
        parse_params(raw)
    raw["split"] |= {"time_column": "tenure_months", "strategy": split["strategy"]}
    if task:
        raw["split"]["strategy"] = "random"
    parse_params(raw)  # a number orders rows; a random split takes any task


@pytest.mark.parametrize(
    ("where", "keys"),
    [
        (("data", "positve_class"), "name, task, target, positive_class, id_column,"),
        (("data", "columns", "tenure_months", "maxx"), "dtype, nullable, min, max, allowed,"),
        (("data", "source", "rows"), "kind, path, n_rows"),  # the synthetic source's
        (("model", "max_depht"), "name, learning_rate, max_iter, max_depth, max_leaf_nodes"),
    ],
)
def test_an_unknown_key_lists_the_keys_of_its_section(
    params: Params, where: tuple[str, ...], keys: str
) -> None:
    raw = _raw(params)
    node = raw
    for part in where[:-1]:
        node = node[part]
    node[where[-1]] = 1
    with pytest.raises(ConfigError) as caught:
        parse_params(raw)
    assert f"{'.'.join(where)}: Extra inputs are not permitted; the keys here are {keys}" in str(
        caught.value
    )


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
    raw = _raw(params)
    raw["model"] = {"name": "random_forest", setting: value}
    if expected is None:
        assert getattr(parse_params(raw).model, setting) == value
        assert type(getattr(parse_params(raw).model, setting)) is type(value)
        return
    with pytest.raises(ConfigError, match=expected):
        parse_params(raw)


def test_params_are_frozen(params: Params) -> None:
    with pytest.raises(ValueError, match="frozen"):
        params.seed = 1  # type: ignore[misc]


def test_missing_params_file_says_how_to_create_it(tmp_path: Any) -> None:
    with pytest.raises(ConfigError, match="gitml compose"):
        load_params(tmp_path / "params.yaml")


def test_params_file_round_trips(params: Params, tmp_path: Any) -> None:
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(_raw(params)))
    assert load_params(path) == params


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
    raw = _raw(params)
    raw["data"]["source"] = {"kind": "file"} | source
    with pytest.raises(ConfigError, match=expected):
        parse_params(raw)
