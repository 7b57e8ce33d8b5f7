"""Bring your own data through the CLI and config only, on tables of other shapes."""

from __future__ import annotations

import json
import math
from collections.abc import Callable

import pandas as pd
import pytest
import yaml
from sklearn import datasets

from tests.integration.conftest import Project, ran_stages

pytestmark = pytest.mark.slow


def _wine() -> pd.DataFrame:
    frame = datasets.load_wine(as_frame=True).frame
    frame["target"] = frame["target"].map({0: "barolo", 1: "grignolino", 2: "barbera"})
    return frame.rename(columns={"target": "cultivar"})


def _diabetes() -> pd.DataFrame:
    return datasets.load_diabetes(as_frame=True, scaled=False).frame.rename(
        columns={"target": "progression"}
    )


@pytest.mark.parametrize(
    ("name", "load", "target", "task", "metric"),
    [
        ("wine", _wine, "cultivar", "multiclass", "f1_macro"),
        ("diabetes", _diabetes, "progression", "regression", "r2"),
    ],
)
def test_a_csv_and_a_contract_file_are_all_it_takes(
    project: Project,
    name: str,
    load: Callable[[], pd.DataFrame],
    target: str,
    task: str,
    metric: str,
) -> None:
    # given a CSV tracked by DVC
    (project.root / "data/external").mkdir(parents=True)
    load().to_csv(project.root / f"data/external/{name}.csv", index=False)
    project.dvc("add", f"data/external/{name}.csv")

    # when a contract is drafted and selected by config alone
    project.gitml("infer-contract", f"data/external/{name}.csv", "--target", target)
    contract = yaml.safe_load((project.root / f"conf/data/{name}.yaml").read_text())
    assert contract["task"] == task
    project.gitml("compose", f"data={name}", "model=random_forest", "model.n_estimators=50")
    result = project.dvc("repro")

    # then the whole pipeline ran and metrics and plots fit the task
    assert ran_stages(result.stdout) == ["ingest", "validate", "split", "train", "evaluate"]
    metrics = json.loads((project.root / "reports/metrics.json").read_text())
    assert metrics[metric] > 0.3
    predictions = pd.read_parquet(project.root / "reports/predictions.parquet")
    assert len(predictions) == math.ceil(len(load()) * 0.2)  # sklearn rounds the test set up
