from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gitml.config.params import Params
from gitml.errors import DataError
from gitml.ml.preflight import (
    class_counts,
    describe_counts,
    describe_values,
    refuse_features_without_values,
    small_test_set,
    unseen_classes,
)
from gitml.ml.synthetic import generate_churn


@pytest.mark.parametrize(
    ("counts", "early_stopping"),
    [
        ([10, 10], True),
        ([2, 30], True),
        ([7, 7, 7], True),
        ([1, 30], True),  # a class with one row
        ([2, 2], True),  # 1 validation row for 2 classes
        ([6, 6, 6], True),  # 2 validation rows for 3 classes
        ([1, 30], False),
        ([1, 30], "auto"),  # scikit-learn stops early on its own only above 10,000 rows
    ],
)
def test_the_early_stopping_check_refuses_exactly_what_scikit_learn_cannot_split(
    counts: list[int], early_stopping: bool | str
) -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier

    from gitml.ml.preflight import validation_split_problem

    target = pd.Series(np.repeat([f"c{i}" for i in range(len(counts))], counts))
    x = np.arange(len(target), dtype=float).reshape(-1, 1)
    estimator = HistGradientBoostingClassifier(early_stopping=early_stopping, max_iter=2)
    try:
        estimator.fit(x, target)
        fits = True
    except ValueError:
        fits = False
    assert (validation_split_problem(estimator, target, "y") is None) == fits


def test_values_and_counts_are_listed_up_to_five_then_counted() -> None:
    assert describe_values(["a", "b"]) == "'a', 'b'"
    assert describe_values(list(range(7)), str) == "0, 1, 2, 3, 4 and 2 more"
    assert describe_counts({"b": 3, "a": 1}) == "'a' (1 row), 'b' (3 rows)"
    assert describe_counts({1: 2, "x": 1}) == "1 (2 rows), 'x' (1 row)"  # mixed types sort as text


def test_a_small_test_set_says_what_is_small() -> None:
    assert small_test_set(50, {"yes": 5, "no": 45}) is None
    assert small_test_set(49, None) == "49 rows (fewer than 50)"
    assert small_test_set(200, {"yes": 0, "no": 200}) == (
        "fewer than 5 rows of class(es) 'yes' (0 rows)"
    )


def test_class_counts_leave_out_missing_values_and_unused_categories() -> None:
    values = pd.Series(pd.Categorical(["a", "b", None, "a"], categories=["a", "b", "c"]))
    assert class_counts(values) == {"a": 2, "b": 1}
    assert unseen_classes(pd.Series(["a", "z", "z"]), known=["a", "b"]) == {"z": 2}


def test_a_feature_without_any_value_is_refused_with_the_fix(params: Params) -> None:
    frame = generate_churn(40, 0)
    refuse_features_without_values(frame, params.data)  # every feature has values: fine
    frame["region"] = None
    with pytest.raises(DataError) as error:
        refuse_features_without_values(frame, params.data)
    assert str(error.value) == (
        "Feature column(s) 'region' have no value in the 40 training rows (every value is "
        "missing), so the model cannot learn from them. Set `feature: false` for them in "
        "conf/data/churn.yaml and run `gitml compose`."
    )
