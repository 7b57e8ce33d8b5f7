"""Bring your own data through the CLI and config only, on tables of other shapes."""

from __future__ import annotations

import json
import math
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn import datasets

from tests.integration.conftest import Project, ran_stages
from tests.support.paths import ROOT

pytestmark = pytest.mark.slow


def _wine() -> pd.DataFrame:
    frame: pd.DataFrame = datasets.load_wine(as_frame=True).frame
    frame["target"] = frame["target"].map({0: "barolo", 1: "grignolino", 2: "barbera"})
    return frame.rename(columns={"target": "cultivar"})


def _diabetes() -> pd.DataFrame:
    frame: pd.DataFrame = datasets.load_diabetes(as_frame=True, scaled=False).frame
    return frame.rename(columns={"target": "progression"})


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
    result = project.gitml("repro")

    # then the whole pipeline ran and metrics and plots fit the task
    assert ran_stages(result.stdout) == ["ingest", "validate", "split", "train", "evaluate"]
    metrics = json.loads((project.root / "reports/metrics.json").read_text())
    assert metrics[metric] > 0.3
    predictions = pd.read_parquet(project.root / "reports/predictions.parquet")
    assert len(predictions) == math.ceil(len(load()) * 0.2)  # sklearn rounds the test set up


def _untidy(rows: int = 1200) -> pd.DataFrame:
    """A spreadsheet export: 75,083 incomes, '?' gaps, zip codes with leading zeros."""
    rng = np.random.default_rng(3)
    income = rng.integers(18_000, 250_000, rows)
    score = np.round(rng.normal(600, 80, rows), 1)
    region = rng.choice(["north", "south", "east", "west"], rows)
    signal = income / 25_000 + (score - 600) / 40
    frame = pd.DataFrame(
        {
            "customer_id": np.arange(1000, 1000 + rows),
            "income": [f"{value:,}" for value in income],
            "score": score.astype(object),
            "zip": rng.choice([f"{code:05d}" for code in rng.integers(1000, 99999, 80)], rows),
            "region": region.astype(object),
            "satisfaction": np.clip(np.round(signal + rng.normal(0, 1, rows)), 0, 10).astype(int),
        }
    )
    frame.loc[rng.random(rows) < 0.07, "score"] = "?"
    frame.loc[rng.random(rows) < 0.04, "region"] = "?"
    return frame


def test_an_untidy_csv_trains_on_its_numbers(project: Project) -> None:
    # given a CSV with thousands separators, '?' for gaps and zip codes, tracked by DVC
    (project.root / "data/external").mkdir(parents=True)
    _untidy().to_csv(project.root / "data/external/untidy.csv", index=False)
    project.dvc("add", "data/external/untidy.csv")

    # when a contract is drafted and the pipeline reproduced, through the CLI alone
    drafted = project.gitml(
        "infer-contract", "data/external/untidy.csv", "--target", "satisfaction"
    )
    assert "Task multiclass: target 'satisfaction' holds whole numbers" in drafted.stderr
    project.gitml("compose", "data=untidy", "model=random_forest", "model.n_estimators=50")
    project.gitml("repro")

    # then the model learns from numbers, not from 75,083 as an id or '?' as a category
    meta = json.loads((project.root / "models/model.json").read_text())
    kinds = {feature["name"]: feature["kind"] for feature in meta["features"]}
    assert kinds == {
        "income": "numeric",
        "score": "numeric",
        "zip": "categorical",
        "region": "categorical",
    }
    validated = pd.read_parquet(project.root / "data/interim/validated.parquet")
    assert validated["zip"].astype(str).str.len().eq(5).all()  # leading zeros kept
    assert "?" not in set(validated["region"].dropna().astype(str))
    assert validated["score"].isna().any()
    importance = json.loads((project.root / "reports/importance.json").read_text())
    assert importance[0]["feature"] == "income"


def _files_to_commit(readme: str) -> list[str]:
    """The paths the README says to commit when new data becomes the default, in its words."""
    start = readme.index("Make it the project's data with")
    listed = readme[readme.index("and commit", start) : readme.index("`make data-push`", start)]
    return [name for name in re.findall(r"`([^`]+)`", listed) if "/" in name or "." in name]


def test_committing_what_the_readme_lists_makes_the_new_data_the_default(
    project: Project, tmp_path: Path
) -> None:
    # given a project on main (with the outputs' .gitignore files this repo commits) and the
    # README's walk-through, with the file called customers
    for folder in ("data/raw", "data/interim", "data/processed", "models", "reports"):
        (project.root / folder).mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / folder / ".gitignore", project.root / folder / ".gitignore")
    project.commit("a gitml project")
    (project.root / "data/external").mkdir(parents=True)
    _diabetes().to_csv(project.root / "data/external/customers.csv", index=False)
    project.dvc("add", "data/external/customers.csv")
    project.gitml("infer-contract", "data/external/customers.csv", "--target", "progression")
    config = project.root / "conf/config.yaml"
    config.write_text(config.read_text().replace("  - data: churn", "  - data: customers"))
    project.gitml("compose")
    project.gitml("repro")

    # when exactly the files the README lists are committed
    listed = _files_to_commit((ROOT / "README.md").read_text(encoding="utf-8"))
    assert "conf/config.yaml" in listed
    assert "dvc.lock" in listed
    project.run("git", "add", *listed)
    project.run("git", "commit", "-q", "-m", "customers become the default")

    # then nothing the walk-through changed is left out, and a clone agrees with params.yaml
    assert project.run("git", "status", "--porcelain").stdout == ""
    clone = Project(tmp_path / "clone")
    project.run("git", "clone", "-q", str(project.root), str(clone.root))
    assert clone.gitml("compose", "--check", check=False).returncode == 0
    assert yaml.safe_load((clone.root / "params.yaml").read_text())["data"]["name"] == "customers"
