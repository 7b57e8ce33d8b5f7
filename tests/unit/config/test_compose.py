from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from gitml import cli
from gitml.config.compose import compose_text, write_params
from gitml.errors import ConfigError
from tests.support.paths import ROOT

CONF = ROOT / "conf"


def test_overrides_select_groups_and_set_values() -> None:
    text = compose_text(CONF, ["model=random_forest", "model.n_estimators=300"])
    composed = yaml.safe_load(text)
    assert composed["model"]["name"] == "random_forest"
    assert composed["model"]["n_estimators"] == 300


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ([], {"data": 42, "split": 42, "model": 42, "report": 42}),
        (["seed=7"], {"data": 7, "split": 7, "model": 7, "report": 7}),
        (["seeds.model=3"], {"data": 42, "split": 42, "model": 3, "report": 42}),
    ],
)
def test_every_seed_defaults_from_the_one_seed_and_each_can_be_set_alone(
    overrides: list[str], expected: dict[str, int]
) -> None:
    assert yaml.safe_load(compose_text(CONF, overrides))["seeds"] == expected


def test_output_is_stable_and_in_composition_order() -> None:
    first, second = compose_text(CONF), compose_text(CONF)
    assert first == second
    assert list(yaml.safe_load(first)) == [
        "seed",
        "seeds",
        "data",
        "paths",
        "model",
        "split",
        "evaluate",
        "report",
        "gate",
        "serve",
        "monitor",
        "card",
    ]


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("model=xgboost", "Could not find 'model/xgboost'"),
        ("model.max_depht=3", "'model.max_depht' is not a setting of model (model=hist_gr"),
        ("model.n_estimators=50", "it has name, learning_rate, max_iter, max_depth,"),
        ("split=time", "split.time_column must be set"),
        ("data=2024", "needs quotes"),
        ("data.target=nosuch", "target 'nosuch' is not a column of the contract (columns: c"),
        ("split.test_size=2", "split.test_size"),
        ("model.max_iter=[", "Cannot compose"),
        ("data.columns.'monthly charges'.min=0", "cannot name a key with spaces or quotes"),
    ],
)
def test_bad_overrides_fail_without_writing(tmp_path: Path, override: str, expected: str) -> None:
    target = tmp_path / "params.yaml"
    target.write_text("before\n")
    with pytest.raises(ConfigError) as caught:
        write_params(compose_text(CONF, [override]), target)
    assert expected in str(caught.value)
    assert "(got {" not in str(caught.value)  # never a whole section dumped as the value
    assert target.read_text() == "before\n"


def test_missing_conf_dir_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"config\.yaml not found"):
        compose_text(tmp_path)


@pytest.mark.parametrize(
    ("text", "where"),
    [("name: bad\n  task: [binary\n", "line 2, column 7"), ("name: a\nname: b\n", "duplicate")],
)
def test_a_conf_file_that_is_not_yaml_is_a_config_error_naming_it(
    tmp_path: Path, text: str, where: str
) -> None:
    shutil.copytree(CONF, tmp_path / "conf")
    (tmp_path / "conf/data/bad.yaml").write_text(text)
    with pytest.raises(ConfigError) as caught:
        compose_text(tmp_path / "conf", ["data=bad"])
    assert "conf/ is not valid YAML" in str(caught.value)
    assert "data/bad.yaml" in str(caught.value)
    assert where in str(caught.value)


@pytest.mark.parametrize(
    ("override", "strategy", "key"),
    [("split=group", "group", "group_column"), ("split.strategy=time", "time", "time_column")],
)
def test_a_split_without_its_column_points_to_conf_config_yaml(
    override: str, strategy: str, key: str, capsys: pytest.CaptureFixture[str]
) -> None:

    # when a group or time split is asked for without its column, through the CLI
    code = cli.main(["compose", "--conf", str(CONF), "--params", "unused.yaml", override])

    # then the message says how to make it the default, not only a one-off override
    err = capsys.readouterr().err
    assert code == 2
    assert (
        f"in conf/split/{strategy}.yaml and `- split: {strategy}` in the defaults list of " in err
    )
    assert "conf/config.yaml, then run `gitml compose`" in err
    assert f"split.{key}" in err
