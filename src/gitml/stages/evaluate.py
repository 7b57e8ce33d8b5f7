"""Stage `evaluate`: model + test set → metrics, plots, importance, slices, predictions."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from gitml.config import EvaluateParams, Params
from gitml.io import read_json, read_table, write_json, write_parquet
from gitml.metrics import SLICE_METRICS, compute_metrics, primary_scorer
from gitml.model import load_model
from gitml.plots import classification_plots, regression_plots

if TYPE_CHECKING:
    import pandas as pd
    from sklearn.pipeline import Pipeline

logger = logging.getLogger(__name__)


def predict_table(pipeline: Pipeline, test: pd.DataFrame, meta: dict[str, Any]) -> pd.DataFrame:
    """One row per test row: row id, (id column), truth, prediction, class probabilities."""
    import pandas as pd

    features = test[[feature["name"] for feature in meta["features"]]]
    table = pd.DataFrame({"row_id": test.index.to_numpy()})
    if meta["id_column"]:
        table[meta["id_column"]] = test[meta["id_column"]].to_numpy()
    table["truth"] = test[meta["target"]].to_numpy()
    table["prediction"] = pipeline.predict(features)
    if meta["task"] != "regression":
        proba = pipeline.predict_proba(features)
        for index, label in enumerate(meta["classes"]):
            table[f"proba_{label}"] = proba[:, index]
    return table


def score_table(table: pd.DataFrame, meta: dict[str, Any]) -> dict[str, float]:
    """Headline metrics of a prediction table (also used per slice)."""
    classes = meta["classes"]
    proba = table[[f"proba_{c}" for c in classes]].to_numpy() if classes else None
    return compute_metrics(
        meta["task"],
        table["truth"].to_numpy(),
        table["prediction"].to_numpy(),
        proba,
        classes,
        meta["positive_class"],
    )


def slice_metrics(
    table: pd.DataFrame, test: pd.DataFrame, meta: dict[str, Any], settings: EvaluateParams
) -> list[dict[str, Any]]:
    """Metrics for each frequent value of each categorical or boolean feature."""
    keys = SLICE_METRICS[meta["task"]]
    slices = []
    for feature in meta["features"]:
        if feature["kind"] == "numeric":
            continue
        values = test[feature["name"]].astype(object).fillna("(missing)").astype(str).to_numpy()
        counts = {
            str(k): int(v) for k, v in zip(*np.unique(values, return_counts=True), strict=True)
        }
        frequent = sorted(counts, key=lambda value: -counts[value])[: settings.slice_max_categories]
        for value in frequent:
            if counts[value] < settings.slice_min_rows:
                continue
            scores = score_table(table[values == value], meta)
            row = {"feature": feature["name"], "value": value, "rows": counts[value]}
            slices.append(row | {key: scores[key] for key in keys})
    return slices


def feature_importance(
    pipeline: Pipeline,
    test: pd.DataFrame,
    meta: dict[str, Any],
    settings: EvaluateParams,
    seed: int,
) -> list[dict[str, Any]]:
    """Permutation importance on a seeded sample of test rows, most important first."""
    from sklearn.inspection import permutation_importance

    names = [feature["name"] for feature in meta["features"]]
    sample = test.sample(min(len(test), settings.importance_max_rows), random_state=seed)
    scorer = primary_scorer(meta["task"], meta["classes"], meta["positive_class"])
    result = permutation_importance(
        pipeline,
        sample[names],
        sample[meta["target"]].to_numpy(),
        scoring=scorer,
        n_repeats=settings.importance_repeats,
        random_state=seed,
    )
    rows = [
        {"feature": name, "importance": float(mean), "std": float(std)}
        for name, mean, std in zip(
            names, result.importances_mean, result.importances_std, strict=True
        )
    ]
    return sorted(rows, key=lambda row: -row["importance"])


def plot_tables(
    table: pd.DataFrame, meta: dict[str, Any], settings: EvaluateParams, seed: int
) -> dict[str, Any]:
    truth, predicted = table["truth"].to_numpy(), table["prediction"].to_numpy()
    if meta["task"] == "regression":
        return regression_plots(truth, predicted, settings.plot_max_points * 5, seed)
    proba = table[[f"proba_{c}" for c in meta["classes"]]].to_numpy()
    return classification_plots(
        truth,
        predicted,
        proba,
        meta["classes"],
        meta["positive_class"],
        settings.plot_max_points,
        settings.calibration_bins,
        settings.confusion_max_rows,
        seed,
    )


def run(params: Params) -> None:
    paths, settings = params.paths, params.evaluate
    pipeline, meta = load_model(paths.model), read_json(paths.model_meta)
    test = read_table(paths.test)
    table = predict_table(pipeline, test, meta)
    metrics = score_table(table, meta)
    write_parquet(paths.predictions, table)
    plots = plot_tables(table, meta, settings, params.seed)
    for name, rows in plots.items():
        write_json(Path(paths.plots) / f"{name}.json", rows)
    for stale in Path(paths.plots).glob("*.json"):  # e.g. ROC left from an earlier binary task
        if stale.stem not in plots:
            stale.unlink()
    write_json(paths.importance, feature_importance(pipeline, test, meta, settings, params.seed))
    write_json(paths.slices, slice_metrics(table, test, meta, settings))
    write_json(paths.metrics, metrics)
    logger.info(
        "evaluate: %s → %s", ", ".join(f"{k}={v:.4f}" for k, v in metrics.items()), paths.metrics
    )
