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
from tests.support.paths import ROOT

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


def _write_csv(text: str) -> None:
    Path("d.csv").write_text(text)


HEADER = "a,b,c,f,y\n"
GOOD_ROWS = "".join(
    f"{i},{i % 7 / 2},{'xyz'[i % 3]},{i % 2 == 0},{[0, 1, 1][i % 3]}\n" for i in range(6)
)


def test_ingest_names_a_whole_number_beyond_64_bits(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write_csv(HEADER + GOOD_ROWS + "99999999999999999999999,1.0,x,True,0\n")
    source = Path("d.csv").read_bytes()
    before = files(project)
    fails(
        ["ingest"],
        3,
        "d.csv: column 'a' holds 99999999999999999999999 (data row 7), a whole number beyond "
        "64 bits, which gitml cannot store. If the column is a code or an identifier, make it "
        "text (dtype: str in the contract); otherwise fix the value.",
        capsys,
    )
    assert Path("d.csv").read_bytes() == source
    assert files(project) == before


def test_ingest_names_a_huge_whole_number_in_a_parquet_source_too(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import decimal

    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = pd.read_csv("d.csv")
    whole = [decimal.Decimal(int(v)) for v in frame["a"]]
    whole[2] = decimal.Decimal(-(2**70))  # Parquet holds it only as a decimal
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.set_column(0, "a", pa.array(whole, pa.decimal128(38, 0)))
    pq.write_table(table, "d.parquet")
    params = yaml.safe_load(Path("params.yaml").read_text())
    params["data"]["source"]["path"] = "d.parquet"
    Path("params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    before = files(project)
    fails(
        ["ingest"],
        3,
        "d.parquet: column 'a' holds -1180591620717411303424 (data row 3), a whole number "
        "beyond 64 bits",
        capsys,
    )
    assert files(project) == before


def test_rows_with_fewer_fields_fail_validate_clearly(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write_csv(HEADER + GOOD_ROWS + "7,3.5\n8\n")  # missing bool, category, target
    assert cli.main(["ingest"]) == 0
    validated = Path("data/interim/validated.parquet").read_bytes()
    err = fails(["validate"], 4, "Data broke the contract conf/data/d.yaml", capsys)
    assert "f  not_nullable: 2 row(s), e.g. <NA>" in err
    assert "y  not_nullable: 2 row(s)" in err
    report = yaml.safe_load(Path("reports/validation.json").read_text())
    assert report["passed"] is False
    assert {
        "column": "f",
        "check": "not_nullable",
        "count": 2,
        "samples": [None],
        "rows": [6, 7],  # the two short rows, the file's lines 8 and 9
    } in report["failures"]
    assert Path("data/interim/validated.parquet").read_bytes() == validated


@pytest.mark.parametrize("value", ["inf", "-inf", "Infinity"])
def test_validate_refuses_infinity_unless_the_contract_allows_it(
    project: Path, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    contract = yaml.safe_load(Path("conf/data/d.yaml").read_text())
    assert "max" not in contract["columns"]["b"]  # drafted: what is valid, not the sample's max
    del contract["columns"]["b"]["min"]  # no range to catch -inf either
    Path("conf/data/d.yaml").write_text(yaml.safe_dump(contract, sort_keys=False))
    assert cli.main(["compose", "data=d"]) == 0
    _write_csv(HEADER + GOOD_ROWS + f"7,{value},x,True,0\n")
    assert cli.main(["ingest"]) == 0
    validated = Path("data/interim/validated.parquet").read_bytes()
    fails(
        ["validate"],
        4,
        "b  finite: inf and -inf are no numbers to learn from (allow_inf: true accepts them): "
        "1 row(s), e.g.",
        capsys,
    )
    assert Path("data/interim/validated.parquet").read_bytes() == validated
    contract["columns"]["b"]["allow_inf"] = True
    Path("conf/data/d.yaml").write_text(yaml.safe_dump(contract, sort_keys=False))
    assert cli.main(["compose", "data=d"]) == 0
    assert cli.main(["validate"]) == 0


def test_allow_inf_is_for_float_columns(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    contract = yaml.safe_load(Path("conf/data/d.yaml").read_text())
    contract["columns"]["a"]["allow_inf"] = True
    Path("conf/data/d.yaml").write_text(yaml.safe_dump(contract, sort_keys=False))
    fails(
        ["compose", "data=d"],
        ConfigError.exit_code,
        "data.columns.a: allow_inf is for float columns, and this one is int",
        capsys,
    )


def test_a_wide_draft_with_number_like_names_composes_and_validates(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # hex-numbered columns, as wide exports name them: 90 of 3,000 read as floats (1e0, 2e5)
    names = [f"{i:x}" for i in range(3000)]
    rows = 40
    frame = pd.DataFrame(
        {name: [float((i * 7 + j) % 11) for j in range(rows)] for i, name in enumerate(names)}
    )
    frame["kind"] = ["1e5", "2E3", "abc", "1.5e3"] * (rows // 4)  # categories that look like floats
    frame["y"] = [0, 1] * (rows // 2)
    frame.to_csv("wide.csv", index=False)
    source = Path("wide.csv").read_bytes()
    assert cli.main(["infer-contract", "wide.csv", "--target", "y", "--name", "wide"]) == 0
    assert "  '1e0':\n" in Path("conf/data/wide.yaml").read_text()
    assert cli.main(["compose", "data=wide"]) == 0
    assert cli.main(["ingest"]) == 0
    assert cli.main(["validate"]) == 0, capsys.readouterr().err
    typed = pd.read_parquet("data/interim/validated.parquet")
    assert typed.shape == (rows, 3002)
    assert sorted(typed["kind"].unique()) == ["1.5e3", "1e5", "2E3", "abc"]
    assert Path("wide.csv").read_bytes() == source


def test_a_column_name_read_as_a_number_says_to_quote_it(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = Path("conf/data/d.yaml").read_text().replace("\n  b:\n", "\n  1e5:\n")
    Path("conf/data/d.yaml").write_text(text)
    fails(
        ["compose", "data=d"],
        ConfigError.exit_code,
        "data.columns.100000.0.[key]: Input should be a valid string (got 100000.0): conf/ read "
        "this name as a number or a boolean (as it reads 1e5, 2.0, true); quote it in the YAML "
        "file, e.g. '1e5':",
        capsys,
    )
