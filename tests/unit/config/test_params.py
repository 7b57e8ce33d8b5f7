from __future__ import annotations

from typing import Any

import pytest
import yaml

from gitml.config.params import Params, load_params, parse_params
from gitml.errors import ConfigError
from tests.support.params import with_value


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


def test_traffic_log_exclude_names_contract_columns(params: Params) -> None:
    with pytest.raises(
        ConfigError,
        match=r"serve\.traffic_log\.exclude names 'email', not a column of the data contract",
    ):
        parse_params(with_value(params, "serve.traffic_log", {"exclude": ["email"]}))


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


def test_missing_params_file_says_how_to_create_it(tmp_path: Any) -> None:
    with pytest.raises(ConfigError, match="gitml compose"):
        load_params(tmp_path / "params.yaml")


def test_params_file_round_trips(params: Params, tmp_path: Any) -> None:
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(_raw(params)))
    assert load_params(path) == params


def test_two_outputs_on_one_file_are_refused(params: Params) -> None:
    raw = with_value(params, "paths.test", params.paths.train)
    with pytest.raises(ConfigError) as caught:
        parse_params(raw)
    assert (
        f"paths.test and paths.train are the same file ({params.paths.train}): one stage would "
        "overwrite what another reads. Give paths.test its own path"
    ) in str(caught.value)


@pytest.mark.parametrize("strategy", ["group", "time"])
def test_a_split_column_left_to_be_set_says_where(params: Params, strategy: str) -> None:
    raw = with_value(params, "split", {"strategy": strategy, "test_size": 0.2})
    raw["split"][f"{strategy}_column"] = "???"
    with pytest.raises(ConfigError, match=rf"split\.{strategy}_column must be set: set "):
        parse_params(raw)
