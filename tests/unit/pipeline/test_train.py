from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gitml.config.params import Params
from gitml.contract.schema import validate_frame
from gitml.io import file_sha256, read_json, write_parquet
from gitml.ml.meta import read_model_meta
from gitml.ml.model import load_model, save_model
from gitml.ml.synthetic import generate_churn
from gitml.pipeline import train
from gitml.pipeline.train import fit_model, learnt_nothing_warning
from tests.support.paths import with_paths


@pytest.fixture(scope="module")
def typed(params: Params) -> pd.DataFrame:
    frame, _ = validate_frame(generate_churn(1500, 5), params.data)
    assert frame is not None
    return frame


@pytest.mark.parametrize("model", ["linear", "random_forest", "hist_gradient_boosting"])
def test_each_model_fits_saves_and_reloads_identically(
    compose_params: Callable[..., Params], typed: pd.DataFrame, tmp_path: Path, model: str
) -> None:
    params = with_paths(compose_params(f"model={model}", "data.source.n_rows=1500"), tmp_path)
    write_parquet(params.paths.train, typed)
    train.run(params)
    reloaded = load_model(params.paths.model)
    fitted = fit_model(typed, params.data, params.model, params.seed)
    features = typed[list(params.data.feature_columns)]
    np.testing.assert_allclose(reloaded.predict_proba(features), fitted.predict_proba(features))
    meta = read_model_meta(params.paths.model_meta)
    assert meta.classes == [0, 1]
    assert meta.positive_class == 1
    assert meta.model["name"] == model
    assert meta.feature_names == list(params.data.feature_columns)
    assert meta.versions["scikit-learn"]


SMALL_MODELS = {
    "linear": "model.l2=1.0",
    "random_forest": "model.n_estimators=5",
    "hist_gradient_boosting": "model.max_iter=20",
}
TASKS = {
    "binary": (),
    "multiclass": ("data.task=multiclass", "data.target=contract", "data.positive_class=null"),
    "regression": (
        "data.task=regression",
        "data.target=monthly_charges",
        "data.positive_class=null",
        "split.strategy=random",
    ),
}


def test_every_model_of_every_task_loads_trusting_only_gitml_s_list(
    compose_params: Callable[..., Params], tmp_path: Path
) -> None:
    import subprocess
    import sys

    from gitml.config.params import MODEL_NAMES

    # given one saved model per estimator and task (a new estimator needs a small setting)
    assert sorted(SMALL_MODELS) == sorted(MODEL_NAMES)
    predictions = {}
    for task, overrides in TASKS.items():
        for model, small in SMALL_MODELS.items():
            params = compose_params(f"model={model}", small, *overrides)
            frame, _ = validate_frame(generate_churn(400, 3), params.data)
            assert frame is not None
            fitted = fit_model(frame, params.data, params.model, params.seed)
            save_model(fitted, tmp_path / f"{task}-{model}.skops")
            features = frame[list(params.data.feature_columns)].head(20)
            features.to_pickle(tmp_path / f"{task}-{model}.pkl")
            predictions[f"{task}-{model}"] = fitted.predict(features).tolist()
    # then: a fresh interpreter, where skops knows none of scikit-learn's estimators, loads
    # each (TRUSTED_TYPES names every type) and predicts the same
    script = (
        "import json, sys, pandas as pd; from pathlib import Path; "
        "from gitml.ml.model import load_model; root = Path(sys.argv[1]); "
        "print(json.dumps({p.stem: load_model(p).predict("
        "pd.read_pickle(p.with_suffix('.pkl'))).tolist() for p in root.glob('*.skops')}))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, check=True
    )
    reloaded = json.loads(loaded.stdout)
    assert reloaded.keys() == predictions.keys()
    for name, expected in predictions.items():
        if name.startswith("regression"):  # a forest's trees are summed in any order
            np.testing.assert_allclose(reloaded[name], expected, rtol=1e-12)
        else:
            assert reloaded[name] == expected


