"""The model card: owner and use from conf/, metrics with intervals, limits, lineage."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gitml import cli
from gitml.config.params import Params
from gitml.io import write_json, write_parquet
from gitml.serving.card import build_card
from tests.support.paths import with_paths


@pytest.fixture
def project(params: Params, tmp_path: Path) -> Params:
    moved = with_paths(params, tmp_path)
    rng = np.random.default_rng(0)
    truth = (rng.random(400) < 0.03).astype(np.int64)  # a rare positive class
    score = np.clip(truth * 0.5 + rng.random(400) * 0.5, 0, 1)
    table = pd.DataFrame(
        {"truth": truth, "prediction": (score > 0.5).astype(np.int64), "proba_0": 1 - score,
         "proba_1": score}
    )  # fmt: skip
    write_parquet(moved.paths.predictions, table)
    meta = {
        "task": "binary", "classes": [0, 1], "positive_class": 1, "target": "churned",
        "model": {"name": "linear", "l2": 1.0}, "trained_at": "2026-12-07T08:00:00+00:00",
        "train_data": {"path": "data/processed/train.parquet", "sha256": "ab" * 32},
        "versions": {"python": "3.11.7", "scikit-learn": "1.9.1"},
    }  # fmt: skip
    write_json(moved.paths.model_meta, meta)
    slices = [
        {"feature": "contract", "value": "one_year", "rows": 90, "roc_auc": 0.7, "accuracy": 0.9},
        {"feature": "region", "value": "north", "rows": 80, "roc_auc": 0.6, "accuracy": 0.8},
    ]
    write_json(moved.paths.slices, slices)
    importance = [
        {
            "feature": "contract",
            "importance": 0.09,
            "std": 0.002,
            "score": "fall in roc_auc",
            "rows": 400,
        }
    ]
    write_json(moved.paths.importance, importance)
    (tmp_path / "reports").mkdir(exist_ok=True)
    write_json(tmp_path / "reports/monitor.json", {"drifted_columns": ["tenure_months"]})
    return moved


def test_the_card_says_who_what_how_well_and_where_it_falls_short(
    project: Params, tmp_path: Path
) -> None:
    card = build_card(project, tmp_path)

    assert card.startswith("# Model card: churn (binary, target `churned`)")
    assert f"**Owner:** {project.card.owner}" in card
    assert project.card.intended_use in card
    assert "| roc_auc |" in card
    assert "95% bootstrap intervals" in card
    assert "Small test set: 400 rows" in card
    assert "Rare classes in the test set: 1 (" in card
    assert "Drifted in production at the last `gitml monitor`: tenure_months" in card
    # slices lowest first, lineage with the libraries
    assert card.index("| region | north |") < card.index("| contract | one_year |")
    assert "scikit-learn 1.9.1" in card


def test_gitml_card_writes_it_and_a_missing_input_is_one_message(
    project: Params,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import yaml

    monkeypatch.chdir(tmp_path)
    Path("params.yaml").write_text(yaml.safe_dump(project.model_dump(mode="json")))
    assert cli.main(["card", "--output", "dist/model_card.md"]) == 0
    assert Path("dist/model_card.md").read_text().startswith("# Model card")

    Path(project.paths.predictions).unlink()
    assert cli.main(["card"]) == 3
    assert "the model card needs it. Run `dvc repro` first." in caplog.text
