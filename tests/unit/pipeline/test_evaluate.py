from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from gitml.config.metric_names import HEADLINE
from gitml.config.params import Params
from gitml.io import read_json, read_table
from gitml.ml.meta import ModelMeta, read_model_meta
from gitml.pipeline import evaluate, train
from tests.support.paths import with_paths
from tests.support.pipeline import TrainedPipeline, run_pipeline
from tests.support.terminal import Terminal


@pytest.fixture
def evaluated(trained_pipeline: TrainedPipeline) -> Params:
    return trained_pipeline.params


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
    assert {row["score"] for row in importance} == {"fall in roc_auc"}
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
    run_pipeline(params)
    assert list(read_json(params.paths.metrics)) == list(HEADLINE[params.data.task])
    assert sorted(p.stem for p in Path(params.paths.plots).glob("*.json")) == expected_plots


def test_the_predicted_class_is_what_predict_returns(evaluated: Params) -> None:
    import pandas as pd

    from gitml.ml.model import load_model

    table = pd.read_parquet(evaluated.paths.predictions)
    test = pd.read_parquet(evaluated.paths.test)
    pipeline = load_model(evaluated.paths.model)
    features = test[list(evaluated.data.feature_columns)]
    np.testing.assert_array_equal(table["prediction"].to_numpy(), pipeline.predict(features))


def test_slices_label_missing_values_and_order_by_size(params: Params) -> None:
    import pandas as pd

    # given 40 rows: contract 'b' (20 rows), missing (12), 'a' (8); a boolean feature
    contract = pd.Categorical(["b"] * 20 + [None] * 12 + ["a"] * 8, categories=["a", "b", "z"])
    test = pd.DataFrame({"contract": contract, "paperless_billing": [True, False] * 20})
    truth = np.array([0, 1] * 20)
    table = pd.DataFrame(
        {"truth": truth, "prediction": truth, "proba_0": 1.0 - truth, "proba_1": truth * 1.0}
    )
    meta = ModelMeta.model_validate(
        {
            "task": "binary",
            "target": "churned",
            "classes": [0, 1],
            "positive_class": 1,
            "features": [
                {"name": "contract", "dtype": "category", "kind": "categorical"},
                {"name": "paperless_billing", "dtype": "bool", "kind": "boolean"},
            ],
        }
    )
    settings = params.evaluate.model_copy(update={"slice_min_rows": 10})
    # when
    slices = evaluate.slice_metrics(table, test, meta, settings)
    # then
    assert [(s["feature"], s["value"], s["rows"]) for s in slices] == [
        ("contract", "b", 20),
        ("contract", "(missing)", 12),
        ("paperless_billing", "False", 20),
        ("paperless_billing", "True", 20),
    ]
    assert all(s["accuracy"] == 1.0 for s in slices)


def test_a_slice_is_scored_over_the_classes_it_holds(params: Params) -> None:
    import pandas as pd

    # given a multiclass model that is right on every row of slice 'a', which holds only
    # classes x and y, and wrong on one row of slice 'b'
    test = pd.DataFrame({"plan": ["a"] * 10 + ["b"] * 10})
    truth = np.array(["x", "y"] * 5 + ["x", "y", "z", "z", "z"] * 2)
    predicted = truth.copy()
    predicted[-1] = "x"
    table = pd.DataFrame({"truth": truth, "prediction": predicted})
    for label in ("x", "y", "z"):
        table[f"proba_{label}"] = (predicted == label) * 1.0
    meta = ModelMeta.model_validate(
        {
            "task": "multiclass",
            "target": "tier",
            "classes": ["x", "y", "z"],
            "features": [{"name": "plan", "dtype": "category", "kind": "categorical"}],
        }
    )
    settings = params.evaluate.model_copy(update={"slice_min_rows": 5})

    # when
    slices = {s["value"]: s for s in evaluate.slice_metrics(table, test, meta, settings)}

    # then class z, absent from slice a, does not count as an f1 of 0 there
    assert slices["a"]["accuracy"] == 1.0
    assert slices["a"]["f1_macro"] == 1.0
    assert 0.8 < slices["b"]["f1_macro"] < 1.0


def test_importance_samples_at_most_the_configured_rows(evaluated: Params) -> None:
    import pandas as pd

    from gitml.ml.model import load_model

    pipeline, meta = load_model(evaluated.paths.model), read_model_meta(evaluated.paths.model_meta)
    test = pd.read_parquet(evaluated.paths.test)
    capped = evaluated.evaluate.model_copy(update={"importance_max_rows": 150})
    first = evaluate.feature_importance(pipeline, test, meta, capped, seed=7)
    assert [row["rows"] for row in first] == [150] * len(meta.features)
    assert {row["feature"] for row in first} == set(meta.feature_names)
    assert first == evaluate.feature_importance(pipeline, test, meta, capped, seed=7)
    # the whole test set when it is smaller than the cap
    assert read_json(evaluated.paths.importance)[0]["rows"] == len(test)


