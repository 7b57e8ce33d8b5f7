"""Which rows the two models are compared on, and how the baseline's outputs are had.

In order of preference: the baseline's own predictions on the same test rows; its model
re-scored on the branch's test rows it did not train on; its recorded metrics (unpaired);
nothing, when the two runs predict different things (not comparable).
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from gitml.errors import DataError
from gitml.ml.meta import ModelMeta, read_model_meta
from gitml.report.rows import matched_by, seen_in

if TYPE_CHECKING:
    import pandas as pd

    from gitml.report.baseline import Artifacts

logger = logging.getLogger(__name__)

# re-scored on fewer of the branch's test rows than this (the larger of the two), the paired
# interval says little: the comparison falls back to the baseline's recorded metrics
MIN_RESCORED_ROWS = 30
MIN_RESCORED_SHARE = 0.1


def baseline_table(
    branch: Artifacts, baseline: Artifacts | None, table: pd.DataFrame, meta: ModelMeta
) -> tuple[pd.DataFrame | None, pd.DataFrame, str, str]:
    """The baseline model's prediction table on the branch's test rows, the branch's table on
    the same rows, and how we got them.

    With no baseline table, the pairing says why; for "not comparable" the note is the reason
    alone.
    """
    import pandas as pd

    if baseline is None:
        return None, table, "no baseline", "No baseline run to compare with."
    base_meta = model_meta_of(baseline)
    # main's params.yaml still says what its model predicted when the model itself is gone
    base_data = baseline.params.get("data") or {}
    changed = not_comparable(meta.model_dump(), base_meta.model_dump() if base_meta else base_data)
    if changed:
        return None, table, "not comparable", changed
    rows = f"{len(table):,} test rows"
    test_md5 = branch.out_md5("test")
    same_test = test_md5 is not None and test_md5 == baseline.out_md5("test")
    if same_test and "predictions" in baseline.files:
        theirs = pd.read_parquet(baseline.files["predictions"])
        aligned = theirs.set_index("row_id").reindex(table["row_id"]).reset_index()
        if len(theirs) == len(table) and aligned["truth"].notna().all():
            return aligned, table, "same rows", f"Both models scored on the same {rows}."
    unpaired, note = "", ""
    if "model" not in baseline.files or base_meta is None:
        unpaired = "the baseline model is unavailable"
    else:
        test = pd.read_parquet(need(branch, "test")).loc[table["row_id"].to_numpy()]
        unseen, unpaired, note = _unseen_rows(test, baseline, base_meta, meta)
        if not unpaired:
            try:
                from gitml.ml.model import load_model
                from gitml.ml.scoring import predict_table

                theirs = predict_table(load_model(baseline.files["model"]), test[unseen], base_meta)
                theirs["row_id"] = table["row_id"].to_numpy()[unseen]
            except Exception as exc:  # a model from other code may not score this data; say why
                logger.warning("could not score the baseline model on the branch's rows: %s", exc)
                unpaired = f"the baseline model could not score the branch's rows ({exc})"
    if unpaired:
        # its recorded metrics come from its own test rows: of the same dataset, a rough
        # guide; of another dataset, a different question
        mine_data = branch.params.get("data", {})
        other = _changed("dataset", base_data.get("name"), mine_data.get("name"))
        # precision, recall and f1 are of the positive class: recorded for another, they differ
        positive = base_meta.positive_class if base_meta else base_data.get("positive_class")
        other = other or _changed("positive class", positive, meta.positive_class)
        if other:
            return None, table, "not comparable", other
        return (
            None,
            table,
            "unpaired",
            f"{unpaired[0].upper()}{unpaired[1:]}; metrics are not paired: the baseline's are "
            "those recorded on its own test rows.",
        )
    return theirs, table[unseen].reset_index(drop=True), "rescored", note


def model_meta_of(side: Artifacts) -> ModelMeta | None:
    """A side's model.json, or None when it has none or one this code cannot read."""
    if "model_meta" not in side.files:
        return None
    try:
        return read_model_meta(side.files["model_meta"])
    except DataError as exc:
        logger.warning("model metadata of %s is unreadable: %s", side.commit[:8], exc)
        return None


