"""Feature preprocessing shared by training, evaluation and serving (one Pipeline, no skew)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np

from gitml.config.params import DataParams

if TYPE_CHECKING:
    import pandas as pd
    from sklearn.compose import ColumnTransformer

FeatureKind = Literal["numeric", "boolean", "categorical"]
KIND_OF_DTYPE: dict[str, FeatureKind] = {
    "int": "numeric",
    "float": "numeric",
    "bool": "boolean",
    "category": "categorical",
    "str": "categorical",
}
MISSING_CATEGORY = "__missing__"
MAX_ONE_HOT_CATEGORIES = 50
# histogram gradient boosting bins categories natively; it accepts at most 255 per feature
MAX_NATIVE_CATEGORIES = 254


def feature_kinds(data: DataParams) -> dict[str, FeatureKind]:
    """Each feature column's kind, in contract order."""
    return {name: KIND_OF_DTYPE[spec.dtype] for name, spec in data.feature_columns.items()}


def to_float(frame: pd.DataFrame) -> pd.DataFrame:
    """Nullable ints and booleans to float64, with missing values as NaN."""
    return frame.astype("float64")


def to_object(frame: pd.DataFrame) -> np.ndarray:
    """Categories to plain objects so the imputer can add its own 'missing' value."""
    return frame.astype(object).to_numpy()


def build_preprocessor(
    kinds: dict[str, FeatureKind], native_categorical: bool, most_categories: int | None = None
) -> tuple[ColumnTransformer, list[int]]:
    """Column transformer for `kinds`, and the output indices of categorical features.

    With `native_categorical` (histogram gradient boosting), categories are ordinal-encoded
    and left for the estimator to split on natively, and missing values stay NaN; this is
    several times faster than one-hot on large data. Otherwise numerics are imputed and
    scaled, booleans imputed, and categories one-hot encoded with unknown values ignored.

    Rare categories are grouped into one when a feature has too many, unless
    `most_categories` (the most distinct values of any categorical feature, when known)
    shows that none does: the grouping counts every value in Python, which costs seconds
    on a million rows, and below the limit it changes nothing. Without grouping, the native
    path takes its codes from `CategoryCodes`: the same numbers, computed by pandas.
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import (
        FunctionTransformer,
        OneHotEncoder,
        OrdinalEncoder,
        StandardScaler,
    )

    numeric = [name for name, kind in kinds.items() if kind == "numeric"]
    boolean = [name for name, kind in kinds.items() if kind == "boolean"]
    categorical = [name for name, kind in kinds.items() if kind == "categorical"]

    def as_float() -> FunctionTransformer:
        return FunctionTransformer(to_float, feature_names_out="one-to-one")

    def grouping(limit: int) -> int | None:
        # an encoder groups nothing while every feature has fewer values than `limit`; +1 for
        # the missing value, which the one-hot path turns into a category of its own
        return None if most_categories is not None and most_categories + 1 < limit else limit

    if native_categorical:
        from gitml.ml.encoding import CategoryCodes

        limit = grouping(MAX_NATIVE_CATEGORIES)
        encode = (
            CategoryCodes()
            if limit is None
            else OrdinalEncoder(
                handle_unknown="use_encoded_value",
                unknown_value=np.nan,
                encoded_missing_value=np.nan,
                max_categories=limit,
            )
        )
        steps = [("numeric", as_float(), numeric), ("boolean", as_float(), boolean)]
    else:
        encode = make_pipeline(
            FunctionTransformer(to_object, feature_names_out="one-to-one"),
            SimpleImputer(strategy="constant", fill_value=MISSING_CATEGORY),
            OneHotEncoder(handle_unknown="ignore", max_categories=grouping(MAX_ONE_HOT_CATEGORIES)),
        )
        steps = [
            ("numeric", make_pipeline(as_float(), SimpleImputer(), StandardScaler()), numeric),
            (
                "boolean",
                make_pipeline(as_float(), SimpleImputer(strategy="most_frequent")),
                boolean,
            ),
        ]
    steps.append(("categorical", encode, categorical))
    transformer = ColumnTransformer([s for s in steps if s[2]], verbose_feature_names_out=False)
    first_categorical = len(numeric) + len(boolean)
    return transformer, list(range(first_categorical, first_categorical + len(categorical)))
