"""`gitml infer-contract` on real-world tables: honest drafts, and one clear message when not."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from gitml import cli
from gitml.errors import DataError
from gitml.infer import contract_name, draft_contract
from tests.conftest import ROOT

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
