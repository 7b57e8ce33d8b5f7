"""contract/infer/target.py: the draft's task (with why, and how to pick another), the target's
classes and positive class, and what nothing can learn from, each with its message."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
import pytest

from gitml.contract.infer.columns import column_dtype
from gitml.contract.infer.target import (
    MAX_CLASSES,
    positive_class,
    require_target,
    shape_target,
    target_classes,
    target_task,
)
from gitml.errors import ConfigError, DataError

ROWS = 30


def _target(values: Any) -> pd.Series:
    return pd.Series(values, name="y")


def _task(values: Any, task: str | None = None) -> str:
    """The task drafted for a target column `y` of sample.csv, its dtype as the draft reads it."""
    target = _target(values)
    return target_task(target, column_dtype(target), task, "sample.csv")


def _info(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]


# --- the column --------------------------------------------------------------------------


def test_a_target_not_in_the_file_lists_its_columns() -> None:
    frame = pd.DataFrame({"age": [1], "label": [0]})
    with pytest.raises(DataError) as raised:
        require_target(frame, "y", "data/t.parquet")
    assert str(raised.value) == (
        "Target column 'y' is not in data/t.parquet (columns: age, label). Pass --target with "
        "one of them."
    )


def test_a_csv_read_with_the_wrong_separator_says_so_instead() -> None:
    frame = pd.DataFrame({"age;y": ["3;1", "4;0"]})
    with pytest.raises(
        DataError, match=r"t\.csv looks semicolon-separated \(';' in its header"
    ) as raised:
        require_target(frame, "y", "t.csv")
    assert "is not in" not in str(raised.value)


def test_a_file_with_no_rows_cannot_be_drafted_from() -> None:
    with pytest.raises(DataError, match=r"^t\.csv has no rows; cannot infer a contract from it\.$"):
        require_target(pd.DataFrame({"y": []}), "y", "t.csv")


# --- the task ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            pd.date_range("2024-01-01", periods=ROWS),
            "Target column 'y' in sample.csv holds dates; gitml predicts classes or numbers. "
            "Pick another --target (a date column can order a time split: split=time "
            "split.time_column=<column>).",
        ),
        (
            [np.nan] * ROWS,
            "Target column 'y' in sample.csv has no values (all 30 are missing). Pass the "
            "column that holds the labels as --target.",
        ),
        (
            [1] * ROWS,
            "Target column 'y' in sample.csv has one value (1) in every row: there is nothing "
            "to learn. Add rows of the other classes, or pick another --target.",
        ),
    ],
    ids=["date-target", "empty-target", "constant-target"],
)
def test_a_target_nothing_can_learn_from_is_refused(values: Any, message: str) -> None:
    with pytest.raises(DataError) as raised:
        _task(values)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("values", "task", "message"),
    [
        (
            ["a", "b", "c"] * (ROWS // 3),
            "regression",
            "--task regression needs a numeric target, but 'y' holds text (e.g. 'a', 'b', 'c'). "
            "Pass --task multiclass (or leave --task out to infer it), or pick a numeric "
            "--target.",
        ),
        (
            [True, False] * (ROWS // 2),
            "regression",
            "--task regression needs a numeric target, but 'y' holds true/false values (e.g. "
            "False, True). Pass --task binary (or leave --task out to infer it), or pick a "
            "numeric --target.",
        ),
        (
            ["a", "b", "c"] * (ROWS // 3),
            "binary",
            "--task binary needs a target with 2 classes, but 'y' has 3 ('a', 'b', 'c'). "
            "Pass --task multiclass (or leave --task out to infer it).",
        ),
        (
            list("abcdefg") * 4,
            "binary",
            "--task binary needs a target with 2 classes, but 'y' has 7 ('a', 'b', 'c', 'd', "
            "'e', ...). Pass --task multiclass",
        ),
        (
            [0, 1] * (ROWS // 2),
            "multiclass",
            "--task multiclass needs a target with at least 3 classes, but 'y' has 2 (0, 1). "
            "Pass --task binary (or leave --task out to infer it).",
        ),
    ],
    ids=["regression-text", "regression-bool", "binary-3-classes", "binary-7", "multiclass-2"],
)
def test_a_task_the_target_cannot_have_says_which_to_pass(
    values: list[Any], task: str, message: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        _task(values, task)
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("target", "task", "message"),
    [
        (
            list(range(11)) * 3,
            "multiclass",
            "Task multiclass: target 'y' holds whole numbers with 11 distinct values (0 to 10), "
            "and gitml takes up to 20 as classes. If they are amounts to predict as a number "
            "(a count, a score), pass --task regression.",
        ),
        (
            list(range(25)) + [0] * 8,
            "regression",
            "Task regression: target 'y' holds whole numbers with 25 distinct values (0 to 24), "
            "more than the 20 gitml takes as classes. If they are classes, pass --task "
            "multiclass.",
        ),
        (
            [0.5, 1.25, 2.0] * 11,
            "regression",
            "Task regression: target 'y' holds numbers with fractions (0.5 to 2).",
        ),
        (
            ["a", "b", "c"] * 11,
            "multiclass",
            "Task multiclass: target 'y' holds text with 3 distinct values, taken as classes.",
        ),
        ([0, 1] * 16 + [1], "binary", "Task binary: target 'y' has 2 distinct values."),
    ],
    ids=["small-ints", "many-ints", "floats", "text", "two"],
)
def test_the_task_picked_is_logged_with_why_and_how_to_override(
    target: list[Any], task: str, message: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gitml")

    assert _task(target) == task

    assert _info(caplog) == [message]


def test_a_given_task_is_not_second_guessed(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="gitml")

    assert _task(list(range(10)) * 3, "regression") == "regression"

    assert _info(caplog) == []


# --- the target's rules and classes ------------------------------------------------------


def test_a_numeric_class_label_gets_its_classes_as_allowed_values_and_no_range() -> None:
    spec: dict[str, Any] = {"dtype": "int", "nullable": False, "min": 0}

    shape_target(_target([2, 0, 1] * 5), spec, "multiclass", "sample.csv")

    assert spec == {"dtype": "int", "nullable": False, "allowed": [0, 1, 2]}


def test_a_regression_target_keeps_its_range_and_too_many_classes_are_not_listed() -> None:
    regression: dict[str, Any] = {"dtype": "float", "nullable": False, "min": 0}
    shape_target(_target([0.5, 2.5]), regression, "regression", "sample.csv")
    assert regression == {"dtype": "float", "nullable": False, "min": 0}

    many: dict[str, Any] = {"dtype": "int", "nullable": False, "min": 0}
    shape_target(_target(range(MAX_CLASSES + 1)), many, "multiclass", "sample.csv")
    assert many == {"dtype": "int", "nullable": False}


def test_a_target_with_gaps_is_never_nullable_and_the_gaps_are_warned_of(
    caplog: pytest.LogCaptureFixture,
) -> None:
    spec: dict[str, Any] = {"dtype": "category", "nullable": True, "allowed": ["no", "yes"]}

    shape_target(_target(["no", "yes", None, None]), spec, "binary", "t.csv")

    assert spec == {"dtype": "category", "nullable": False, "allowed": ["no", "yes"]}
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING] == [
        "Target 'y' is missing in 2 of 4 rows of t.csv: those rows will fail validation (a "
        "target is never null), so the draft says nullable: false. Drop unlabeled rows from "
        "the file first."
    ]


@pytest.mark.parametrize(
    ("values", "dtype", "classes"),
    [
        (np.array([3, 1, 2, 1]), "int", [1, 2, 3]),
        ([1.0, 0.0, None], "float", [0, 1]),  # whole floats are the int labels the model sees
        ([True, False], "bool", [False, True]),
        (["yes", "no", "yes"], "category", ["no", "yes"]),
    ],
)
def test_classes_are_sorted_plain_values(values: Any, dtype: str, classes: list[Any]) -> None:
    found = target_classes(_target(values), dtype)
    assert found == classes
    assert [type(c) for c in found] == [type(c) for c in classes]


def test_the_positive_class_is_the_last_sorted_and_the_log_says_how_to_flip_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="gitml")

    assert positive_class(_target(["stayed", "churned"] * 3), "category") == "stayed"

    assert _info(caplog) == [
        "Binary target 'y': positive class 'stayed' (the last of 'churned', 'stayed' in sorted "
        "order, as gitml picks it), written as positive_class; f1 and average precision are "
        "computed for it. To score the other class, set positive_class: 'churned' in the draft."
    ]