def _unseen_rows(
    test: pd.DataFrame, baseline: Artifacts, base_meta: ModelMeta, meta: ModelMeta
) -> tuple[np.ndarray, str, str]:
    """Which of the branch's test rows the baseline model can be re-scored on: those it has
    every column for and did not train on. Returns (rows, why not, note): with a reason, the
    comparison is unpaired."""
    import pandas as pd

    nothing = np.zeros(len(test), dtype=bool)
    needed = [f.name for f in base_meta.features]
    # predict_table also copies the id column
    missing = [name for name in [*needed, base_meta.id_column] if name and name not in test]
    if missing:
        names = ", ".join(f"`{name}`" for name in missing)
        return (
            nothing,
            f"the baseline model could not score the branch's rows: it needs the column(s) "
            f"{names}, which the branch's test rows do not have",
            "",
        )
    if "train" not in baseline.files:
        path = baseline.params.get("paths", {}).get("train", "its train set")
        return (
            nothing,
            (
                f"the baseline's training rows ({path}) are unavailable, so the branch's test rows "
                "it trained on cannot be left out of a re-scoring"
            ),
            "",
        )
    train = pd.read_parquet(baseline.files["train"])
    # the branch's contract names the id (rows.by_id checks both sides have it), else main's
    id_column = meta.id_column or base_meta.id_column
    # without an id, a row the model saw is one with the same features and target
    unseen = ~seen_in(test, train, id_column, [*needed, base_meta.target])
    total = len(test)
    kept = int(unseen.sum())
    how = matched_by(train, test, id_column)
    need = max(MIN_RESCORED_ROWS, math.ceil(MIN_RESCORED_SHARE * total))
    if kept < need:
        return (
            nothing,
            (
                f"only {kept:,} of the branch's {total:,} test rows were not in the baseline's "
                f"training data (matched {how}), fewer than the {need:,} a paired comparison needs"
            ),
            "",
        )
    excluded = total - kept
    left_out = (
        f"{excluded:,} of the branch's {total:,} test rows were left out for being in the "
        f"baseline's training data (matched {how})"
        if excluded
        else f"none of the branch's {total:,} test rows is in the baseline's training data "
        f"(matched {how})"
    )
    return (
        unseen,
        "",
        (
            f"Data or split changed: both models were scored on the {kept:,} branch test rows the "
            f"baseline model did not train on; {left_out}. So the numbers differ from those "
            "recorded on each side's own test set."
        ),
    )


def not_comparable(mine: dict[str, Any], theirs: dict[str, Any]) -> str:
    """Why the two models' metrics measure different things, or "" when they do not.

    Each side is its model.json (task, target, classes) or, without one, its params.yaml's
    `data` section (task, target): classes are compared only when both sides know them.
    """
    for key in ("task", "target"):
        changed = _changed(key, theirs.get(key), mine.get(key))
        if changed:
            return changed
    # compared as text: a target read as "0"/"1" instead of 0/1 has the same classes
    if (
        "classes" in mine
        and "classes" in theirs
        and _text(mine["classes"]) != _text(theirs["classes"])
    ):
        return (
            f"the classes of `{mine.get('target')}` changed from {_classes(theirs['classes'])} "
            f"to {_classes(mine['classes'])}"
        )
    return ""


def _text(values: list[Any]) -> list[str]:
    return [str(value) for value in values]


def _changed(what: str, before: Any, after: Any) -> str:
    if before is None or after is None or before == after:
        return ""
    return f"the {what} changed from `{before}` to `{after}`"


def _classes(values: list[Any], shown: int = 10) -> str:
    names = [str(value) for value in values[:shown]] + (["…"] if len(values) > shown else [])
    return f"`[{', '.join(names)}]`"


def need(side: Artifacts, key: str) -> Any:
    from gitml.errors import GitmlError

    if key not in side.files:
        raise GitmlError(
            f"The {side.label} has no {key} file ({side.params.get('paths', {}).get(key)}). "
            "Run `dvc repro` first."
        )
    return side.files[key]
