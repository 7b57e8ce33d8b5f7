"""What `gitml infer-contract` drafts (issue 19): bounds that fit tomorrow's data, repeated ids,
leakage warnings and a reason per column; through the CLI and config only."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from gitml import cli
from gitml.errors import ContractError
from tests.support.paths import ROOT

PEOPLE, YEARS = 30, 4


def _panel(seed: int = 0, years_from: int = 2000) -> pd.DataFrame:
    """A wage panel: one row per person (`nr`) and year, as in the issue."""
    rng = np.random.default_rng(seed)
    rows = PEOPLE * YEARS
    return pd.DataFrame(
        {
            "nr": np.repeat(np.arange(1, PEOPLE + 1), YEARS),
            "year": np.tile(np.arange(years_from, years_from + YEARS), PEOPLE),
            "age": rng.integers(18, 62, rows),
            "union_pct": rng.integers(0, 90, rows),
            "change": rng.normal(0, 1, rows).round(2),
            "y": rng.normal(10, 2, rows).round(2),
        }
    )


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(ROOT / "conf", tmp_path / "conf")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _infer(csv: str, target: str = "y") -> dict[str, object]:
    assert cli.main(["infer-contract", csv, "--target", target, "--name", "mine"]) == 0
    drafted: dict[str, object] = yaml.safe_load(Path("conf/data/mine.yaml").read_text())
    return drafted


def _messages(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == level]


def test_drafted_bounds_say_what_is_valid_so_next_years_rows_pass(project: Path) -> None:
    _panel().to_csv("panel.csv", index=False)

    contract = _infer("panel.csv")

    columns = contract["columns"]
    assert isinstance(columns, dict)
    assert columns["year"] == {"dtype": "int", "nullable": False, "min": 0}  # no max: 2003
    assert columns["age"] == {"dtype": "int", "nullable": False, "min": 0}  # no max: 61
    assert columns["union_pct"] == {"dtype": "int", "nullable": False, "min": 0, "max": 100}
    assert columns["change"] == {"dtype": "float", "nullable": False}  # negatives are valid
    assert "# Review it: min/max refuse a row" in Path("conf/data/mine.yaml").read_text()
    # next years' rows, older people: valid, so accepted (the report shows them as drift)
    later = _panel(seed=1, years_from=2010).assign(age=lambda f: f["age"] + 30)
    later.to_csv("panel.csv", index=False)
    for argv in (["compose", "data=mine"], ["ingest"], ["validate"]):
        assert cli.main(argv) == 0


def test_a_repeated_person_id_is_drafted_as_a_group_not_a_feature(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gitml")
    _panel().to_csv("panel.csv", index=False)

    contract = _infer("panel.csv")

    assert "id_column" not in contract  # not unique: no row id
    assert contract["columns"]["nr"] == {"dtype": "int", "nullable": False, "feature": False}  # type: ignore[index]
    assert (
        "Column nr: dropped, feature: false (group identifier: named like an id, 30 values "
        "repeated over 120 rows (e.g. one per person and year); split by it with a group split "
        "(split.group_column: nr)); int: whole numbers; no bounds: new rows bring new ids."
    ) in _messages(caplog, logging.INFO)


def test_a_repeated_id_column_fails_validate_with_how_to_fix(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _panel().to_csv("panel.csv", index=False)
    contract = _infer("panel.csv")
    contract["id_column"] = "nr"  # what the user wrote
    Path("conf/data/mine.yaml").write_text(yaml.safe_dump(contract, sort_keys=False))
    for argv in (["compose", "data=mine"], ["ingest"]):
        assert cli.main(argv) == 0
    capsys.readouterr()

    assert cli.main(["validate"]) == ContractError.exit_code

    err = capsys.readouterr().err
    assert "Data broke the contract conf/data/mine.yaml: 1 failed check(s) in 120 rows." in err
    assert (
        "nr  id_column is not unique: its values repeat (an id_column names one row; a repeated "
        "id such as a person in a panel is a group: set split.group_column to it and remove "
        "id_column, or pick a column that is unique): 120 row(s), e.g. 1, 2, 3, 4, 5"
    ) in err


def test_a_feature_that_gives_the_target_away_is_warned_in_infer_and_train(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gitml")
    rng = np.random.default_rng(0)
    rows = 400
    hhi = rng.integers(0, 2, rows)
    pd.DataFrame(
        {
            "age": rng.integers(18, 80, rows),
            "hhi2": np.where(rng.random(rows) < 0.98, hhi, 1 - hhi),  # the target, renamed
            "region": rng.choice(["n", "s", "e", "w"], rows),
            "hhi": hhi,
        }
    ).to_csv("survey.csv", index=False)

    _infer("survey.csv", target="hhi")

    [drafted] = _messages(caplog, logging.WARNING)
    assert drafted.startswith("Possible target leakage: alone, hhi2 (ROC AUC 0.9")
    assert drafted.endswith(
        "predicts 'hhi' almost perfectly (a depth-4 tree on half the rows, scored on the other "
        "half; ≥ 0.95). If such a column is known only after the target, or is the target under "
        "another name, set feature: false for it in the draft; if it is truly known at "
        "prediction time, ignore this."
    )
    assert "age (" not in drafted
    assert "region (" not in drafted
    caplog.clear()
    for argv in (["compose", "data=mine"], ["ingest"], ["validate"], ["split"], ["train"]):
        assert cli.main(argv) == 0
    trained = [m for m in _messages(caplog, logging.WARNING) if "leakage" in m]
    assert len(trained) == 1
    assert trained[0].startswith("train: Possible target leakage: alone, hhi2 (ROC AUC 0.9")
    assert "set feature: false for it in conf/data/mine.yaml" in trained[0]


def test_no_leak_no_warning(project: Path, caplog: pytest.LogCaptureFixture) -> None:
    _panel().to_csv("panel.csv", index=False)

    _infer("panel.csv")

    assert not [m for m in _messages(caplog, logging.WARNING) if "leakage" in m]


def test_the_log_gives_a_reason_for_every_column(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gitml")
    _panel().assign(day="2024-01-01", note=[f"text {i}" for i in range(PEOPLE * YEARS)]).to_csv(
        "panel.csv", index=False
    )

    _infer("panel.csv")

    lines = {m.split(":")[0]: m for m in _messages(caplog, logging.INFO) if m.startswith("Column")}
    assert set(lines) == {
        f"Column {c}" for c in ("nr", "year", "age", "union_pct", "change", "day", "note")
    }
    assert lines["Column year"] == (
        "Column year: kept as a feature; int: whole numbers; min 0: no value below 0 (seen 2000 "
        "to 2003); larger values are valid, and show as drift."
    )
    assert lines["Column union_pct"].endswith("min 0, max 100: a share; seen 1 to 89.")
    assert lines["Column change"].startswith(
        "Column change: kept as a feature; float: numbers with fractions; no bounds: negative "
        "values too (seen -"
    )
    assert lines["Column day"].startswith("Column day: dropped, feature: false (a date")
    assert lines["Column note"].startswith(
        "Column note: dropped, feature: false (free text: a different value on every row); str"
    )


def test_an_id_column_the_user_names_must_be_unique(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _panel().to_csv("panel.csv", index=False)
    infer = ["infer-contract", "panel.csv", "--target", "y", "--name", "mine"]

    assert cli.main([*infer, "--id-column", "nr"]) == ContractError.exit_code

    assert (
        capsys.readouterr()
        .err.strip()
        .endswith(
            "--id-column 'nr' is not unique in panel.csv: 120 rows share a value (e.g. 1, 2, 3, 4, "
            "5); an id_column names one row; a repeated id such as a person in a panel is a group: "
            "set split.group_column to it and remove id_column, or pick a column that is unique. "
            "Run infer-contract without --id-column to draft it as a group."
        )
    )
    assert not Path("conf/data/mine.yaml").exists()


def test_a_unique_column_the_user_names_becomes_the_id_column(project: Path) -> None:
    _panel().assign(row=range(PEOPLE * YEARS)).to_csv("panel.csv", index=False)
    infer = ["infer-contract", "panel.csv", "--target", "y", "--name", "mine"]

    assert cli.main([*infer, "--id-column", "row"]) == 0

    contract = yaml.safe_load(Path("conf/data/mine.yaml").read_text())
    assert contract["id_column"] == "row"
    assert contract["columns"]["row"] == {
        "dtype": "int",
        "nullable": False,
        "unique": True,
        "feature": False,
    }


def test_a_survey_weight_is_drafted_as_weight_column_and_a_plain_weight_only_suggested(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # given a survey table with a sample weight and a column called just "weight" (kg?)
    frame = _panel().drop(columns=["nr"])
    frame["wght"] = np.random.default_rng(1).uniform(0.5, 3.0, len(frame)).round(3)
    frame["weight"] = np.random.default_rng(2).uniform(50, 90, len(frame)).round(1)
    frame.to_csv("survey.csv", index=False)

    with caplog.at_level(logging.INFO):
        contract = _infer("survey.csv")

    # then wght weighs the rows and is no feature; weight stays a feature, with a hint
    columns = contract["columns"]
    assert isinstance(columns, dict)
    assert contract["weight_column"] == "wght"
    assert columns["wght"]["feature"] is False
    assert columns["weight"].get("feature", True) is True
    assert any("Column wght: dropped, feature: false (sample weight" in m for m in caplog.messages)
    assert any(
        "Column weight holds positive numbers and is called weight" in m
        and "set weight_column: weight" in m
        for m in caplog.messages
    )
    # and the draft composes and trains as a weighted project
    assert cli.main(["compose", "data=mine"]) == 0
