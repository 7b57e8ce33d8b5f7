from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from gitml.config.params import Params
from gitml.errors import DataError
from gitml.monitor.labels import join_labels, read_labels

SCORED = pd.DataFrame(
    {
        "customer_id": pd.Series([1, 2, 2, 3, None], dtype=object),  # as JSON gives them
        "prediction": [0, 1, 0, 1, 1],
        "probabilities": [None] * 5,
    }
)


def test_labels_join_on_the_id_as_text_and_the_last_scoring_wins(params: Params) -> None:
    labels = pd.DataFrame({"customer_id": ["2", "3", "3", "9"], "churned": [1, 0, 1, 0]})
    joined = join_labels(SCORED, labels, params.data, "labels.csv")
    assert joined[["customer_id", "prediction", "truth"]].to_dict("records") == [
        {"customer_id": 2, "prediction": 0, "truth": 1},
        {"customer_id": 3, "prediction": 1, "truth": 1},  # the last label of id 3
    ]


def test_ids_logged_as_floats_still_match_labels_read_as_ints(params: Params) -> None:
    # given a log where one record lacked its id, so pandas read the ids as floats
    scored = SCORED.assign(customer_id=[1.0, 2.0, 2.0, 3.0, float("nan")])
    labels = pd.DataFrame({"customer_id": [2, 3], "churned": [1, 0]})  # a CSV's ints

    joined = join_labels(scored, labels, params.data, "labels.csv")

    assert joined[["customer_id", "truth"]].to_dict("records") == [
        {"customer_id": 2.0, "truth": 1},
        {"customer_id": 3.0, "truth": 0},
    ]


def test_labels_without_the_id_or_target_name_the_columns_needed(params: Params) -> None:
    with pytest.raises(DataError) as error:
        join_labels(SCORED, pd.DataFrame({"id": [1], "y": [0]}), params.data, "labels.csv")
    assert str(error.value) == (
        "Labels file labels.csv lacks customer_id, churned (columns: id, y). It needs the id "
        "column 'customer_id' and the target 'churned'."
    )


def test_a_label_without_an_id_is_refused(params: Params) -> None:
    labels = pd.DataFrame({"customer_id": [1, None], "churned": [0, 1]})
    with pytest.raises(DataError, match=r"^1 label\(s\) in labels.csv have no customer_id"):
        join_labels(SCORED, labels, params.data, "labels.csv")


def test_records_logged_without_ids_cannot_be_matched(params: Params) -> None:
    labels = pd.DataFrame({"customer_id": [1], "churned": [0]})
    with pytest.raises(DataError) as error:
        join_labels(SCORED.drop(columns="customer_id"), labels, params.data, "labels.csv")
    assert "Clients must send customer_id with each record" in str(error.value)


def test_a_contract_without_an_id_column_cannot_join_labels(params: Params) -> None:
    data = params.data.model_copy(update={"id_column": None})
    with pytest.raises(DataError, match=r"has none\. Set data\.id_column"):
        join_labels(SCORED, pd.DataFrame(), data, "labels.csv")


def test_a_missing_labels_file_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(DataError) as error:
        read_labels(str(tmp_path / "labels.csv"))
    assert str(error.value) == (
        f"Labels file {tmp_path / 'labels.csv'} not found (monitor.labels or --labels)."
    )
    (tmp_path / "labels.csv").write_text("customer_id,churned\n7,1\n")
    assert read_labels(str(tmp_path / "labels.csv")).to_dict("records") == [
        {"customer_id": 7, "churned": 1}
    ]
