"""The operate loop's commands through `gitml ...`: monitor, retrain-pr and card's handlers."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from gitml import cli
from gitml.config.params import Params
from gitml.errors import ActionDue, DataError
from gitml.monitor import assess, retrain_pr
from gitml.monitor import run as monitor_run
from gitml.serving import card
from tests.support.paths import ROOT


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The cwd: the project's params.yaml."""
    shutil.copy(ROOT / "params.yaml", tmp_path / "params.yaml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _assessment(records: int, enough: bool, reasons: list[str]) -> assess.Assessment:
    return assess.Assessment(
        scored_records=records,
        scored_requests=records,
        refused_requests=0,
        refused_share=0.0,
        models=["gitml_churn:m1"],
        columns=[],
        predictions=[],
        not_logged=[],
        volume=[],
        enough=enough,
        min_records=500,
        refused_records=0,
        reasons=reasons,
    )


@pytest.mark.parametrize(
    ("assessment", "expected"),
    [
        (_assessment(900, True, []), "monitor: no action (900 records) → out/monitor.md"),
        (
            _assessment(12, False, []),
            "monitor: not enough traffic yet: 12 scored record(s) in the window, drift is "
            "judged from 500 (monitor.min_records in conf/monitor/default.yaml, then `gitml "
            "compose`); nothing is flagged and no retraining is proposed until then → "
            "out/monitor.md",
        ),
    ],
)
def test_monitor_without_a_reason_to_act_exits_0_and_says_why(
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    assessment: assess.Assessment,
    expected: str,
) -> None:
    asked: dict[str, Any] = {}

    def monitor(params: Params, **options: Any) -> assess.Assessment:
        asked.update(options)
        return assessment

    monkeypatch.setattr(monitor_run, "run", monitor)

    assert cli.main(["monitor", "--since", "2026-01-01", "--output-dir", "out"]) == 0

    assert expected in caplog.text
    assert asked == {
        "logs": None,
        "since": "2026-01-01",
        "until": None,
        "labels": None,
        "output_dir": "out",
    }


def test_monitor_with_reasons_to_act_exits_1_naming_each_and_the_report(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    reasons = ["1 feature column(s) drifted: tenure_months", "8% of requests refused"]
    monkeypatch.setattr(
        monitor_run, "run", lambda params, **options: _assessment(900, True, reasons)
    )

    assert cli.main(["monitor"]) == ActionDue.exit_code

    assert capsys.readouterr().err.strip().splitlines() == [
        "ERROR Action due (1 feature column(s) drifted: tenure_months; 8% of requests "
        "refused). See reports/monitor.md."
    ]


def test_retrain_pr_without_the_monitor_report_says_to_run_the_monitor(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["retrain-pr", "--body", "reports/monitor.md"]) == DataError.exit_code
    assert "reports/monitor.md not found. Run `gitml monitor` first." in capsys.readouterr().err


def test_retrain_pr_proposes_the_report_as_the_body_and_logs_the_pr(
    project: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    Path("monitor.md").write_text("# drifted\n", encoding="utf-8")
    asked: list[tuple[str, ...]] = []

    def propose(github: Any, branch: str, base: str, title: str, body: str) -> retrain_pr.Proposal:
        asked.append((branch, base, title, body))
        return retrain_pr.Proposal("opened", 7, "https://github.example/o/r/pull/7")

    monkeypatch.setattr(retrain_pr.GitHub, "from_env", classmethod(lambda cls: None))
    monkeypatch.setattr(retrain_pr, "open_or_update", propose)

    assert cli.main(["retrain-pr", "--body", "monitor.md", "--branch", "retrain/x"]) == 0

    assert asked == [("retrain/x", "main", "Retrain: production traffic drifted", "# drifted\n")]
    assert "retrain-pr: opened #7 https://github.example/o/r/pull/7" in caplog.text


def test_card_writes_the_card_where_asked_making_its_folder(
    project: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(card, "build_card", lambda params: "# Model card: churn\n")

    assert cli.main(["card", "--output", "dist/cards/model_card.md"]) == 0

    assert Path("dist/cards/model_card.md").read_text(encoding="utf-8") == "# Model card: churn\n"
    assert "card: dist/cards/model_card.md" in caplog.text
