"""The target of a draft contract: its task (with why, and how to pick another), its
classes and positive class, and the rules a target always has."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from gitml.config.params import Scalar
from gitml.contract.infer.columns import plain
from gitml.errors import ConfigError, DataError
from gitml.io import separator_problem

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)

MAX_CLASSES = 20


def require_target(frame: pd.DataFrame, target: str, source_path: str) -> None:
    if target not in frame.columns:
        hint = separator_problem(frame, source_path) if source_path.lower().endswith(".csv") else ""
        raise DataError(
            hint
            or f"Target column {target!r} is not in {source_path} (columns: "
            f"{', '.join(map(str, frame.columns))}). Pass --target with one of them."
        )
    if frame.empty:
        raise DataError(f"{source_path} has no rows; cannot infer a contract from it.")


def target_task(target: pd.Series, dtype: str, task: str | None, source_path: str) -> str:
    """The task: `task` if it fits the target, else inferred; a target nothing can learn fails."""
    values = target.dropna()
    distinct = values.nunique()
    where = f"Target column {target.name!r} in {source_path}"
    if distinct == 0:
        raise DataError(
            f"{where} has no values (all {len(target)} are missing). Pass the column that "
            "holds the labels as --target."
        )
    if dtype == "datetime":
        raise DataError(
            f"{where} holds dates; gitml predicts classes or numbers. Pick another --target "
            "(a date column can order a time split: split=time split.time_column=<column>)."
        )
    if distinct == 1:
        raise DataError(
            f"{where} has one value ({target_classes(target, dtype)[0]!r}) in every row: there is "
            "nothing to learn. Add rows of the other classes, or pick another --target."
        )
    examples = ", ".join(map(repr, target_classes(target, dtype)[:5]))
    if task == "regression" and dtype not in ("int", "float"):
        held = "true/false values" if dtype == "bool" else "text"
        raise ConfigError(
            f"--task regression needs a numeric target, but {target.name!r} holds {held} "
            f"(e.g. {examples}). Pass --task {'binary' if distinct == 2 else 'multiclass'} "
            "(or leave --task out to infer it), or pick a numeric --target."
        )
    if task == "binary" and distinct > 2:
        raise ConfigError(
            f"--task binary needs a target with 2 classes, but {target.name!r} has {distinct} "
            f"({examples}{', ...' if distinct > 5 else ''}). Pass --task multiclass (or leave "
            "--task out to infer it)."
        )
    if task == "multiclass" and distinct == 2:
        raise ConfigError(
            f"--task multiclass needs a target with at least 3 classes, but {target.name!r} "
            f"has 2 ({examples}). Pass --task binary (or leave --task out to infer it)."
        )
    if task:
        return task
    task, why = _inferred_task(values, dtype, distinct)
    logger.info("Task %s: target %r %s", task, target.name, why)
    return task


def _inferred_task(values: pd.Series, dtype: str, distinct: int) -> tuple[str, str]:
    """The task a target's values suggest, and why, with how to pick the other one."""
    if distinct == 2:
        return "binary", "has 2 distinct values."
    if dtype in ("category", "str", "bool"):
        return "multiclass", f"holds text with {distinct} distinct values, taken as classes."
    span = f"{plain(values.min())} to {plain(values.max())}"
    if dtype == "int" and distinct <= MAX_CLASSES:
        return "multiclass", (
            f"holds whole numbers with {distinct} distinct values ({span}), and gitml takes up "
            f"to {MAX_CLASSES} as classes. If they are amounts to predict as a number (a "
            "count, a score), pass --task regression."
        )
    if dtype == "int":
        return "regression", (
            f"holds whole numbers with {distinct} distinct values ({span}), more than the "
            f"{MAX_CLASSES} gitml takes as classes. If they are classes, pass --task multiclass."
        )
    return "regression", f"holds numbers with fractions ({span})."


def shape_target(target: pd.Series, spec: dict[str, Any], task: str, source_path: str) -> None:
    """A target is never nullable; a numeric class label gets its classes as allowed values."""
    missing = int(target.isna().sum())
    if missing:
        logger.warning(
            "Target %r is missing in %d of %d rows of %s: those rows will fail validation "
            "(a target is never null), so the draft says nullable: false. Drop unlabeled rows "
            "from the file first.",
            target.name,
            missing,
            len(target),
            source_path,
        )
    spec["nullable"] = False
    if task != "regression":
        spec.pop("min", None)
        spec.pop("max", None)
        classes = target_classes(target, spec["dtype"])
        if spec["dtype"] in ("int", "float") and len(classes) <= MAX_CLASSES:
            spec["allowed"] = classes


def positive_class(target: pd.Series, dtype: str) -> Scalar:
    """The class train and evaluate pick when positive_class is unset: the last one sorted."""
    classes = target_classes(target, dtype)
    positive = classes[-1]
    logger.info(
        "Binary target %r: positive class %r (the last of %s in sorted order, as gitml picks "
        "it), written as positive_class; f1 and average precision are computed for it. "
        "To score the other class, set positive_class: %r in the draft.",
        target.name,
        positive,
        ", ".join(map(repr, classes)),
        classes[0],
    )
    return positive


def target_classes(target: pd.Series, dtype: str) -> list[Scalar]:
    """The target's classes as the model will see them (its `classes_`), sorted."""
    values = target.dropna().unique()
    if dtype in ("int", "float"):
        return sorted(plain(value) for value in values)
    if dtype == "bool":
        return sorted(bool(value) for value in values)
    return sorted(str(value) for value in values)
