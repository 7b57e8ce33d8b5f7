"""A feature that alone predicts the target is named, with its score and the fix; honest
features and tables too small to judge say nothing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from gitml.contract.leakage import find_leaks, leak_warning, roc_auc


def _table(rows: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    hhi = rng.normal(50, 10, rows)
    return pd.DataFrame(
        {
            "hhi": hhi,
            "hhi2": hhi * 1.01 + rng.normal(0, 0.1, rows),  # the target under another name
            "age": rng.integers(18, 80, rows),
            "churned": np.where(hhi > 50, "yes", "no"),
        }
    )


def test_a_copy_of_the_target_leaks_and_an_honest_feature_does_not() -> None:
    frame = _table()

    regression = find_leaks(frame, ["hhi2", "age"], "hhi", "regression")
    binary = find_leaks(frame, ["hhi2", "age"], "churned", "binary")

    assert [(leak.column, leak.metric) for leak in regression] == [("hhi2", "r2")]
    assert [(leak.column, leak.metric) for leak in binary] == [("hhi2", "ROC AUC")]
    assert binary[0].score >= 0.95


def test_too_few_rows_are_not_judged() -> None:
    assert find_leaks(_table(30), ["hhi2"], "hhi", "regression") == []


def test_the_warning_names_each_leak_its_score_and_where_to_set_feature_false() -> None:
    leaks = find_leaks(_table(), ["hhi2", "age"], "hhi", "regression")

    warning = leak_warning(leaks, "hhi", "conf/data/survey.yaml")

    assert warning is not None
    assert warning.startswith("Possible target leakage: alone, hhi2 (r2 0.9")
    assert "set feature: false for it in conf/data/survey.yaml" in warning
    assert leak_warning([], "hhi", "the draft") is None


def test_a_copy_of_a_multiclass_target_leaks_one_vs_rest() -> None:
    frame = _table()
    frame["band"] = pd.cut(frame["hhi"], [-np.inf, 45, 55, np.inf], labels=["low", "mid", "high"])

    leaks = find_leaks(frame, ["hhi2", "age"], "band", "multiclass")

    assert [(leak.column, leak.metric) for leak in leaks] == [("hhi2", "ROC AUC")]
    assert leaks[0].score >= 0.95


def test_the_auc_is_scikit_learns_ties_and_all() -> None:
    rng = np.random.default_rng(1)
    positive = rng.random(300) < 0.3
    score = np.round(rng.random(300) + positive * 0.3, 1)  # few distinct values: many ties

    assert roc_auc(positive, score) == pytest.approx(roc_auc_score(positive, score), abs=1e-12)
    assert roc_auc(np.zeros(3, dtype=bool), np.array([0.1, 0.2, 0.3])) is None


def test_every_copy_of_a_leaking_column_is_named_with_the_same_score() -> None:
    # columns with the same values are scored once and each is still reported
    frame = _table().assign(copy=lambda t: t["hhi2"], whole=lambda t: t["age"].astype(float))

    leaks = find_leaks(frame, ["hhi2", "age", "copy", "whole"], "churned", "binary")

    assert [leak.column for leak in leaks] == ["hhi2", "copy"]
    assert leaks[0].score == leaks[1].score >= 0.95
