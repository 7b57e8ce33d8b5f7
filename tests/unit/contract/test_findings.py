"""contract/findings.py: what validation found, down to the rows a user has to look at."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gitml.config.params import Params
from gitml.contract.findings import MAX_SAMPLES, first_rows, repeated_ids
from gitml.contract.schema import validate_frame
from gitml.ml.synthetic import generate_churn


@pytest.fixture
def raw() -> pd.DataFrame:
    return generate_churn(300, 3)


def test_each_failure_names_the_first_rows_it_is_on(raw: pd.DataFrame, params: Params) -> None:
    broken = raw.copy()
    broken.loc[[4, 9], "tenure_months"] = [-3, 500]
    broken.loc[[11, 12, 13, 14, 15, 16, 17], "contract"] = "lifetime"
    broken.loc[20, "monthly_charges"] = None
    broken["has_partner"] = broken["has_partner"].astype(object)
    broken.loc[30, "has_partner"] = "maybe"  # not a boolean: strict_types' own check
    _, verdict = validate_frame(broken, params.data)
    rows = {failure.column: failure.rows for failure in verdict.failures}
    assert rows["tenure_months"] == [4, 9]
    assert rows["contract"] == [11, 12, 13, 14, 15]  # the first MAX_SAMPLES of 7
    assert rows["monthly_charges"] == [20]
    assert rows["has_partner"] == [30]
    summary = verdict.summary("churn")
    assert "e.g. 'lifetime' (row 11, 12, 13, 14, 15, ...)" in summary
    assert "(row 20)" in summary
    assert "line = row + 2" in summary
    assert verdict.as_report()["failures"][0]["rows"]  # and in validation.json


def test_a_passing_or_column_level_failure_says_nothing_of_rows(
    raw: pd.DataFrame, params: Params
) -> None:
    _, verdict = validate_frame(raw.drop(columns=["region"]), params.data)
    assert [failure.rows for failure in verdict.failures] == [[]]
    assert "row" not in verdict.summary("churn").split("\n")[1]


def test_repeated_ids_name_the_rows_that_repeat() -> None:
    ids = pd.Series([1, 2, None, 2, 3, 1], name="id")
    repeats = repeated_ids(ids)
    assert repeats is not None
    assert (repeats.count, repeats.samples, repeats.rows) == (4, [1.0, 2.0], [0, 1, 3, 5])


def test_first_rows_keeps_whole_numbers_once_and_skips_what_is_no_row() -> None:
    labels = [None, np.nan, 3.0, np.int64(3), True, "x", 7, *range(100, 110)]
    assert first_rows(labels) == [3, 7, 100, 101, 102][:MAX_SAMPLES]
