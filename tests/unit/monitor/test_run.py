"""`gitml monitor` end to end on files: reports written, exit codes, one message per bad input."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
import yaml

from gitml import cli
from gitml.config.params import Params
from gitml.io import write_json, write_parquet
from gitml.ml.synthetic import generate_churn
from gitml.monitor.simulate import reference_predictions, shifted, traffic_lines, write_traffic
from tests.support.paths import with_paths
from tests.unit.monitor.test_assess import START

WINDOW = ["--since", "2026-12-01", "--until", "2026-12-02"]


@pytest.fixture
def project(params: Params, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Params:
    """Training reference, test predictions and model metadata as the pipeline leaves them."""
    monkeypatch.chdir(tmp_path)
    moved = with_paths(params, tmp_path)
    reference = generate_churn(8000, seed=1)
    write_parquet(moved.paths.train, reference)
    table = reference_predictions(reference.iloc[:2000]).assign(
        truth=reference["churned"].iloc[:2000].to_numpy()
    )
    write_parquet(moved.paths.predictions, table)
    meta = {"task": "binary", "classes": [0, 1], "positive_class": 1, "target": "churned"}
    write_json(moved.paths.model_meta, meta)
    raw = moved.model_dump(mode="json")
    raw["monitor"]["logs"] = str(tmp_path / "logs")
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(raw))
    return moved


def _monitor(*extra: str) -> int:
    return cli.main(["monitor", *WINDOW, *extra])


def _live(project: Params, shifts: dict[str, float], seed: int = 5) -> pd.DataFrame:
    live = shifted(generate_churn(2000, seed=seed), shifts, project.data, seed)
    write_traffic(Path("logs"), traffic_lines(live, project.data, START))
    return live


def test_drift_means_exit_1_and_a_report(project: Params, caplog: pytest.LogCaptureFixture) -> None:
    _live(project, {"satisfaction_score": 0.8})

    assert _monitor() == 1
    summary = json.loads(Path("reports/monitor.json").read_text())
    assert summary["action_due"]
    assert summary["drifted_columns"] == ["satisfaction_score"]
    text = Path("reports/monitor.md").read_text()
    assert "gitml monitor: ACTION DUE" in text
    assert "```mermaid" in text
    assert "1 feature column(s) drifted: satisfaction_score" in caplog.text


def test_unshifted_traffic_means_exit_0(project: Params) -> None:
    _live(project, {})

    assert _monitor() == 0
    assert json.loads(Path("reports/monitor.json").read_text())["status"] == "no action"


def test_one_scored_record_is_not_enough_traffic_not_an_alarm(
    project: Params, caplog: pytest.LogCaptureFixture
) -> None:
    # given the first request a new service scored, and one the contract refused
    refusal = {"time": START.isoformat(), "request_id": "r", "model": "m", "status": 400}
    lines = traffic_lines(generate_churn(1, seed=5), project.data, START)
    write_traffic(Path("logs"), [*lines, json.dumps(refusal | {"records": 1, "error": "x"})])

    assert _monitor() == 0

    summary = json.loads(Path("reports/monitor.json").read_text())
    assert (summary["status"], summary["action_due"]) == ("not enough traffic yet", False)
    assert summary["drifted_columns"] == []  # what the model card lists as drifted
    assert all(not c["drifted"] for c in summary["columns"] + summary["predictions"])
    text = Path("reports/monitor.md").read_text()
    assert text.startswith("## ⚪ gitml monitor: NOT ENOUGH TRAFFIC YET")
    assert "🔴" not in text
    assert "1 scored record(s) in the window, drift is judged from 500" in caplog.text


def test_labels_give_live_metrics_beside_the_test_set(project: Params) -> None:
    live = _live(project, {})
    labels = live[["customer_id", "churned"]].iloc[:1500]
    labels.to_csv("labels.csv", index=False)

    assert _monitor("--labels", "labels.csv") == 0
    summary = json.loads(Path("reports/monitor.json").read_text())["labels"]
    assert summary["labelled"] == 1500
    assert summary["primary"] == "roc_auc"
    auc = summary["metrics"]["roc_auc"]
    assert auc["live"]["low"] < auc["live"]["value"] < auc["live"]["high"]
    assert "Live metrics (labels joined on id)" in Path("reports/monitor.md").read_text()
    feedback = pd.read_parquet("reports/monitor-labelled.parquet")
    assert len(feedback) == 1500
    assert sorted(feedback.columns) == sorted(project.data.columns)  # new training rows
    expected = live.set_index("customer_id").loc[feedback["customer_id"], "churned"]
    assert (feedback["churned"].to_numpy() == expected.to_numpy()).all()


@pytest.mark.parametrize(
    ("prepare", "expected"),
    [
        (lambda: None, r"Traffic log folder .*logs not found"),
        (lambda: Path("logs").mkdir(), r"No traffic log files \(traffic-\*\.jsonl\) in"),
        (
            lambda: write_traffic(Path("logs"), ['{"time": "2026-12-01T00:00:00+00:00"', "{}"]),
            r"traffic-w0-simulated\.jsonl:1 is not JSON",
        ),
        (
            lambda: write_traffic(Path("logs"), ['{"time": "2026-12-01T00:00:00+00:00"}']),
            r"simulated\.jsonl:1 is not a traffic log line: it lacks request_id, model, status",
        ),
    ],
)
def test_a_bad_log_folder_is_one_message_and_exit_3(
    project: Params, caplog: pytest.LogCaptureFixture, prepare: Callable[[], object], expected: str
) -> None:
    prepare()

    assert _monitor() == 3
    (error,) = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert re.search(expected, error)
    assert not Path("reports/monitor.md").exists()  # nothing half-written


def test_an_empty_window_says_how_to_widen_it(
    project: Params, caplog: pytest.LogCaptureFixture
) -> None:
    _live(project, {})

    assert cli.main(["monitor", "--since", "2025-01-01", "--until", "2025-01-02"]) == 3
    assert "No traffic between 2025-01-01T00:00:00+00:00 and 2025-01-02" in caplog.text
    assert "Widen the window" in caplog.text


def test_a_line_still_being_written_is_left_for_the_next_run(project: Params) -> None:
    _live(project, {})
    path = next(Path("logs").glob("*.jsonl"))
    with path.open("a") as log:
        log.write('{"time": "2026-12-01T05:00:00.000+00:00", "request_id"')

    assert _monitor() == 0


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (pd.DataFrame({"churned": [0, 1]}), r"labels\.csv lacks customer_id"),
        (
            pd.DataFrame({"customer_id": [1, None], "churned": [0, 1]}),
            r"1 label\(s\) in labels\.csv have no customer_id",
        ),
    ],
)
def test_labels_without_ids_are_one_message(
    project: Params, caplog: pytest.LogCaptureFixture, labels: pd.DataFrame, expected: str
) -> None:
    _live(project, {})
    labels.to_csv("labels.csv", index=False)

    assert _monitor("--labels", "labels.csv") == 3
    assert re.search(expected, caplog.text)


def test_a_bad_time_is_a_config_error(project: Params, caplog: pytest.LogCaptureFixture) -> None:
    assert cli.main(["monitor", "--since", "last tuesday"]) == 2
    assert "--since 'last tuesday' is not an ISO 8601 date or time" in caplog.text


def test_the_window_defaults_to_window_hours_before_now() -> None:
    from datetime import UTC, datetime

    from gitml.monitor.run import window

    now = datetime(2026, 12, 8, tzinfo=UTC)
    assert window(None, None, 24, now) == (now - timedelta(hours=24), now)
