"""The change loop's commands through `gitml ...`: what each handler logs, refuses and passes on."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gitml import cli
from gitml.config.compose import compose_text
from gitml.config.params import load_params
from gitml.errors import ConfigError
from gitml.ml.synthetic import generate_churn
from gitml.pipeline import remote
from tests.support.paths import ROOT

CONF = ROOT / "conf"


@pytest.fixture
def drafted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The cwd: conf/ beside customers.csv, whose contract `mine` is drafted (not composed)."""
    shutil.copytree(CONF, tmp_path / "conf")
    monkeypatch.chdir(tmp_path)
    generate_churn(300, 1).to_csv("customers.csv", index=False)
    return tmp_path


def test_infer_contract_says_what_to_review_and_run_next(
    drafted: Path, caplog: pytest.LogCaptureFixture
) -> None:
    infer = ["infer-contract", "customers.csv", "--target", "churned", "--name", "mine"]
    assert cli.main(infer) == 0
    assert (drafted / "conf/data/mine.yaml").is_file()
    assert (
        "Drafted conf/data/mine.yaml. Review it, then `gitml compose data=mine` and `dvc repro`."
        in caplog.text
    )


def test_compose_writes_once_and_warns_when_the_source_file_is_not_there(
    drafted: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert cli.main(["infer-contract", "customers.csv", "--target", "churned", "--name", "m"]) == 0
    assert cli.main(["compose", "data=m"]) == 0
    assert "params.yaml written" in caplog.text
    assert "does not exist" not in caplog.text
    caplog.clear()
    Path("customers.csv").rename("elsewhere.csv")

    assert cli.main(["compose", "data=m"]) == 0  # it may be `dvc pull`ed later

    assert "params.yaml unchanged" in caplog.text
    assert "data.source.path 'customers.csv' (conf/data/m.yaml) does not exist" in caplog.text
    assert "Fix the path there, or `dvc pull` the file" in caplog.text


def test_committed_params_yaml_is_up_to_date(monkeypatch: pytest.MonkeyPatch) -> None:
    # the gate the README promises: params.yaml must be what conf/ composes to
    monkeypatch.chdir(ROOT)
    assert cli.main(["compose", "--check"]) == 0


def test_check_fails_on_a_stale_file_and_shows_the_diff(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    stale = tmp_path / "params.yaml"
    stale.write_text(compose_text(CONF, ["model.max_iter=7"]))
    before = stale.read_text()
    code = cli.main(["compose", "--check", "--conf", str(CONF), "--params", str(stale)])
    assert code == ConfigError.exit_code
    assert "is stale" in caplog.text
    assert "-  max_iter: 7" in caplog.text
    assert "Run `gitml compose` (or move the experiment's overrides into conf/)" in caplog.text
    assert stale.read_text() == before  # --check never writes


def test_pull_of_the_model_asks_for_the_params_model_path(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    asked: list[list[str] | None] = []

    def pull(root: Path, fork: bool, targets: list[str] | None = None) -> remote.Outcome:
        asked.append(targets)
        return remote.Outcome("pulled", "Pulled from storage.")

    monkeypatch.setattr(remote, "run", pull)
    monkeypatch.chdir(ROOT)

    assert cli.main(["pull", "--model"]) == 0
    assert cli.main(["pull"]) == 0

    assert asked == [[load_params(ROOT / "params.yaml").paths.model], None]
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("INFO", "Pulled from storage.")
    ] * 2


def test_a_forks_pull_without_credentials_is_a_warning_not_a_failure(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def pull(root: Path, fork: bool, targets: list[str] | None = None) -> remote.Outcome:
        assert fork
        return remote.Outcome("no credentials", "A fork's PR gets no credentials.")

    monkeypatch.setattr(remote, "run", pull)
    monkeypatch.chdir(ROOT)

    assert cli.main(["pull", "--fork"]) == 0
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", "A fork's PR gets no credentials.")
    ]


def test_report_against_an_unknown_ref(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)

    assert cli.main(["report", "--baseline", "no-such-ref-for-gitml-tests"]) == 2

    error = capsys.readouterr().err
    assert "Baseline ref 'no-such-ref-for-gitml-tests' not found" in error
    assert "--baseline" in error


def test_gate_without_a_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    summary = tmp_path / "report.json"

    assert cli.main(["gate", "--params", str(ROOT / "params.yaml"), "--summary", str(summary)]) == 1

    assert "Run `gitml report` (or `make report`) first." in capsys.readouterr().err
