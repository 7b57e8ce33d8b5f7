"""Hostile inputs through the CLI (issue 13): one clear message, the right exit code, nothing
lost, and nothing run that a contract or a file smuggled in."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from gitml import cli
from gitml.errors import ConfigError
from tests.conftest import ROOT

CANARY = "pwned"
INJECTIONS = [
    f"@os.system('touch {CANARY}') == 0",
    f"__import__('os').system('touch {CANARY}') == 0",
    "a.__class__.__mro__ == 1",
    "c.str.len() > 2",
    "a[0] > 1",
    f"f'{{__import__(\"os\").system(\"touch {CANARY}\")}}' == '0'",
    f"(lambda: __import__('os').system('touch {CANARY}'))() == 0",
    "(z := a) > 1",
    f"open('{CANARY}', 'w') == 1",
]


@pytest.fixture(scope="module")
def drafted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with conf/, a small CSV (with a bool column) and its drafted contract,
    ingested and validated once."""
    root = tmp_path_factory.mktemp("hostile")
    shutil.copytree(ROOT / "conf", root / "conf")
    rows = 60
    frame = pd.DataFrame(
        {
            "a": range(rows),
            "b": [float(i % 7) / 2 for i in range(rows)],
            "c": ["x", "y", "z"] * (rows // 3),
            "f": [True, False] * (rows // 2),
            "y": [0, 1, 1] * (rows // 3),
        }
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        frame.to_csv("d.csv", index=False)
        assert cli.main(["infer-contract", "d.csv", "--target", "y", "--name", "d"]) == 0
        for argv in (["compose", "data=d"], ["ingest"], ["validate"]):
            assert cli.main(argv) == 0
    return root


@pytest.fixture
def project(drafted: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    shutil.copytree(drafted, root)
    monkeypatch.chdir(root)
    return root


def files(root: Path) -> dict[str, bytes]:
    """Every file of the project but conf/, by path: what a failed command must leave as is."""
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and "conf" not in path.relative_to(root).parts
    }


def fails(argv: list[str], code: int, message: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert cli.main(argv) == code
    err = capsys.readouterr().err
    assert message in err, err
    assert "Traceback" not in err
    assert "failed unexpectedly" not in err
    return err


def add_check(expr: str) -> None:
    path = Path("conf/data/d.yaml")
    contract = yaml.safe_load(path.read_text())
    contract["checks"] = [{"name": "hostile", "expr": expr}]
    path.write_text(yaml.safe_dump(contract, sort_keys=False))


@pytest.mark.parametrize("expr", INJECTIONS)
def test_compose_refuses_a_row_check_outside_the_grammar(
    project: Path, expr: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = files(project)
    add_check(expr)
    err = fails(
        ["compose", "data=d"],
        ConfigError.exit_code,
        "Row check 'hostile' in conf/data/d.yaml has a forbidden expression",
        capsys,
    )
    assert "docs/reference/row-checks.md" in err
    assert not (project / CANARY).exists()
    assert files(project) == before


@pytest.mark.parametrize("expr", INJECTIONS)
def test_validate_refuses_a_hand_edited_row_check(
    project: Path, expr: str, capsys: pytest.CaptureFixture[str]
) -> None:
    params = yaml.safe_load(Path("params.yaml").read_text())
    params["data"]["checks"] = [{"name": "hostile", "expr": expr}]
    Path("params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    before = files(project)
    fails(
        ["validate"],
        ConfigError.exit_code,
        "Row check 'hostile' in conf/data/d.yaml has a forbidden expression",
        capsys,
    )
    assert not (project / CANARY).exists()
    assert files(project) == before


def test_a_row_check_in_the_grammar_composes_and_validates(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_check("notna(a) and abs(b - 1) < 10 & c in ['x', 'y', 'z'] | ~f")
    assert cli.main(["compose", "data=d"]) == 0
    assert cli.main(["validate"]) == 0
    add_check("c + 1 > 0")
    fails(
        ["compose", "data=d"],
        ConfigError.exit_code,
        "'c' is a column of str, and arithmetic needs numbers",
        capsys,
    )
