from __future__ import annotations

import numpy as np
import pandas as pd

from gitml.config.params import Params
from gitml.ml.encoding import CategoryCodes
from gitml.ml.features import (
    MISSING_CATEGORY,
    FeatureKind,
    build_preprocessor,
    feature_kinds,
    to_float,
    to_object,
)

FRAME = pd.DataFrame(
    {
        "age": pd.array([30, None, 50, 40], dtype="Int64"),
        "member": pd.array([True, None, False, True], dtype="boolean"),
        "plan": pd.Categorical(["a", None, "b", "a"]),
    }
)
KINDS: dict[str, FeatureKind] = {"age": "numeric", "member": "boolean", "plan": "categorical"}


def test_feature_kinds_follow_the_contract_dtypes_in_order(params: Params) -> None:
    kinds = feature_kinds(params.data)
    assert list(kinds) == list(params.data.feature_columns)
    assert kinds["tenure_months"] == "numeric"
    assert kinds["has_partner"] == "boolean"
    assert kinds["contract"] == "categorical"


def test_nullable_values_become_nan_floats_and_plain_objects() -> None:
    floats = to_float(FRAME[["age", "member"]])
    assert floats.dtypes.tolist() == [np.float64, np.float64]
    assert np.isnan(floats.iloc[1]).all()
    assert floats["member"].tolist()[::2] == [1.0, 0.0]
    objects = to_object(FRAME[["plan"]])
    assert objects.dtype == object
    assert objects[0, 0] == "a"


def test_the_one_hot_path_imputes_scales_and_encodes_missing_as_its_own_category() -> None:
    transformer, categorical = build_preprocessor(KINDS, native_categorical=False)
    out = transformer.fit_transform(FRAME)
    names = transformer.get_feature_names_out().tolist()
    assert names == ["age", "member", f"plan_{MISSING_CATEGORY}", "plan_a", "plan_b"]
    assert categorical == [2]  # the output index of the first categorical feature's columns
    dense = np.asarray(out.toarray() if hasattr(out, "toarray") else out)
    assert abs(dense[:, 0].mean()) < 1e-12  # scaled
    assert dense[1, 1] == 1.0  # a missing boolean is the most frequent value
    assert dense[1].tolist()[2:] == [1.0, 0.0, 0.0]


def test_the_native_path_keeps_missing_values_and_codes_categories() -> None:
    transformer, categorical = build_preprocessor(KINDS, native_categorical=True, most_categories=2)
    out = transformer.fit_transform(FRAME)
    assert categorical == [2]
    assert np.isnan(out[1]).all()  # nothing imputed: the estimator handles missing values
    assert out[[0, 2, 3], 2].tolist() == [0.0, 1.0, 0.0]
    assert isinstance(transformer.transformers[-1][1], CategoryCodes)  # few values: no grouping
    grouped, _ = build_preprocessor(KINDS, native_categorical=True)
    assert not isinstance(grouped.transformers[-1][1], CategoryCodes)  # unknown: may group
