from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gitml.config import Params
from gitml.contract import validate_frame
from gitml.io import read_json, write_parquet
from gitml.model import load_model
from gitml.stages import train
from gitml.stages.train import fit_model
from gitml.synthetic import generate_churn
from tests.conftest import with_paths


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
    meta = read_json(params.paths.model_meta)
    assert meta["classes"] == [0, 1]
    assert meta["positive_class"] == 1
    assert meta["model"]["name"] == model
    assert [f["name"] for f in meta["features"]] == list(params.data.feature_columns)
    assert meta["versions"]["scikit-learn"]


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
    from gitml.model import build_pipeline

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
