from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime

from gitml.ml.drift import ColumnDrift
from gitml.monitor import render
from gitml.monitor.assess import Assessment

SINCE, UNTIL = datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 2, tzinfo=UTC)
LIMITS = {"psi": 0.2, "js": 0.1}
TENURE = ColumnDrift("tenure", "numeric", {"psi": 0.5, "ks": math.nan}, ["psi"])
PLAN = ColumnDrift("plan", "categorical", {"psi": 0.01, "js": 0.02}, [])
QUIET = Assessment(
    scored_records=1200,
    scored_requests=300,
    refused_requests=3,
    refused_share=0.01,
    models=["churn:abc"],
    columns=[PLAN],
    predictions=[],
    not_logged=["email"],
    volume=[("2026-12-01T00", 700), ("2026-12-01T01", 500)],
    enough=True,
    min_records=500,
    refused_records=3,
)
DRIFTED = replace(QUIET, columns=[TENURE, PLAN], reasons=["1 feature column(s) drifted: tenure"])


def test_the_status_says_whether_to_act_or_that_there_is_too_little_to_judge() -> None:
    assert render.status(QUIET) == "no action"
    assert render.status(DRIFTED) == "action due"
    assert render.status(replace(QUIET, enough=False)) == "not enough traffic yet"


def test_the_summary_holds_what_scripts_need_with_undefined_statistics_as_null() -> None:
    summary = render.summary(DRIFTED, SINCE, UNTIL, LIMITS)
    assert summary["status"] == "action due"
    assert summary["action_due"] is True
    assert summary["window"] == {"since": SINCE.isoformat(), "until": UNTIL.isoformat()}
    assert summary["drifted_columns"] == ["tenure"]
    assert summary["columns"][0] == {
        "column": "tenure",
        "kind": "numeric",
        "stats": {"psi": 0.5, "ks": None},
        "drifted": ["psi"],
    }
    assert summary["volume"][0] == {"period": "2026-12-01T00", "records": 700}
    assert summary["labels"] is None


def test_the_markdown_leads_with_the_verdict_and_its_reasons() -> None:
    text = render.markdown(DRIFTED, SINCE, UNTIL, LIMITS)
    assert text.startswith("## 🔴 gitml monitor: ACTION DUE\n\n")
    assert (
        "Window 2026-12-01 00:00 → 2026-12-02 00:00 UTC · 1,200 records in 300 requests · "
        "3 refused by the contract (1.0%) · model churn:abc"
    ) in text
    assert "- 1 feature column(s) drifted: tenure" in text
    assert "| 🔴 tenure | numeric | 0.500 | — | — | — | psi |" in text
    assert "Thresholds: psi 0.2, js 0.1" in text
    assert "Not in the log (serve.traffic_log.exclude): email." in text
    assert "xychart-beta" in text


def test_a_quiet_window_says_nothing_is_over_its_threshold() -> None:
    text = render.markdown(QUIET, SINCE, UNTIL, LIMITS)
    assert text.startswith("## 🟢 gitml monitor: NO ACTION\n")
    assert "- nothing over its threshold" in text
    empty = render.markdown(
        replace(QUIET, scored_records=0, volume=[], enough=False), SINCE, UNTIL, LIMITS
    )
    assert empty.startswith("## ⚪ gitml monitor: NOT ENOUGH TRAFFIC YET\n")
    assert "No scored records in the window." in empty


def test_below_min_records_the_report_says_how_many_and_where_the_bar_is_and_flags_nothing() -> (
    None
):
    # given one scored record whose statistics are over every threshold (as one record's are)
    one = ColumnDrift("tenure", "numeric", {"psi": 9.0, "ks": 1.0}, [])
    few = replace(QUIET, scored_records=1, scored_requests=1, columns=[one], enough=False)

    text = render.markdown(few, SINCE, UNTIL, LIMITS)

    assert text.startswith("## ⚪ gitml monitor: NOT ENOUGH TRAFFIC YET\n")
    assert (
        "- not enough traffic yet: 1 scored record(s) in the window, drift is judged from 500 "
        "(monitor.min_records in conf/monitor/default.yaml, then `gitml compose`)"
    ) in text
    assert "🔴" not in text
    assert "| tenure | numeric | 9.000 | — | 1.000 | — | not judged |" in text
    assert "PSI per column" not in text  # no bars over a threshold line
    assert "nothing over its threshold" not in text
    assert render.summary(few, SINCE, UNTIL, LIMITS)["min_records"] == 500
