"""The baseline's side of the comparison when the runs cannot be paired."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from gitml.config import Params
from gitml.io import write_json
from gitml.report import sections
from gitml.report.baseline import Artifacts
from gitml.report.compare import ModelComparison, compare_models, not_comparable

FRAUD = {
    "task": "binary",
    "target": "fraud",
    "id_column": None,
    "classes": ["no", "yes"],
    "positive_class": "yes",
    "features": [{"name": "f0", "kind": "numeric"}],
}
CHURN = FRAUD | {"target": "churned", "classes": [0, 1], "positive_class": 1}
RECORDED = {"roc_auc": 0.84, "average_precision": 0.67, "accuracy": 0.82, "log_loss": 0.41}


def side(
    root: Path, label: str, data: dict[str, Any], meta: dict[str, Any] | None, **json_files: Any
) -> Artifacts:
    """One side's artifacts: params.yaml's data section and the JSON files given."""
    root.mkdir()
    files = {}
    for key, payload in ({"model_meta": meta} | json_files).items():
        if payload is not None:
            write_json(root / f"{key}.json", payload)
            files[key] = root / f"{key}.json"
    return Artifacts(label, "0" * 40, {"data": data}, {}, files)


def branch(root: Path) -> Artifacts:
    rng = np.random.default_rng(0)
    truth = np.array(["no", "yes"] * 20)
    yes = np.clip((truth == "yes") * 0.6 + rng.random(40) * 0.4, 0, 1)
    predictions = pd.DataFrame(
        {
            "row_id": np.arange(40),
            "truth": truth,
            "prediction": np.where(yes >= 0.5, "yes", "no"),
            "proba_no": 1 - yes,
            "proba_yes": yes,
        }
    )
    mine = side(root / "branch", "branch", {"name": "fraud", **FRAUD}, FRAUD)
    predictions.to_parquet(root / "branch/predictions.parquet")
    mine.files["predictions"] = root / "branch/predictions.parquet"
    return mine


def compare(mine: Artifacts, theirs: Artifacts, params: Params) -> ModelComparison:
    return compare_models(mine, theirs, params.report, params.evaluate, params.seed)


def test_a_baseline_on_another_target_is_not_comparable(params: Params, tmp_path: Path) -> None:
    # given main trained on churn's `churned` and a branch on another file's `fraud`
    theirs = side(tmp_path / "main", "main", {"name": "churn", **CHURN}, CHURN, metrics=RECORDED)

    # when they are compared
    result = compare(branch(tmp_path), theirs, params)

    # then main's numbers, which measure another target, are not shown beside the branch's
    assert result.pairing == "not comparable"
    assert result.not_comparable == "the target changed from `churned` to `fraud`"
    assert all(math.isnan(m.baseline) and math.isnan(m.delta) for m in result.metrics)
    assert all(math.isfinite(m.branch) for m in result.metrics)
    text = sections.metrics(result, params.gate, "main", 0.95)
    assert "| **roc_auc** | — | " in text
    assert "| ≥ 0.75, tolerance 0.01 (skipped: not comparable) |" in text
    assert "Not comparable with the baseline: the target changed from `churned` to `fraud`" in text


@pytest.mark.parametrize(
    ("data", "meta", "why"),
    [
        # main's model is gone: its params.yaml still says what it predicted
        ({"name": "churn", **CHURN}, None, "the target changed from `churned` to `fraud`"),
        (
            {"name": "fraud", **FRAUD, "task": "multiclass"},
            FRAUD | {"task": "multiclass", "classes": ["no", "maybe", "yes"]},
            "the task changed from `multiclass` to `binary`",
        ),
        (
            {"name": "fraud", **FRAUD},
            FRAUD | {"classes": ["N", "Y"]},
            "the classes of `fraud` changed from `[N, Y]` to `[no, yes]`",
        ),
        # same target, but main's model cannot score the branch's rows: recorded numbers of
        # another dataset
        ({"name": "fraud_v1", **FRAUD}, None, "the dataset changed from `fraud_v1` to `fraud`"),
        # unpaired, main's f1 and precision are of another class
        (
            {"name": "fraud", **FRAUD, "positive_class": "no"},
            None,
            "the positive class changed from `no` to `yes`",
        ),
    ],
)
def test_what_makes_a_baseline_not_comparable_is_named(
    params: Params, tmp_path: Path, data: dict[str, Any], meta: dict[str, Any] | None, why: str
) -> None:
    theirs = side(tmp_path / "main", "main", data, meta, metrics=RECORDED)

    result = compare(branch(tmp_path), theirs, params)

    assert (result.pairing, result.not_comparable) == ("not comparable", why)


def test_an_unavailable_model_of_the_same_data_is_compared_unpaired(
    params: Params, tmp_path: Path
) -> None:
    theirs = side(tmp_path / "main", "main", {"name": "fraud", **FRAUD}, None, metrics=RECORDED)

    result = compare(branch(tmp_path), theirs, params)

    assert (result.pairing, result.not_comparable) == ("unpaired", "")
    auc = next(m for m in result.metrics if m.name == "roc_auc")
    assert auc.baseline == 0.84
    assert math.isnan(auc.low)


def test_classes_read_as_text_instead_of_numbers_are_the_same_classes(
    params: Params, tmp_path: Path
) -> None:
    theirs = side(tmp_path / "main", "main", {"name": "fraud", **FRAUD}, None, metrics=RECORDED)
    text_classes = FRAUD | {"classes": ["0", "1"]}
    assert not_comparable(text_classes, FRAUD | {"classes": [0, 1]}) == ""
    assert compare(branch(tmp_path), theirs, params).pairing == "unpaired"
