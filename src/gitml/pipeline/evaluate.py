"""Stage `evaluate`: model + test set → metrics, plots, importance, slices, predictions."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from gitml import progress
from gitml.config.metric_names import SLICE_METRICS
from gitml.config.params import EvaluateParams, Params
from gitml.io import read_table, write_json, write_parquet
from gitml.ml.meta import read_model_meta
from gitml.ml.metrics import PRIMARY_SCORE_LOSS, compute_metrics, primary_score
from gitml.ml.model import load_model
from gitml.ml.plots import classification_plots, regression_plots
from gitml.ml.preflight import refuse_unscorable_test_set
from gitml.ml.scoring import predict_table

if TYPE_CHECKING:
    import pandas as pd
    from sklearn.pipeline import Pipeline

    from gitml.ml.meta import ModelMeta

logger = logging.getLogger(__name__)

MISSING_SLICE = "(missing)"


def score_table(
    table: pd.DataFrame, meta: ModelMeta, names: tuple[str, ...] | None = None
) -> dict[str, float]:
    """Headline metrics of a prediction table, weighted by its `weight` column if any."""
    classes = meta.classes
    proba = table[[f"proba_{c}" for c in classes]].to_numpy() if classes else None
    return compute_metrics(
        meta.task,
        table["truth"].to_numpy(),
        table["prediction"].to_numpy(),
        proba,
        classes,
        meta.positive_class,
        names,
        weights=table["weight"].to_numpy() if "weight" in table else None,
    )


def slice_metrics(
    table: pd.DataFrame, test: pd.DataFrame, meta: ModelMeta, settings: EvaluateParams
) -> list[dict[str, Any]]:
    """Metrics for each frequent value of each categorical or boolean feature, each over the
    classes the slice holds (a class absent from it is not an f1 of 0 in its f1_macro)."""
    keys = SLICE_METRICS[meta.task]
    classes, positive = meta.classes, meta.positive_class
    truth, predicted = table["truth"].to_numpy(), table["prediction"].to_numpy()
    proba = table[[f"proba_{c}" for c in classes]].to_numpy() if classes else None
    weights = table["weight"].to_numpy() if "weight" in table else None
    slices = []
    for feature in meta.features:
        if feature.kind == "numeric":
            continue
        codes, labels = _slice_codes(test[feature.name])
        counts = np.bincount(codes, minlength=len(labels))
        for k in np.argsort(-counts, kind="stable")[: settings.slice_max_categories]:
            if counts[k] < settings.slice_min_rows:
                continue
            rows = codes == k
            scores = compute_metrics(
                meta.task,
                truth[rows],
                predicted[rows],
                None if proba is None else proba[rows],
                classes,
                positive,
                keys,
                present_only=True,
                weights=None if weights is None else weights[rows],
            )
            slices.append(
                {"feature": feature.name, "value": str(labels[k]), "rows": int(counts[k])} | scores
            )
    return slices


def _slice_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each row's slice as an index into the sorted slice labels; missing is '(missing)'."""
    import pandas as pd

    codes, uniques = pd.factorize(values)  # missing → -1
    names = np.array([str(value) for value in uniques] + [MISSING_SLICE])
    labels, merged = np.unique(names, return_inverse=True)  # values of equal text merge
    return merged[codes], labels  # -1 picks the last name: MISSING_SLICE


def feature_importance(
    pipeline: Pipeline,
    test: pd.DataFrame,
    meta: ModelMeta,
    settings: EvaluateParams,
    seed: int,
) -> list[dict[str, Any]]:
    """Permutation importance on a seeded sample of test rows, most important first.

    At most `settings.importance_max_rows` rows; each result says how many (`rows`).

    Every (feature, repeat) permutation of the sample is stacked into one frame and scored
    with a single model call: the per-call overhead of a Pipeline dwarfs its per-row cost.
    """
    names = [feature.name for feature in meta.features]
    sample = test.sample(min(len(test), settings.importance_max_rows), random_state=seed)
    features, truth = sample[names].reset_index(drop=True), sample[meta.target].to_numpy()
    n, repeats = len(features), settings.importance_repeats
    rng = np.random.default_rng(seed)
    # block 0 is the sample as is; block 1 + i * repeats + r permutes feature i (repeat r)
    unpermuted = np.tile(np.arange(n), (1 + len(names) * repeats, 1))
    orders = {}
    for i, name in enumerate(names):
        order = unpermuted.copy()
        for r in range(repeats):
            order[1 + i * repeats + r] = rng.permutation(n)
        orders[name] = order.ravel()
    stacked = _stacked_output(pipeline, features, orders, meta.task)
    outputs = np.split(stacked, len(unpermuted))
    score = primary_score(meta.task, meta.classes, meta.positive_class)
    baseline = score(truth, outputs[0])
    drops = np.array([baseline - score(truth, output) for output in outputs[1:]])
    drops = drops.reshape(len(names), settings.importance_repeats)
    unit = PRIMARY_SCORE_LOSS[meta.task]
    rows = [
        {
            "feature": name,
            "importance": float(row.mean()),
            "std": float(row.std()),
            "score": unit,
            "rows": n,
        }
        for name, row in zip(names, drops, strict=True)
    ]
    return sorted(rows, key=lambda row: -row["importance"])


