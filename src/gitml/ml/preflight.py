"""Data checks run before scikit-learn sees the data.

Each turns a condition that would otherwise fail deep inside a fit or a metric (with a shape
error, or a class named by its encoded label) into a message naming the user's column or class
and the fix. Shared by the split, train and evaluate stages.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING, Any

from gitml.config.params import DataParams
from gitml.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

    from gitml.ml.meta import ModelMeta

MAX_LISTED = 5  # classes or columns named in one message; the rest are counted
# below these, test metrics are mostly noise: a warning (split, the PR report), since small
# data can still be a start
MIN_TEST_ROWS = 50
MIN_TEST_ROWS_PER_CLASS = 5


def describe_values(values: Sequence[Any], describe: Callable[[Any], str] = repr) -> str:
    """`'a', 'b'`: at most MAX_LISTED of `values`, then how many more."""
    more = len(values) - MAX_LISTED
    shown = ", ".join(describe(value) for value in values[:MAX_LISTED])
    return shown + (f" and {more} more" if more > 0 else "")


def describe_counts(counts: dict[Any, int]) -> str:
    """`'a' (1 row), 'b' (3 rows)`, sorted by class, at most MAX_LISTED of them."""

    def rows(label: Any) -> str:
        return f"{label!r} ({counts[label]} row{'s' * (counts[label] != 1)})"

    try:
        labels = sorted(counts)
    except TypeError:  # labels of mixed types
        labels = sorted(counts, key=str)
    return describe_values(labels, rows)


def small_test_set(rows: int, counts: dict[Any, int] | None) -> str | None:
    """What makes a test set too small for its metrics to say much, or None.

    `counts`: test rows per class (a class the model learnt and the test set lacks at 0), or
    None for regression.
    """
    problems = []
    if rows < MIN_TEST_ROWS:
        problems.append(f"{rows} rows (fewer than {MIN_TEST_ROWS})")
    few = {label: n for label, n in (counts or {}).items() if n < MIN_TEST_ROWS_PER_CLASS}
    if few:
        problems.append(
            f"fewer than {MIN_TEST_ROWS_PER_CLASS} rows of class(es) {describe_counts(few)}"
        )
    return " and ".join(problems) or None


def class_counts(values: pd.Series) -> dict[Any, int]:
    """Rows per class present in `values` (plain Python labels, missing values left out)."""
    counts = values.value_counts(sort=False)
    counts = counts[counts > 0]  # a categorical lists its unused categories too
    return dict(zip(counts.index.tolist(), counts.tolist(), strict=True))


def unseen_classes(values: pd.Series, known: Collection[Any]) -> dict[Any, int]:
    """Rows per class of `values` that is not in `known`."""
    return {label: n for label, n in class_counts(values).items() if label not in known}


def refuse_features_without_values(frame: pd.DataFrame, data: DataParams) -> None:
    """Refuse feature columns whose every value is missing: nothing to learn from.

    Histogram gradient boosting fails on them with a shape error; imputers drop them silently.
    """
    empty = [name for name in data.feature_columns if not frame[name].notna().any()]
    if empty:
        raise DataError(
            f"Feature column(s) {describe_values(empty)} have no value in the {len(frame)} "
            "training rows (every value is missing), so the model cannot learn from them. Set "
            f"`feature: false` for them in conf/data/{data.name}.yaml and run `gitml compose`."
        )


def validation_split_problem(estimator: Any, target: pd.Series, name: str) -> str | None:
    """Why HistGradientBoostingClassifier's early stopping cannot split `target`, or None.

    With early stopping, the classifier holds out `validation_fraction` of its training rows
    through `train_test_split(stratify=y)`, which refuses a class with a single row, and a
    validation or training side with fewer rows than there are classes.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier

    if not isinstance(estimator, HistGradientBoostingClassifier):
        return None
    rows, fraction = len(target), estimator.validation_fraction
    stopping = rows > 10_000 if estimator.early_stopping == "auto" else estimator.early_stopping
    if not stopping or fraction is None:
        return None
    held_out = math.ceil(fraction * rows) if isinstance(fraction, float) else int(fraction)
    counts = class_counts(target)
    fix = (
        "or set model.early_stopping=false (in conf/model/hist_gradient_boosting.yaml, then "
        "`gitml compose`)."
    )
    single = {label: n for label, n in counts.items() if n < 2}
    if single:
        return (
            f"Early stopping cannot split class(es) of {name!r} with a single training row: "
            f"{describe_counts(single)}. hist_gradient_boosting holds out {held_out} of the "
            f"{rows} training rows, stratified by class, to decide when to stop, so every "
            f"class needs at least 2 rows. Drop or merge the rare class(es) in the data, {fix}"
        )
    if min(held_out, rows - held_out) < len(counts):
        return (
            f"Early stopping cannot split the training rows: hist_gradient_boosting holds out "
            f"{held_out} of the {rows} training rows, stratified by class, and one side would "
            f"have fewer than the {len(counts)} classes of {name!r}. Add rows, {fix}"
        )
    return None


def refuse_unscorable_test_set(test: pd.DataFrame, meta: ModelMeta, source: str) -> None:
    """Refuse a test set the model in `meta` (models/model.json) cannot be scored on."""
    fix = "Run `dvc repro` so that split and train run on the same data."
    needed = [*(feature.name for feature in meta.features), meta.target]
    missing = [name for name in needed if name not in test.columns]
    if missing:
        raise DataError(
            f"The test set {source} lacks column(s) {describe_values(missing)} that the model "
            f"needs. {fix}"
        )
    if meta.task == "regression":
        return
    unseen = unseen_classes(test[meta.target], meta.classes)
    if unseen:
        raise DataError(
            f"The test set {source} has class(es) {describe_counts(unseen)} of "
            f"{meta.target!r} that the model was not trained on (its classes: "
            f"{describe_values(meta.classes)}). {fix} split refuses a class that only the "
            "test set has, and says how to fix it."
        )
