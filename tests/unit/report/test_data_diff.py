"""The data section: what a data PR changed against the baseline's validated data."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from gitml.config.params import Params
from gitml.contract.schema import validate_frame
from gitml.io import write_json
from gitml.ml.synthetic import generate_churn
from gitml.report import data_section
from gitml.report.baseline import Artifacts
from gitml.report.data_diff import diff_data


@pytest.fixture(scope="module")
def churn(params: Params) -> pd.DataFrame:
    typed, _ = validate_frame(generate_churn(400, 1), params.data)
    assert typed is not None
    return typed


def side(root: Path, label: str, validated: pd.DataFrame, **report: Any) -> Artifacts:
    """One side with its validated data and validation report (and no dvc.lock)."""
    root.mkdir()
    validated.to_parquet(root / "validated.parquet")
    write_json(root / "validation.json", {"passed": True, "rows": len(validated)} | report)
    files = {"validated": root / "validated.parquet", "validation_report": root / "validation.json"}
    return Artifacts(label, "0" * 40, {}, {}, files)


def test_labels_changed_in_place_are_counted_and_said_prominently(
    params: Params, churn: pd.DataFrame, tmp_path: Path
) -> None:
    # given a data PR that flips the label of 50 existing customers, and nothing else
    edited = churn.copy()
    flipped = edited.index[:50]
    edited.loc[flipped, "churned"] = 1 - edited.loc[flipped, "churned"]
    main = side(tmp_path / "main", "main", churn)
    branch = side(tmp_path / "branch", "branch", edited)

    # when the data are compared
    diff = diff_data(branch, main, params)

    # then no row was added or removed, but 50 changed, and the target is named first
    assert (diff.added, diff.removed) == (0, 0)
    assert diff.changed is not None
    assert (diff.changed.rows, diff.changed.matched) == (50, 400)
    assert diff.changed.columns == {"churned": 50}
    text = data_section.data(diff, "main", None)
    assert "(**+0** added, **-0** removed)" in text
    assert (
        "Changed: **50 rows** of the 400 kept under the same `customer_id` have other values "
        "(churned: 50)." in text
    )
    assert (
        "⚠️ **The target `churned` changed for 50 of the 400 rows both main and the branch have "
        "(matched by `customer_id`)" in text
    )


def test_regenerated_data_under_the_same_ids_shows_every_changed_column(
    params: Params, churn: pd.DataFrame, tmp_path: Path
) -> None:
    # given the same customers' values regenerated: the same ids, other values
    regenerated = generate_churn(400, 2).assign(customer_id=churn["customer_id"].to_numpy())
    other, _ = validate_frame(regenerated, params.data)
    assert other is not None
    main = side(tmp_path / "main", "main", churn)
    branch = side(tmp_path / "branch", "branch", other)

    diff = diff_data(branch, main, params)

    assert (diff.added, diff.removed) == (0, 0)
    assert diff.changed is not None
    assert diff.changed.rows == 400
    columns = list(diff.changed.columns)
    assert columns[0] == "churned"  # the target first, then the most changed
    assert "customer_id" not in columns
    counts = list(diff.changed.columns.values())[1:]
    assert counts == sorted(counts, reverse=True)
    assert diff.target_changes == int((churn["churned"] != other["churned"]).sum())


def test_another_data_seed_is_other_customers_not_changed_targets(
    params: Params, churn: pd.DataFrame, tmp_path: Path
) -> None:
    # given the synthetic data of another seed (issue 18: it used to reuse every id)
    other, _ = validate_frame(generate_churn(400, 2), params.data)
    assert other is not None
    main = side(tmp_path / "main", "main", churn)
    branch = side(tmp_path / "branch", "branch", other)

    diff = diff_data(branch, main, params)

    assert (diff.added, diff.removed) == (400, 400)
    assert not diff.target_changes
    assert data_section.target_changed(diff, "main") == ""


def test_without_an_id_a_changed_row_is_one_removed_and_one_added(
    compose_params: Any, churn: pd.DataFrame, tmp_path: Path
) -> None:
    params = compose_params("data.source.n_rows=2000", "data.id_column=null")
    edited = churn.copy()
    edited.loc[edited.index[:7], "monthly_charges"] += 1.0
    main = side(tmp_path / "main", "main", churn)
    branch = side(tmp_path / "branch", "branch", edited)

    diff = diff_data(branch, main, params)

    assert (diff.added, diff.removed) == (7, 7)
    assert diff.changed is None
    assert "Changed:" not in data_section.data(diff, "main", None)


def test_untouched_rows_under_the_same_ids_are_said_to_be_unchanged(
    params: Params, churn: pd.DataFrame, tmp_path: Path
) -> None:
    # given rows appended, existing ones untouched
    more = churn.tail(10).assign(customer_id=np.arange(10_001, 10_011))
    main = side(tmp_path / "main", "main", churn)
    branch = side(tmp_path / "branch", "branch", pd.concat([churn, more]))

    diff = diff_data(branch, main, params)

    assert (diff.added, diff.removed) == (10, 0)
    assert "No row kept under the same `customer_id` changed a value." in data_section.data(
        diff, "main", None
    )


def test_a_broken_contract_compares_no_data_the_branch_did_not_validate(
    params: Params, churn: pd.DataFrame, tmp_path: Path
) -> None:
    # given a branch whose data broke its contract: its validated file is the previous run's,
    # the very file main has (dvc.lock still records the same md5)
    main = side(tmp_path / "main", "main", churn)
    failure = {"column": "tenure_months", "check": "in_range(0, 10)", "count": 9, "samples": []}
    branch = side(tmp_path / "branch", "branch", churn, passed=False, failures=[failure])
    lock = {"stages": {"validate": {"outs": [{"path": "validated.parquet", "md5": "abc"}]}}}
    paths = {"paths": {"validated": "validated.parquet"}}
    main, branch = (dataclasses.replace(s, lock=lock, params=paths) for s in (main, branch))

    diff = diff_data(branch, main, params, stale=["validate", "train"])

    text = data_section.data(diff, "main", None)
    assert "Same validated data" not in text
    assert not diff.same_data
    assert diff.drift == []
    assert (
        "The branch's data could not be validated (its contract is broken), so its rows and "
        "drift are not compared with main's." in text
    )


def test_validated_data_out_of_date_are_not_compared(
    params: Params, churn: pd.DataFrame, tmp_path: Path
) -> None:
    main = side(tmp_path / "main", "main", churn)
    branch = side(tmp_path / "branch", "branch", churn.head(100))

    diff = diff_data(branch, main, params, stale=["ingest", "validate", "split"])

    assert diff.baseline_rows is None
    assert "The branch's validated data are out of date (stages: ingest, validate)" in (
        data_section.data(diff, "main", None)
    )


def test_columns_dropped_or_added_are_named(
    params: Params, churn: pd.DataFrame, tmp_path: Path
) -> None:
    main = side(tmp_path / "main", "main", churn)
    edited = churn.drop(columns=["support_calls"]).assign(plan="basic")
    branch = side(tmp_path / "branch", "branch", edited)

    diff = diff_data(branch, main, params)

    assert (diff.columns_removed, diff.columns_added) == (["support_calls"], ["plan"])
    text = data_section.data(diff, "main", None)
    assert "Columns removed: **`support_calls`**." in text
    assert "Columns added: **`plan`**." in text


def test_another_dataset_is_not_matched_row_by_row(
    params: Params, churn: pd.DataFrame, tmp_path: Path
) -> None:
    # given a branch that switches to other data sharing only the `region` column
    main = side(tmp_path / "main", "main", churn)
    rng = np.random.default_rng(0)
    wine = pd.DataFrame(
        {
            "alcohol": rng.uniform(11, 15, 60),
            "ash": rng.uniform(1.3, 3.3, 60),
            "cultivar": rng.integers(0, 3, 60),
            "region": rng.choice(["north", "south"], 60),
        }
    )
    branch = side(tmp_path / "branch", "branch", wine)

    # when the data are compared
    diff = diff_data(branch, main, params)

    # then no row is matched and drift is not compared, and the report says why
    assert (diff.added, diff.removed, diff.drift) == (60, 400, [])
    text = data_section.data(diff, "main", None)
    assert (
        "The branch's data share 1 of their 4 columns with main's 16: another dataset, so no "
        "row is matched and drift is not compared." in text
    )
    assert "Rows: 400 on main → 60 on the branch (**+60** added, **-400** removed)." in text


def test_new_columns_on_the_same_rows_are_compared_row_by_row(
    params: Params, churn: pd.DataFrame, tmp_path: Path
) -> None:
    # given a data PR that adds more columns than main has, to the same rows, and no id
    main = side(tmp_path / "main", "main", churn.drop(columns=["customer_id"]))
    extra = {f"extra_{i}": np.arange(len(churn)) * i for i in range(20)}
    branch = side(
        tmp_path / "branch", "branch", churn.drop(columns=["customer_id"]).assign(**extra)
    )

    # when the data are compared, then the rows match and the new columns are named
    diff = diff_data(branch, main, params)
    assert (diff.added, diff.removed) == (0, 0)
    assert len(diff.columns_added) == 20
