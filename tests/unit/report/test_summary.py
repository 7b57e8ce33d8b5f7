"""report.json read and written in one place: what `gitml gate` re-judges."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitml.config.params import GateParams
from gitml.errors import GitmlError
from gitml.report.summary import RecordedRules, ReportSummary, read_summary, write_summary

OLDER = {  # a report written before rules, lock, remote and fingerprint were recorded
    "task": "binary",
    "baseline": {"ref": "main", "commit": "0" * 40, "source": "DVC cache"},
    "branch": {"commit": "1" * 40, "dirty": False},
    "contract": {"passed": True},
    "stale": [],
    "metrics": [{"name": "roc_auc", "baseline": 0.8, "branch": None, "delta": None}],
    "a_key_from_a_newer_version": 1,
}


def test_a_summary_survives_the_round_trip_with_its_rules_under_their_json_name(
    tmp_path: Path,
) -> None:
    rules = RecordedRules(gate=GateParams(), confidence=0.9, source="main", seed_sd={"f1": 0.01})
    summary = ReportSummary.model_validate(OLDER).model_copy(update={"rules": rules})

    write_summary(tmp_path / "report.json", summary)

    assert json.loads((tmp_path / "report.json").read_text())["rules"]["from"] == "main"
    assert read_summary(tmp_path / "report.json") == summary


def test_an_older_report_reads_with_defaults_and_ignores_keys_it_does_not_know(
    tmp_path: Path,
) -> None:
    (tmp_path / "report.json").write_text(json.dumps(OLDER))

    summary = read_summary(tmp_path / "report.json")

    assert (summary.rules, summary.lock, summary.fingerprint) == (None, None, "")
    assert summary.baseline_name == "main"
    assert summary.metrics[0]["branch"] is None  # an undefined metric stays null


@pytest.mark.parametrize(
    ("text", "problem"),
    [("{not json", "Expecting property name"), ('{"task": "binary"}', "baseline: Field required")],
)
def test_a_broken_report_json_is_one_message_naming_the_file_and_the_fix(
    tmp_path: Path, text: str, problem: str
) -> None:
    (tmp_path / "report.json").write_text(text)

    with pytest.raises(GitmlError) as caught:
        read_summary(tmp_path / "report.json")

    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'report.json'} is not a gitml report's summary")
    assert problem in message
    assert message.endswith("Run `gitml report` again, then `gitml gate`.")


def test_a_missing_report_json_says_to_run_the_report_first(tmp_path: Path) -> None:
    with pytest.raises(GitmlError, match=r"report.json not found. Run `gitml report`"):
        read_summary(tmp_path / "report.json")
