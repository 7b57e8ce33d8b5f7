from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from gitml.config import Params
from gitml.io import read_json
from gitml.metrics import HEADLINE
from gitml.stages import evaluate, ingest, split, train, validate
from tests.conftest import with_paths


def _pipeline(params: Params) -> None:
    for stage in (ingest, validate, split, train, evaluate):
        stage.run(params)


@pytest.fixture(scope="module")
def evaluated(
    compose_params: Callable[..., Params], tmp_path_factory: pytest.TempPathFactory
) -> Params:
    params = with_paths(compose_params("data.source.n_rows=3000"), tmp_path_factory.mktemp("eval"))
    _pipeline(params)
    return params


def test_binary_metrics_are_flat_and_sensible(evaluated: Params) -> None:
    metrics = read_json(evaluated.paths.metrics)
    assert list(metrics) == list(HEADLINE["binary"])
    assert 0.7 < metrics["roc_auc"] < 0.95
    assert 0 < metrics["brier"] < 0.25


def test_predictions_hold_ids_truth_and_probabilities(evaluated: Params) -> None:
    import pandas as pd

    table = pd.read_parquet(evaluated.paths.predictions)
    test = pd.read_parquet(evaluated.paths.test)
    assert len(table) == len(test) == 600
    assert list(table.columns) == [
        "row_id",
        "customer_id",
        "truth",
        "prediction",
        "proba_0",
        "proba_1",
    ]
    assert (table["row_id"].to_numpy() == test.index.to_numpy()).all()
    assert ((table["proba_0"] + table["proba_1"] - 1).abs() < 1e-9).all()


def test_plots_importance_and_slices(evaluated: Params) -> None:
    plots = Path(evaluated.paths.plots)
    assert sorted(p.stem for p in plots.glob("*.json")) == [
        "calibration",
        "confusion",
        "precision_recall",
        "roc",
    ]
    roc = read_json(plots / "roc.json")
    assert roc[0] == {"fpr": 0.0, "tpr": 0.0}
    assert roc[-1] == {"fpr": 1.0, "tpr": 1.0}
    assert len(roc) <= evaluated.evaluate.plot_max_points
    importance = read_json(evaluated.paths.importance)
    assert importance[0]["feature"] in {"contract", "tenure_months"}
    noise = {row["feature"]: row["importance"] for row in importance}
    assert noise["noise_uniform"] < importance[0]["importance"] / 5
    slices = read_json(evaluated.paths.slices)
    contract_slices = {row["value"] for row in slices if row["feature"] == "contract"}
    assert contract_slices == {"month_to_month", "one_year", "two_year"}
    assert all(row["rows"] >= evaluated.evaluate.slice_min_rows for row in slices)


@pytest.mark.parametrize(
    ("task_override", "expected_plots"),
    [
        (
            ["data.task=multiclass", "data.target=contract", "data.positive_class=null"],
            ["confusion"],
        ),
        (
            ["data.task=regression", "data.target=monthly_charges", "data.positive_class=null"],
            ["predicted_vs_actual"],
        ),
    ],
)
def test_metrics_and_plots_adapt_to_the_task(
    compose_params: Callable[..., Params],
    tmp_path: Path,
    task_override: list[str],
    expected_plots: list[str],
) -> None:
    params = with_paths(compose_params("data.source.n_rows=1500", *task_override), tmp_path)
    _pipeline(params)
    assert list(read_json(params.paths.metrics)) == list(HEADLINE[params.data.task])
    assert sorted(p.stem for p in Path(params.paths.plots).glob("*.json")) == expected_plots