def importance_rows(test_rows: int, meta: ModelMeta, settings: EvaluateParams) -> int:
    """How many rows `feature_importance` scores: its sample, then once per permutation."""
    sample = min(test_rows, settings.importance_max_rows)
    return sample * (1 + len(meta.features) * settings.importance_repeats)


def _stacked_output(
    pipeline: Pipeline, features: pd.DataFrame, orders: dict[str, np.ndarray], task: str
) -> np.ndarray:
    """Model output on a frame whose column `name` holds the rows `orders[name]` of features.

    When preprocessing turns each feature into one model input column (histogram gradient
    boosting's ordinal codes), the sample is encoded once and its encoded columns are taken
    in order instead: preprocessing works row by row, so the model sees the same numbers.
    """
    import pandas as pd

    encode, model = pipeline[:-1], pipeline[-1]
    encoded_names = list(encode.get_feature_names_out())
    if sorted(encoded_names) == sorted(orders):
        encoded = np.asarray(encode.transform(features))
        stacked = np.column_stack(
            [encoded[orders[name], j] for j, name in enumerate(encoded_names)]
        )
        return model_output(model, stacked, task)
    frame = {
        name: features[name].take(order).reset_index(drop=True) for name, order in orders.items()
    }
    return model_output(pipeline, pd.DataFrame(frame), task)


def model_output(pipeline: Any, features: pd.DataFrame | np.ndarray, task: str) -> np.ndarray:
    """Class probabilities for classification, predictions for regression (any fitted model)."""
    output = (
        pipeline.predict(features) if task == "regression" else pipeline.predict_proba(features)
    )
    return np.asarray(output)


def plot_tables(
    table: pd.DataFrame, meta: ModelMeta, settings: EvaluateParams, seed: int
) -> dict[str, Any]:
    truth, predicted = table["truth"].to_numpy(), table["prediction"].to_numpy()
    if meta.task == "regression":
        return regression_plots(truth, predicted, settings.plot_max_points * 5, seed)
    proba = table[[f"proba_{c}" for c in meta.classes]].to_numpy()
    return classification_plots(
        truth,
        predicted,
        proba,
        classes=meta.classes,
        positive=meta.positive_class,
        max_points=settings.plot_max_points,
        bins=settings.calibration_bins,
        confusion_rows=settings.confusion_max_rows,
        seed=seed,
    )


def run(params: Params) -> None:
    paths, settings = params.paths, params.evaluate
    pipeline, meta = load_model(paths.model), read_model_meta(paths.model_meta)
    test = read_table(paths.test)
    refuse_unscorable_test_set(test, meta, paths.test)
    # every output is computed before the first is written, so a failure leaves the previous
    # run's outputs as they were rather than a mix of old and new
    permuted = importance_rows(len(test), meta, settings)
    with progress.bar(len(test) + permuted, "evaluate: scoring") as shown:
        table = predict_table(pipeline, test, meta, done=shown.update)
        metrics = score_table(table, meta)
        plots = plot_tables(table, meta, settings, params.seeds.report)
        importance = feature_importance(pipeline, test, meta, settings, params.seeds.report)
        shown.update(permuted)
        slices = slice_metrics(table, test, meta, settings)
    write_parquet(paths.predictions, table)
    for name, rows in plots.items():
        write_json(Path(paths.plots) / f"{name}.json", rows)
    for stale in Path(paths.plots).glob("*.json"):  # e.g. ROC left from an earlier binary task
        if stale.stem not in plots:
            stale.unlink()
    write_json(paths.importance, importance)
    write_json(paths.slices, slices)
    write_json(paths.metrics, metrics)
    logger.info(
        "evaluate: %s → %s", ", ".join(f"{k}={v:.4f}" for k, v in metrics.items()), paths.metrics
    )
