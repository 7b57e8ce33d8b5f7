"""Stage `train`: train set → models/model.skops (one Pipeline) + models/model.json."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from gitml.config.params import DataParams, HistGradientBoostingParams, ModelParams, Params
from gitml.contract.leakage import find_leaks, leak_warning
from gitml.errors import DataError
from gitml.io import file_sha256, read_table, write_json
from gitml.ml.features import feature_kinds
from gitml.ml.meta import FeatureMeta, ModelMeta, TrainData, library_versions, write_model_meta
from gitml.ml.model import build_pipeline, save_model
from gitml.ml.preflight import refuse_features_without_values, validation_split_problem
from gitml.ml.rounds import shown_rounds

if TYPE_CHECKING:
    import pandas as pd
    from sklearn.pipeline import Pipeline

logger = logging.getLogger(__name__)


def fit_model(train: pd.DataFrame, data: DataParams, model: ModelParams, seed: int) -> Pipeline:
    """Fit preprocessing + estimator on the contract's feature columns of `train`.

    Raises:
        DataError: a feature has no value, or early stopping cannot split the classes.
    """
    refuse_features_without_values(train, data)
    categorical = [name for name, kind in feature_kinds(data).items() if kind == "categorical"]
    most_categories = max((train[name].nunique() for name in categorical), default=0)
    pipeline = build_pipeline(data, model, seed, most_categories)
    problem = validation_split_problem(pipeline[-1], train[data.target], data.target)
    if problem:
        raise DataError(problem)
    features, target = train[list(data.feature_columns)], train[data.target].to_numpy()
    fit: dict[str, Any] = {}
    if data.weight_column is not None:
        # every gitml estimator (logistic/ridge, forest, boosting) takes sample_weight in fit
        fit["estimator__sample_weight"] = train[data.weight_column].to_numpy(dtype="float64")
    with shown_rounds(pipeline[-1], f"train: {model.name}"):
        return pipeline.fit(features, target, **fit)


def learnt_nothing_warning(
    pipeline: Pipeline, train: pd.DataFrame, data: DataParams, model: ModelParams
) -> str | None:
    """One line when the model predicts the same for every training row checked, or None.

    On small data a default setting can forbid every split (histogram gradient boosting's
    min_samples_leaf: 20 on 30 rows), and the model then predicts the class shares (or the
    mean) for every row, while the metrics look merely poor.
    """
    import numpy as np

    checked = train.sample(n=min(len(train), 2000), random_state=0)[list(data.feature_columns)]
    scores = (
        pipeline.predict(checked) if data.task == "regression" else pipeline.predict_proba(checked)
    )
    if len(checked) < 2 or np.ptp(scores, axis=0).max() > 0:  # exact: tiny targets are fine
        return None
    hint = "Check that the features carry signal about the target"
    if isinstance(model, HistGradientBoostingParams):
        held_out = (
            " once early stopping has held out its validation rows" if model.early_stopping else ""
        )
        hint = (
            f"hist_gradient_boosting splits a leaf only with twice model.min_samples_leaf "
            f"({2 * model.min_samples_leaf}) rows{held_out}: lower min_samples_leaf, set "
            "model.early_stopping=false, or try model=random_forest"
        )
    return (
        f"train: the model predicts the same for all {len(checked)} training rows checked; it "
        f"learnt nothing from the {len(train)} rows. {hint}."
    )


def describe_model(pipeline: Pipeline, params: Params, train_sha256: str) -> ModelMeta:
    """The metadata that travels with the model: features, classes, params, lineage.

    Nothing in it depends on when or how fast training ran (see `timings`), so the same inputs
    give the same bytes, and `dvc.lock` changes only when the model does.
    """
    data = params.data
    classes = pipeline.classes_.tolist() if hasattr(pipeline, "classes_") else []
    positive = data.positive_class if data.positive_class is not None else (classes or [None])[-1]
    return ModelMeta(
        task=data.task,
        target=data.target,
        id_column=data.id_column,
        weight_column=data.weight_column,
        features=tuple(
            FeatureMeta(name=name, dtype=data.columns[name].dtype, kind=kind)
            for name, kind in feature_kinds(data).items()
        ),
        classes=classes,
        positive_class=positive if data.task == "binary" else None,
        model=params.model.model_dump(),
        seed=params.seeds.model,
        train_data=TrainData(path=params.paths.train, sha256=train_sha256),
        versions=library_versions(),
    )


def timings(seconds: float, rows: int, model_sha256: str) -> dict[str, Any]:
    """When and how long this run trained: for people and the report, never hashed by DVC.

    It names the model it describes: a model pulled from the remote later is not this one.
    """
    return {
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "training_seconds": round(seconds, 3),
        "train_rows": rows,
        "model_sha256": model_sha256,
    }


def run(params: Params) -> None:
    dates = [n for n, c in params.data.columns.items() if c.dtype == "datetime" and c.feature]
    if dates:  # the estimators take numbers, booleans and categories
        logger.info(
            "train: datetime column(s) %s are not features; derive one (a month, an age in "
            "days) as a column of its own to use it, or set feature: false to say so.",
            ", ".join(map(repr, dates)),
        )
    train = read_table(params.paths.train)
    started = time.perf_counter()
    pipeline = fit_model(train, params.data, params.model, params.seeds.model)
    seconds = time.perf_counter() - started
    if warning := learnt_nothing_warning(pipeline, train, params.data, params.model):
        logger.warning("%s", warning)
    data = params.data
    leaks = find_leaks(
        train, list(data.feature_columns), data.target, data.task, params.seeds.model
    )
    if warning := leak_warning(leaks, data.target, f"conf/data/{data.name}.yaml"):
        logger.warning("train: %s", warning)
    save_model(pipeline, params.paths.model)
    meta = describe_model(pipeline, params, file_sha256(params.paths.train))
    write_model_meta(params.paths.model_meta, meta)
    write_json(params.paths.timings, timings(seconds, len(train), file_sha256(params.paths.model)))
    logger.info(
        "train: %s on %d rows in %.1f s → %s",
        params.model.name,
        len(train),
        seconds,
        params.paths.model,
    )