def test_unseen_categories_and_missing_values_are_handled(
    params: Params, typed: pd.DataFrame
) -> None:
    model = fit_model(typed, params.data, params.model, params.seed)
    odd = typed[list(params.data.feature_columns)].head(3).copy()
    odd["region"] = pd.Categorical(["atlantis", None, "north"])
    odd["satisfaction_score"] = np.nan
    proba = model.predict_proba(odd)
    assert proba.shape == (3, 2)
    assert np.isfinite(proba).all()


def test_same_seed_same_model(params: Params, typed: pd.DataFrame) -> None:
    features = typed[list(params.data.feature_columns)]
    first = fit_model(typed, params.data, params.model, 3).predict_proba(features)
    second = fit_model(typed, params.data, params.model, 3).predict_proba(features)
    np.testing.assert_array_equal(first, second)


def test_a_model_file_with_untrusted_types_is_refused(tmp_path: Path) -> None:
    import skops.io as sio

    from gitml.errors import DataError

    path = tmp_path / "model.skops"
    sio.dump({"f": np.polyfit}, path)  # a function gitml never trusts
    with pytest.raises(DataError, match="does not trust"):
        load_model(path)


@pytest.mark.parametrize("model", ["linear", "hist_gradient_boosting"])
def test_rare_categories_are_grouped_only_when_a_feature_has_too_many(
    compose_params: Callable[..., Params], typed: pd.DataFrame, model: str
) -> None:
    from gitml.ml.model import build_pipeline

    params = compose_params(f"model={model}")
    features, target = typed[list(params.data.feature_columns)], typed["churned"].to_numpy()
    # few categories: the same model as one built to group rare categories
    fitted = fit_model(typed, params.data, params.model, params.seed)
    grouping = build_pipeline(params.data, params.model, params.seed).fit(features, target)
    np.testing.assert_array_equal(fitted.predict_proba(features), grouping.predict_proba(features))
    # 300 distinct regions: more than either encoder keeps, so the rare ones are grouped
    many = typed.assign(region=pd.Categorical([f"r{i % 300}" for i in range(len(typed))]))
    proba = fit_model(many, params.data, params.model, params.seed).predict_proba(
        many[list(params.data.feature_columns)]
    )
    assert proba.shape == (len(many), 2)
    assert np.isfinite(proba).all()


@pytest.mark.parametrize("model", ["linear", "random_forest", "hist_gradient_boosting"])
def test_features_with_no_value_in_the_train_set_are_refused_before_fitting(
    compose_params: Callable[..., Params], typed: pd.DataFrame, model: str
) -> None:
    from gitml.errors import DataError

    params = compose_params(f"model={model}")
    # given a numeric, a boolean and a categorical feature with every value missing
    rows = len(typed)
    empty = typed.assign(
        satisfaction_score=np.nan,
        has_partner=pd.array([pd.NA] * rows, dtype="boolean"),
        region=pd.Categorical([None] * rows, categories=["north", "south"]),
    )
    # then: one message naming them, in contract order, and the fix
    with pytest.raises(
        DataError,
        match=r"^Feature column\(s\) 'satisfaction_score', 'has_partner', 'region' have no "
        rf"value in the {rows} training rows .*Set `feature: false` for them in "
        r"conf/data/churn\.yaml and run `gitml compose`\.$",
    ):
        fit_model(empty, params.data, params.model, params.seed)


@pytest.fixture
def multiclass(compose_params: Callable[..., Params]) -> Params:
    overrides = ("data.task=multiclass", "data.target=contract", "data.positive_class=null")
    return compose_params("model=hist_gradient_boosting", *overrides)