@pytest.mark.parametrize("model", ["hist_gradient_boosting", "linear"])
def test_permuted_rows_score_as_if_the_pipeline_saw_the_permuted_frame(
    compose_params: Callable[..., Params], model: str
) -> None:
    import pandas as pd

    from gitml.contract.schema import validate_frame
    from gitml.ml.synthetic import generate_churn
    from gitml.pipeline.train import fit_model

    params = compose_params(f"model={model}")
    typed, _ = validate_frame(generate_churn(600, 4), params.data)
    assert typed is not None
    pipeline = fit_model(typed, params.data, params.model, params.seed)
    features = typed[list(params.data.feature_columns)].reset_index(drop=True)
    rng = np.random.default_rng(0)
    orders = {name: rng.integers(0, len(features), 900) for name in features.columns}
    # when: permuted through the encoded sample (boosting) or the frame itself (linear)
    output = evaluate._stacked_output(pipeline, features, orders, "binary")
    # then: exactly what the whole pipeline gives on the frame of permuted columns
    frame = pd.DataFrame(
        {name: features[name].take(order).reset_index(drop=True) for name, order in orders.items()}
    )
    np.testing.assert_array_equal(output, pipeline.predict_proba(frame))


def _outputs(params: Params) -> list[Path]:
    paths = params.paths
    written = [paths.predictions, paths.importance, paths.slices, paths.metrics]
    return [p for p in map(Path, written) if p.exists()] + sorted(Path(paths.plots).glob("*"))


def _train_without_credit_card(
    compose_params: Callable[..., Params], root: Path, test_has_it: bool
) -> Params:
    """A multiclass model of payment_method that never saw 'credit_card' in training."""
    from gitml.contract.schema import validate_frame
    from gitml.io import write_parquet
    from gitml.ml.synthetic import generate_churn

    overrides = ("data.task=multiclass", "data.target=payment_method", "data.positive_class=null")
    params = with_paths(compose_params("model=linear", *overrides), root)
    typed, _ = validate_frame(generate_churn(800, 3), params.data)
    assert typed is not None
    learnt = typed[typed["payment_method"] != "credit_card"]
    write_parquet(params.paths.train, learnt.iloc[:500])
    test = typed.iloc[500:] if test_has_it else learnt.iloc[500:]
    write_parquet(params.paths.test, test)
    train.run(params)
    return params


def test_a_test_class_the_model_never_learnt_fails_before_any_output(
    compose_params: Callable[..., Params], tmp_path: Path
) -> None:
    from gitml.errors import DataError

    params = _train_without_credit_card(compose_params, tmp_path, test_has_it=True)
    with pytest.raises(
        DataError,
        match=r"^The test set .*test\.parquet has class\(es\) 'credit_card' \(\d+ rows\) of "
        r"'payment_method' that the model was not trained on \(its classes: 'bank_transfer', "
        r"'electronic_check', 'mailed_check'\)\. Run `dvc repro`",
    ):
        evaluate.run(params)
    assert _outputs(params) == []


def test_a_failure_late_in_evaluation_leaves_no_partial_outputs(
    compose_params: Callable[..., Params], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    params = _train_without_credit_card(compose_params, tmp_path, test_has_it=False)

    def fail(*args: object) -> None:
        raise RuntimeError("slices failed")

    monkeypatch.setattr(evaluate, "slice_metrics", fail)
    with pytest.raises(RuntimeError, match="slices failed"):
        evaluate.run(params)
    assert _outputs(params) == []
    monkeypatch.undo()
    evaluate.run(params)  # the same inputs evaluate once nothing fails
    assert len(_outputs(params)) == 5


def test_on_a_terminal_evaluate_shows_the_rows_it_scores(
    trained_pipeline: TrainedPipeline, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    params = trained_pipeline.copy_to(tmp_path / "copy")
    meta = read_model_meta(params.paths.model_meta)
    test_rows = len(read_table(params.paths.test))
    scored = test_rows + evaluate.importance_rows(test_rows, meta, params.evaluate)
    monkeypatch.delenv("CI", raising=False)
    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)

    evaluate.run(params)

    drawn = screen.getvalue()
    assert "evaluate: scoring" in drawn
    assert f"{scored / 1000:.1f}k/{scored / 1000:.1f}k" in drawn
    assert " rows/s" in drawn


def test_in_ci_evaluate_draws_nothing(
    trained_pipeline: TrainedPipeline,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    params = trained_pipeline.copy_to(tmp_path / "copy")
    monkeypatch.setenv("CI", "true")
    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)

    evaluate.run(params)

    assert screen.getvalue() == ""
    assert capsys.readouterr().out == ""
