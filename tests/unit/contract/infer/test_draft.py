"""`gitml infer-contract` on real-world tables: honest drafts, and one clear message when not."""

from __future__ import annotations

import io
import logging
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn import datasets

from gitml import cli
from gitml.config.params import DataParams, load_params
from gitml.contract.infer.draft import contract_name, draft_contract
from gitml.contract.reading import csv_reading
from gitml.contract.schema import validate_frame
from gitml.errors import DataError
from gitml.pipeline.ingest import load_source
from tests.support.paths import ROOT

ROWS = 30


def _frame(**extra: Any) -> pd.DataFrame:
    """30 rows in which `age` and `income` happen to be unique, as small samples make them."""
    rng = np.random.default_rng(0)
    columns = {
        "age": rng.permutation(np.arange(20, 20 + ROWS)),
        "income": rng.permutation(np.arange(ROWS)) * 1000 + 7,
        "plan": ["basic", "pro", "pro"] * (ROWS // 3),
        "y": [0, 1] * (ROWS // 2),
    }
    return pd.DataFrame(columns | extra)


def _draft(frame: pd.DataFrame, target: str = "y", task: str | None = None) -> dict[str, Any]:
    contract = draft_contract(frame, "sample", target, "sample.csv", task)
    # the frame it was drafted from passes the draft, positive class included
    typed, verdict = validate_frame(
        frame.dropna(subset=[target]), DataParams.model_validate(contract)
    )
    assert verdict.failures == []
    assert typed is not None
    return contract


def _infer_messages(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name in ("gitml.contract.infer.draft", "gitml.contract.infer.target")
        and r.levelno == level
    ]


# --- identifiers -------------------------------------------------------------------------


def test_unique_numbers_stay_features_and_id_named_columns_are_identifiers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="gitml")
    frame = _frame(customer_id=np.arange(100, 100 + ROWS))

    contract = _draft(frame)

    assert contract["id_column"] == "customer_id"
    # no range: the next batch brings ids never seen (min 100, max 129 would refuse them)
    assert contract["columns"]["customer_id"] == {
        "dtype": "int",
        "nullable": False,
        "unique": True,
        "feature": False,
    }
    # what is valid (no age below 0), not what the sample held (20 to 49)
    assert contract["columns"]["age"] == {"dtype": "int", "nullable": False, "min": 0}
    assert "feature" not in contract["columns"]["income"]
    messages = _infer_messages(caplog, logging.INFO)
    assert (
        "Column customer_id: dropped, feature: false (identifier: unique, named like an id); "
        "int: whole numbers; no bounds: new rows bring new ids."
    ) in messages
    assert (
        "Column age: kept as a feature; int: whole numbers; min 0: no value below 0 (seen 20 to "
        "49); larger values are valid, and show as drift."
    ) in messages
    next_batch = frame.assign(customer_id=np.arange(5000, 5000 + ROWS))
    _, verdict = validate_frame(next_batch, DataParams.model_validate(contract))
    assert verdict.failures == []


def test_unique_codes_are_identifiers_and_unique_text_is_not_a_feature() -> None:
    frame = _frame(
        ticket=[f"T-{n:04d}" for n in range(ROWS)],
        comment=[f"call {word}" for word in "abcdefghijklmnopqrstuvwxyzABCD"],
        rooms=[1, 2, 3] * (ROWS // 3),
    )

    contract = _draft(frame)

    assert contract["id_column"] == "ticket"
    assert contract["columns"]["ticket"] == {
        "dtype": "str",
        "nullable": False,
        "unique": True,
        "feature": False,
    }
    assert contract["columns"]["comment"] == {"dtype": "str", "nullable": False, "feature": False}
    assert "feature" not in contract["columns"]["rooms"]


def test_no_identifier_no_id_column() -> None:
    assert "id_column" not in _draft(_frame())


def test_an_id_with_gaps_is_not_drafted_unique(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="gitml")
    frame = _frame(customer_id=[None, *range(100, 100 + ROWS - 1)])

    contract = _draft(frame)  # pandera would count the gaps as duplicates of each other

    assert contract["id_column"] == "customer_id"
    assert contract["columns"]["customer_id"] == {
        "dtype": "int",
        "nullable": True,
        "feature": False,
    }
    assert (
        "Column customer_id: dropped, feature: false (identifier: unique, named like an id; "
        "1 missing, so not unique)"
    ) in "\n".join(_infer_messages(caplog, logging.INFO))


# --- dtypes and the target -----------------------------------------------------------------


def test_int_targets_and_flags_stay_ints() -> None:
    frame = datasets.load_breast_cancer(as_frame=True).frame.assign(
        flag=lambda f: (f["mean radius"] > 15).astype(int), constant_one=1
    )

    contract = _draft(frame, target="target")

    assert contract["task"] == "binary"
    assert contract["columns"]["target"] == {"dtype": "int", "nullable": False, "allowed": [0, 1]}
    assert contract["columns"]["flag"] == {"dtype": "int", "nullable": False, "allowed": [0, 1]}
    assert contract["columns"]["constant_one"] == {
        "dtype": "int",
        "nullable": False,
        "allowed": [1],
    }
    assert contract["positive_class"] == 1


def test_genuine_booleans_are_bool() -> None:
    text = "x,flag,answer\n" + "".join(
        f"{n},{'true' if n % 2 else 'false'},{'' if n == 3 else ('True' if n % 3 else 'False')}\n"
        for n in range(ROWS)
    )
    frame = pd.read_csv(io.StringIO(text)).assign(
        y=[0, 1, 2] * (ROWS // 3), pandas_bool=lambda f: f["x"] > 3
    )

    contract = _draft(frame)

    assert contract["columns"]["flag"] == {"dtype": "bool", "nullable": False}
    assert contract["columns"]["answer"] == {"dtype": "bool", "nullable": True}
    assert contract["columns"]["pandas_bool"] == {"dtype": "bool", "nullable": False}


def test_a_target_with_gaps_is_drafted_non_nullable_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    frame = _frame(y=[0, 1, None] * (ROWS // 3))

    contract = _draft(frame)

    assert contract["columns"]["y"] == {"dtype": "int", "nullable": False, "allowed": [0, 1]}
    assert _infer_messages(caplog, logging.WARNING) == [
        "Target 'y' is missing in 10 of 30 rows of sample.csv: those rows will fail validation "
        "(a target is never null), so the draft says nullable: false. Drop unlabeled rows from "
        "the file first."
    ]


@pytest.mark.parametrize(
    ("labels", "positive", "other"),
    [
        (["no", "yes"], "yes", "no"),
        (["churned", "stayed"], "stayed", "churned"),
        ([True, False], True, False),
    ],
)
def test_a_binary_target_gets_the_positive_class_train_would_pick(
    labels: list[Any], positive: Any, other: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gitml")
    frame = _frame(y=labels * (ROWS // 2))

    contract = _draft(frame)

    assert contract["positive_class"] == positive
    assert np.unique(frame["y"].to_numpy())[-1] == positive  # sklearn's classes_, last
    assert list(contract)[:4] == ["name", "task", "target", "positive_class"]
    assert (
        f"Binary target 'y': positive class {positive!r} (the last of {other!r}, {positive!r} "
        "in sorted order, as gitml picks it), written as positive_class; f1 and average "
        "precision are computed for it. To score the other class, set positive_class: "
        f"{other!r} in the draft."
    ) in _infer_messages(caplog, logging.INFO)


def test_multiclass_has_no_positive_class() -> None:
    contract = _draft(_frame(y=["a", "b", "c"] * (ROWS // 3)))
    assert contract["task"] == "multiclass"
    assert "positive_class" not in contract


def test_empty_columns_are_not_features_and_constants_are_named(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="gitml")
    frame = _frame(
        notes=pd.Series([None] * ROWS, dtype=object),
        score=np.nan,
        country="FR",
        day=pd.date_range("2024-01-01", periods=ROWS).astype(str),
    )

    contract = _draft(frame)

    assert contract["columns"]["notes"] == {"dtype": "category", "nullable": True, "feature": False}
    assert contract["columns"]["score"] == {"dtype": "float", "nullable": True, "feature": False}
    assert "feature" not in contract["columns"]["country"]
    messages = _infer_messages(caplog, logging.INFO)
    assert (
        "Column notes: dropped, feature: false (all values missing); category: text with 0 "
        "distinct values, listed as allowed; nullable: 30 missing."
    ) in messages
    assert (
        "Column day: dropped, feature: false (a date: usable as split.time_column); datetime: "
        "dates."
    ) in messages
    assert (
        "Column country: kept as a feature, though constant (always 'FR'); category: text with "
        "1 distinct value, listed as allowed."
    ) in messages
    assert "Change `feature:` in the draft where a column's role is wrong." in messages


# --- mistakes: one clear message, never a pydantic dump ------------------------------------


@pytest.mark.parametrize(
    ("frame", "target", "task", "error", "message"),
    [
        (
            pd.DataFrame({"id": range(ROWS), "empty": np.nan, "y": [0, 1] * (ROWS // 2)}),
            "y",
            None,
            DataError,
            "sample.csv has no column to learn from besides the target 'y': id (identifier: "
            "unique, named like an id), empty (all values missing). Add feature columns to the "
            "file, or pick another --target.",
        ),
        (
            pd.DataFrame({"y": [0, 1] * (ROWS // 2)}),
            "y",
            None,
            DataError,
            "sample.csv has no column to learn from besides the target 'y'. Add feature",
        ),
        (  # the target's own mistakes (tests/unit/contract/infer/test_target.py) surface here
            _frame(label=pd.date_range("2024-01-01", periods=ROWS)),
            "label",
            None,
            DataError,
            "Target column 'label' in sample.csv holds dates",
        ),
    ],
    ids=["no-features", "target-only", "date-target"],
)
def test_mistakes_get_one_clear_message(
    frame: pd.DataFrame, target: str, task: str | None, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as raised:
        draft_contract(frame, "sample", target, "sample.csv", task)
    assert message in str(raised.value)


def test_mistakes_exit_with_their_code_not_70(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    _frame(
        label=["a", "b", "c"] * (ROWS // 3), day=pd.date_range("2024-01-01", periods=ROWS)
    ).to_csv("t.csv", index=False)

    assert cli.main(["infer-contract", "t.csv", "--target", "label", "--task", "regression"]) == 2
    assert cli.main(["infer-contract", "t.csv", "--target", "day"]) == 3

    err = capsys.readouterr().err
    assert "unexpectedly" not in err
    assert "pydantic" not in err
    assert not Path("conf").exists()


# --- names and separators ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stem", "name"),
    [
        ("Données Clients", "donnees_clients"),
        ("customers", "customers"),
        ("Straße-2024 (v2)", "strasse_2024_v2"),
        ("2024", "data_2024"),
        ("true", "data_true"),
        ("数据", "dataset"),
    ],
)
def test_contract_names_are_ascii_hydra_names(stem: str, name: str) -> None:
    assert contract_name(stem) == name


def test_a_non_ascii_file_name_gives_a_contract_compose_accepts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(ROOT / "conf", tmp_path / "conf")
    monkeypatch.chdir(tmp_path)
    Path("data/external").mkdir(parents=True)
    _frame(Région=["nord", "sud", "est"] * (ROWS // 3)).to_csv(
        "data/external/Données Clients.csv", index=False
    )

    assert cli.main(["infer-contract", "data/external/Données Clients.csv", "--target", "y"]) == 0
    assert "`gitml compose data=donnees_clients`" in capsys.readouterr().err
    assert cli.main(["compose", "data=donnees_clients"]) == 0
    # the README's advice for column names that are not Hydra identifiers
    assert (
        cli.main(["compose", "data=donnees_clients", "split=group", "split.group_column=Région"])
        == 2
    )
    assert (
        cli.main(["compose", "data=donnees_clients", "split=group", "split.group_column='Région'"])
        == 0
    )

    params = yaml.safe_load(Path("params.yaml").read_text(encoding="utf-8"))
    assert params["data"]["name"] == "donnees_clients"
    assert params["split"]["group_column"] == "Région"


def test_a_name_hydra_cannot_select_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    _frame().to_csv("t.csv", index=False)

    assert cli.main(["infer-contract", "t.csv", "--target", "y", "--name", "Données"]) == 2

    assert (
        "--name 'Données' cannot be selected with `gitml compose data=<name>`: use ASCII "
        "letters, digits, _ or -, starting with a letter (e.g. --name donnees)."
    ) in capsys.readouterr().err


@pytest.mark.parametrize(("separator", "kind"), [(";", "semicolon"), ("\t", "tab"), ("|", "pipe")])
def test_a_csv_with_another_separator_says_so(separator: str, kind: str) -> None:
    frame = pd.read_csv(io.StringIO(f"x{separator}y{separator}label\n1{separator}2{separator}0\n"))

    with pytest.raises(DataError, match=f"sample.csv looks {kind}-separated") as raised:
        draft_contract(frame, "sample", "label", "sample.csv")

    assert "gitml reads comma-separated CSV or Parquet. Convert it" in str(raised.value)
    assert "is not in" not in str(raised.value)


# --- untidy CSV text: missing-value marks, thousands separators, leading zeros ------------


def _messy_csv(path: Path, rows: int = 60) -> pd.DataFrame:
    """What a spreadsheet export looks like: 75,083, '?' for gaps, zip codes, an int target."""
    rng = np.random.default_rng(1)
    income = rng.permutation(np.arange(rows)) * 1733 + 18_250  # unique, as small samples are
    score = np.round(rng.normal(600, 80, rows), 1).astype(object)
    score[::7] = "?"
    frame = pd.DataFrame(
        {
            "customer_id": np.arange(1000, 1000 + rows),
            "income": [f"{value:,}" for value in income],
            "score": score,
            "zip": [f"{code:05d}" for code in rng.integers(1000, 3000, rows)],
            "region": ["north", "south", "?", "east", "none", "west"] * (rows // 6),
            "satisfaction": rng.integers(0, 11, rows),
        }
    )
    frame.to_csv(path, index=False)
    return frame


def _infer(path: Path, *argv: str) -> dict[str, Any]:
    assert cli.main(["infer-contract", str(path), "--output", "c.yaml", "--force", *argv]) == 0
    return dict(yaml.safe_load(Path("c.yaml").read_text(encoding="utf-8")))


def test_untidy_numbers_are_read_as_numbers_and_the_log_says_how(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.chdir(tmp_path)
    caplog.set_level(logging.INFO, logger="gitml")
    _messy_csv(Path("messy.csv"))

    contract = _infer(Path("messy.csv"), "--target", "satisfaction")

    # how the file is read: '?' is missing where it was a gap, 75,083 is a number
    assert contract["source"] == {
        "kind": "file",
        "path": "messy.csv",
        "na_values": {"score": ["?"], "region": ["?"]},
        "thousands": ",",
    }
    columns = contract["columns"]
    # unique numbers written with separators: a feature, not an id code
    assert columns["income"] == {"dtype": "int", "nullable": False, "min": 0}
    assert contract["id_column"] == "customer_id"
    assert columns["score"]["dtype"] == "float"
    assert columns["score"]["nullable"] is True
    # '?' among words is a gap; the word 'none' is a real value there
    assert columns["region"] == {
        "dtype": "category",
        "nullable": True,
        "allowed": ["east", "none", "north", "south", "west"],
    }
    # zip codes keep their zeros: read as text
    assert columns["zip"]["dtype"] in ("str", "category")
    messages = _infer_messages(caplog, logging.INFO)
    assert (
        "Drafted source.na_values {'score': ['?'], 'region': ['?']}: text that stands for a "
        "missing value among numbers or words: '?' in score (9 rows), region (10 rows). Only "
        "those columns read it as missing; take a value out where it is real data."
    ) in messages
    assert (
        "Drafted source.thousands ',': numbers written with thousands separators in income (e.g. '"
    ) in "\n".join(messages)
    zip_line = next(m for m in messages if m.startswith("Read as text: zip (e.g. '0"))
    assert zip_line.endswith(
        "digits with leading zeros, which numbers would lose, so they are drafted as str or "
        "category. Where such a column is an amount, set its dtype: int."
    )


def test_the_draft_passes_the_file_as_ingest_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    written = _messy_csv(Path("messy.csv"))
    data = DataParams.model_validate(_infer(Path("messy.csv"), "--target", "satisfaction"))

    raw = load_source(data.source, seed=0, reading=csv_reading(data))
    typed, verdict = validate_frame(raw, data)

    assert verdict.failures == []
    assert typed is not None
    assert typed["zip"].astype(str).tolist() == written["zip"].tolist()
    assert typed["income"].tolist() == [int(v.replace(",", "")) for v in written["income"]]
    assert typed["score"].isna().sum() == 9


def test_numbers_with_other_text_are_flagged_and_never_an_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.chdir(tmp_path)
    caplog.set_level(logging.INFO, logger="gitml")
    frame = _frame()
    frame["income"] = [f"{value:,}" for value in frame["income"] * 7]
    frame.loc[3, "income"] = "12,5"  # a decimal comma: no number, and no thousands either
    frame.to_csv("t.csv", index=False)

    contract = _infer(Path("t.csv"), "--target", "y")

    assert "id_column" not in contract
    assert contract["columns"]["income"] == {"dtype": "str", "nullable": False, "feature": False}
    assert _infer_messages(caplog, logging.WARNING) == [
        "income looks like numbers, but not all its values are read as numbers: '12,5' (1 row). "
        "It is drafted as text. Fix those values in the file and run infer-contract again; or, if "
        "they mean missing, add them to source.na_values and set the column's dtype: float."
    ]
    assert "Column income: dropped, feature: false (text that looks like numbers" in "\n".join(
        _infer_messages(caplog, logging.INFO)
    )


@pytest.mark.parametrize(
    ("values", "shown"),
    [
        (["12,5", "3,75", "8,0"], "'12,5' (10 rows), '3,75' (10 rows), '8,0' (10 rows)"),
        (["45%", "50%", "12.5%"], "'45%' (10 rows), '50%' (10 rows), '12.5%' (10 rows)"),
    ],
    ids=["decimal-comma", "percent"],
)
def test_numbers_pandas_does_not_read_are_never_silent(
    values: list[str],
    shown: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.chdir(tmp_path)
    _frame(rate=values * (ROWS // 3)).to_csv("t.csv", index=False)

    contract = _infer(Path("t.csv"), "--target", "y")

    assert contract["columns"]["rate"]["dtype"] == "category"
    assert _infer_messages(caplog, logging.WARNING) == [
        f"rate looks like numbers, but not all its values are read as numbers: {shown}. It is "
        "drafted as text. Fix those values in the file and run infer-contract again; or, if "
        "they mean missing, add them to source.na_values and set the column's dtype: float."
    ]


def test_words_for_missing_numbers_are_marks_only_among_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.chdir(tmp_path)
    caplog.set_level(logging.INFO, logger="gitml")
    _frame(
        rooms=["unknown", "2", "3", "-", "5", "1"] * (ROWS // 6),
        service=["none", "dsl", "fiber"] * (ROWS // 3),  # 'none' is a value of its own here
        sign=["+", "-"] * (ROWS // 2),  # marks alone: values, not gaps
    ).to_csv("t.csv", index=False)

    contract = _infer(Path("t.csv"), "--target", "y")

    assert contract["source"]["na_values"] == {"rooms": ["-", "unknown"]}
    assert contract["columns"]["rooms"] == {
        "dtype": "int",
        "nullable": True,
        "min": 0,
    }
    assert contract["columns"]["service"]["allowed"] == ["dsl", "fiber", "none"]
    # '-' is missing among rooms only: a column of signs keeps it
    assert contract["columns"]["sign"] == {
        "dtype": "category",
        "nullable": False,
        "allowed": ["+", "-"],
    }
    assert (
        "Drafted source.na_values {'rooms': ['-', 'unknown']}: text that stands for a missing "
        "value among numbers or words: '-' in rooms (5 rows); 'unknown' in rooms (5 rows). "
    ) in _infer_messages(caplog, logging.INFO)[0]


def test_the_draft_reads_each_column_as_ingest_will(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 'unknown' marks a missing income but is a real plan; a category keeps 1,000's comma
    monkeypatch.chdir(tmp_path)
    _frame(
        income=["75,083", "1,250", "unknown", "980", "12,000"] * (ROWS // 5),
        plan=["unknown", "basic", "pro"] * (ROWS // 3),
        band=["small", "large", "1,000"] * (ROWS // 3),
    ).to_csv("t.csv", index=False)

    data = DataParams.model_validate(_infer(Path("t.csv"), "--target", "y"))

    assert data.columns["plan"].allowed == ["basic", "pro", "unknown"]
    assert data.columns["band"].allowed == ["1,000", "large", "small"]
    raw = load_source(data.source, seed=0, reading=csv_reading(data))
    typed, verdict = validate_frame(raw, data)
    assert verdict.failures == []
    assert typed is not None
    assert typed["income"].isna().sum() == ROWS // 5


def test_a_tidy_csv_gets_no_read_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _frame(code=["007", "A1", "12"] * (ROWS // 3)).to_csv("t.csv", index=False)

    contract = _infer(Path("t.csv"), "--target", "y")

    assert contract["source"] == {"kind": "file", "path": "t.csv"}
    assert contract["columns"]["code"]["allowed"] == ["007", "12", "A1"]


# --- values conf/ must hold literally -----------------------------------------------------


def test_a_category_with_values_conf_cannot_hold_is_drafted_without_a_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # OmegaConf reads ${...} as a reference to another setting: `gitml compose` would fail
    shutil.copytree(ROOT / "conf", tmp_path / "conf")
    monkeypatch.chdir(tmp_path)
    Path("data/external").mkdir(parents=True)
    odd = ["${oops}", "a\\${b}", "plain"]
    _frame(plan=odd * (ROWS // 3)).to_csv("data/external/odd.csv", index=False)

    assert cli.main(["infer-contract", "data/external/odd.csv", "--target", "y"]) == 0
    assert cli.main(["compose", "data=odd"]) == 0
    for stage in ("ingest", "validate"):
        assert cli.main([stage]) == 0

    assert load_params("params.yaml").data.columns["plan"].allowed is None
    assert _infer_messages(caplog, logging.WARNING) == [
        "plan holds '${oops}', 'a\\\\${b}', which conf/ cannot hold (Hydra reads ${...} as a "
        "reference to another setting, and ??? as one still to be made), so the draft lists no "
        "allowed values for plan. The data keeps the values as they are."
    ]
    validated = pd.read_parquet("data/interim/validated.parquet")
    assert sorted(validated["plan"].astype(str).unique()) == sorted(odd)


@pytest.mark.parametrize(
    ("column", "value", "where"),
    [
        ("plan", "???", "source.na_values.plan"),  # ??? among words: a missing-value mark
        ("y", "z${x}", "positive_class"),  # the last class in sorted order
    ],
)
def test_a_value_hydra_cannot_hold_elsewhere_is_refused_clearly(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    column: str,
    value: str,
    where: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    values = [value, "basic", "pro"] if column == "plan" else [value, "ok"]
    _frame(**{column: values * (ROWS // len(values))}).to_csv("t.csv", index=False)

    assert cli.main(["infer-contract", "t.csv", "--target", "y"]) == DataError.exit_code

    assert (
        f"t.csv holds {value!r} (the draft's {where}), which conf/ cannot hold: Hydra reads "
        "${...} as a reference to another setting and ??? as a setting still to be made. "
        "Replace it in the file (an empty field reads as missing) and run infer-contract again."
    ) in capsys.readouterr().err
    assert not Path("c.yaml").exists()


# --- the user's own file --------------------------------------------------------------------


def test_a_missing_file_says_to_check_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)

    assert cli.main(["infer-contract", "nope.csv", "--target", "y"]) == DataError.exit_code

    err = capsys.readouterr().err
    assert f"File not found: nope.csv. Check the path to your data file (from {tmp_path})." in err
    assert "dvc repro" not in err