def test_early_stopping_refuses_a_class_with_one_training_row(
    multiclass: Params, typed: pd.DataFrame
) -> None:
    from gitml.errors import DataError

    # given one 'two_year' row: too few for the stratified validation split
    rare = pd.concat(
        [typed[typed["contract"] != "two_year"], typed[typed["contract"] == "two_year"].head(1)]
    )
    # then: the user's class name, not scikit-learn's encoded label, and both fixes
    with pytest.raises(
        DataError,
        match=r"class\(es\) of 'contract' with a single training row: 'two_year' \(1 row\)\. "
        r".*Drop or merge the rare class.* or set model\.early_stopping=false",
    ):
        fit_model(rare, multiclass.data, multiclass.model, multiclass.seed)
    # without early stopping the same rows train as before
    no_stopping = multiclass.model.model_copy(update={"early_stopping": False, "max_iter": 5})
    assert fit_model(rare, multiclass.data, no_stopping, multiclass.seed).classes_.tolist() == [
        "month_to_month",
        "one_year",
        "two_year",
    ]


def test_early_stopping_refuses_a_validation_split_smaller_than_the_classes(
    multiclass: Params, typed: pd.DataFrame
) -> None:
    from gitml.errors import DataError

    # given 18 rows of 3 classes: 10% held out is 2 rows, fewer than the 3 classes
    few = typed.groupby("contract", observed=True).head(6)
    with pytest.raises(
        DataError,
        match=r"holds out 2 of the 18 training rows, .* fewer than the 3 classes of 'contract'.*"
        r"Add rows.* or set model\.early_stopping=false",
    ):
        fit_model(few, multiclass.data, multiclass.model, multiclass.seed)


def test_a_model_that_learnt_nothing_is_named_with_the_setting_to_change(
    compose_params: Callable[..., Params], typed: pd.DataFrame
) -> None:
    tiny = typed.groupby("churned").head(16)  # 32 rows: no leaf of 20 can be split
    params = compose_params()
    model = fit_model(tiny, params.data, params.model, params.seed)
    warning = learnt_nothing_warning(model, tiny, params.data, params.model)
    assert warning is not None
    assert "predicts the same for all 32 training rows" in warning
    assert "twice model.min_samples_leaf (40) rows once early stopping" in warning
    smaller = compose_params("model.min_samples_leaf=3")
    model = fit_model(tiny, smaller.data, smaller.model, smaller.seed)
    assert learnt_nothing_warning(model, tiny, smaller.data, smaller.model) is None


@pytest.mark.parametrize("model", ["linear", "random_forest", "hist_gradient_boosting"])
def test_the_same_model_saves_to_the_same_bytes(
    compose_params: Callable[..., Params], typed: pd.DataFrame, tmp_path: Path, model: str
) -> None:
    # DVC and the report address a model by its md5: a retrain on the same inputs must match
    extra = ["model.n_estimators=10"] if model == "random_forest" else []
    params = compose_params(f"model={model}", *extra)
    files = []
    for attempt in range(2):
        fitted = fit_model(typed, params.data, params.model, params.seed)
        save_model(fitted, tmp_path / f"{attempt}.skops")
        files.append((tmp_path / f"{attempt}.skops").read_bytes())
    assert files[0] == files[1]
    features = typed[list(params.data.feature_columns)]
    reloaded = load_model(tmp_path / "0.skops")
    np.testing.assert_array_equal(reloaded.predict_proba(features), fitted.predict_proba(features))


def test_a_second_run_writes_the_same_metadata_and_keeps_its_timings_apart(
    compose_params: Callable[..., Params], typed: pd.DataFrame, tmp_path: Path
) -> None:
    # dvc.lock hashes models/model.json: a clock in it would change the lock on every run
    params = with_paths(compose_params("model.max_iter=20"), tmp_path)
    write_parquet(params.paths.train, typed)
    runs = []
    for _ in range(2):
        train.run(params)
        runs.append(Path(params.paths.model_meta).read_bytes())
    assert runs[0] == runs[1]
    meta = json.loads(runs[0])
    assert meta.get("trained_at") is None
    assert meta.get("training_seconds") is None
    timing = read_json(params.paths.timings)
    assert timing["train_rows"] == len(typed)
    assert timing["training_seconds"] >= 0
    assert timing["model_sha256"] == file_sha256(params.paths.model)
