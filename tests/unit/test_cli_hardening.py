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


def _linked(kind: str) -> str:
    """Another name for d.parquet: the same path spelt otherwise, a symlink or a hard link."""
    Path("sub").mkdir(exist_ok=True)
    if kind == "spelt":
        return "sub/../d.parquet"
    if kind == "absolute":
        return str(Path("d.parquet").resolve())
    link = Path(f"sub/{kind}.parquet")
    if kind == "symlink":
        link.symlink_to(Path("d.parquet").resolve())
    else:
        link.hardlink_to("d.parquet")
    return str(link)


@pytest.mark.parametrize("kind", ["spelt", "absolute", "symlink", "hardlink"])
@pytest.mark.parametrize("flag", ["--output", "--rejects"])
def test_predict_refuses_to_write_over_its_input(
    project: Path, kind: str, flag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    pd.read_csv("d.csv").to_parquet("d.parquet")
    argv = ["predict", "--input", "d.parquet", "--output", "scores.parquet"]
    argv[argv.index(flag) if flag in argv else len(argv) :] = [flag, _linked(kind)]
    if flag == "--rejects":
        argv += ["--output", "scores.parquet"]
    before = files(project)
    err = fails(
        argv, ConfigError.exit_code, f"gitml predict: {flag} {argv[argv.index(flag) + 1]}", capsys
    )
    assert "is the same file as --input d.parquet, which would be overwritten; nothing " in err
    assert len(err.strip().splitlines()) == 1  # one line, before any work
    assert files(project) == before


def test_predict_refuses_one_file_for_scores_and_rejects_and_the_model(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pd.read_csv("d.csv").to_parquet("d.parquet")
    Path("models").mkdir()
    Path("models/model.skops").write_bytes(b"the model")
    before = files(project)
    scores = ["predict", "--input", "d.parquet", "--output", "s.parquet"]
    fails(
        [*scores, "--rejects", "./s.parquet"],
        ConfigError.exit_code,
        "--rejects ./s.parquet is the same file as --output s.parquet",
        capsys,
    )
    fails(
        ["predict", "--input", "d.parquet", "--output", "models/model.skops"],
        ConfigError.exit_code,
        "--output models/model.skops is the same file as the model models/model.skops",
        capsys,
    )
    assert files(project) == before


def test_infer_contract_and_compose_refuse_to_write_over_what_they_read(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = files(project)
    config = Path("conf/config.yaml").read_bytes()
    infer = ["infer-contract", "d.csv", "--target", "y", "--force", "--output", "./d.csv"]
    fails(infer, ConfigError.exit_code, "--output d.csv is the same file as the data file", capsys)
    fails(
        ["compose", "data=d", "--params", "conf/config.yaml"],
        ConfigError.exit_code,
        "gitml compose: --params conf/config.yaml is the same file as conf file conf/config.yaml",
        capsys,
    )
    assert files(project) == before
    assert Path("conf/config.yaml").read_bytes() == config


def test_ingest_refuses_a_raw_path_that_is_its_source(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    params = yaml.safe_load(Path("params.yaml").read_text())
    params["paths"]["raw"] = "./d.csv"
    Path("params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    before = {k: v for k, v in files(project).items() if k != "params.yaml"}
    fails(
        ["ingest"],
        ConfigError.exit_code,
        "paths.raw and data.source.path are the same file (./d.csv): one stage would overwrite",
        capsys,
    )
    params["paths"]["raw"] = "data/raw/dataset.parquet"
    params["paths"]["validated"] = "data/raw/dataset.parquet"
    Path("params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    fails(["validate"], ConfigError.exit_code, "paths.validated and paths.raw are the same", capsys)
    assert {k: v for k, v in files(project).items() if k != "params.yaml"} == before
