from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gitml.errors import DataError
from gitml.monitor.logs import read_traffic

START = datetime(2026, 12, 1, tzinfo=UTC)
END = START + timedelta(days=1)
HEAD = {"request_id": "r1", "model": "churn:abc"}


def _line(time: str, **entry: object) -> str:
    return json.dumps({"time": time, **HEAD, **entry})


def _write(folder: Path, *lines: str, name: str = "traffic-0.jsonl", tail: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("".join(line + "\n" for line in lines) + tail, encoding="utf-8")
    return path


def test_scored_and_refused_lines_in_the_window_are_read_apart(tmp_path: Path) -> None:
    scored = {"status": 200, "index": 0, "record": {"tenure": 3, "plan": "a"}, "prediction": 1}
    _write(
        tmp_path / "worker-1",  # files in sub-folders count too
        _line("2026-12-01T10:00:00.000+00:00", **scored, probabilities={"0": 0.2, "1": 0.8}),
        _line("2026-12-01T11:00:00.000+00:00", status=400, records=3, error="bad plan"),
        _line("2026-12-02T00:00:00.000+00:00", **scored),  # `until` is outside the window
        tail='{"time": "2026-12-01T12:',  # the last line, still being written
    )
    traffic = read_traffic(tmp_path, START, END)
    assert (traffic.files, traffic.in_progress) == (1, 1)
    assert traffic.scored[["prediction", "tenure", "plan"]].to_dict("records") == [
        {"prediction": 1, "tenure": 3, "plan": "a"}
    ]
    assert traffic.scored["probabilities"].tolist() == [{"0": 0.2, "1": 0.8}]
    assert traffic.refused[["status", "records", "error"]].to_dict("records") == [
        {"status": 400, "records": 3, "error": "bad plan"}
    ]
    assert traffic.refused["time"].tolist() == [datetime(2026, 12, 1, 11, tzinfo=UTC)]


def test_a_missing_folder_says_where_to_point_monitor(tmp_path: Path) -> None:
    with pytest.raises(DataError) as error:
        read_traffic(tmp_path / "nowhere", START, END)
    assert str(error.value).startswith(f"Traffic log folder {tmp_path / 'nowhere'} not found.")


def test_a_folder_without_traffic_files_asks_whether_logging_is_on(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(DataError, match=r"No traffic log files \(traffic-\*\.jsonl\) in "):
        read_traffic(tmp_path, START, END)


def test_a_window_without_traffic_says_to_widen_it(tmp_path: Path) -> None:
    _write(tmp_path, _line("2026-11-01T00:00:00+00:00", status=400, records=None, error="x"))
    with pytest.raises(DataError) as error:
        read_traffic(tmp_path, START, END)
    assert str(error.value) == (
        f"No traffic between {START.isoformat()} and {END.isoformat()} in {tmp_path} (1 file(s)). "
        "Widen the window (--since/--until, monitor.window_hours)."
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", ":1 is not JSON ("),
        (
            json.dumps({"time": "2026-12-01T00:00:00+00:00", "status": 200}),
            "it lacks request_id, model",
        ),
        (_line("2026-12-01T00:00:00+00:00", status=200), "it lacks record"),
        (_line("yesterday", status=400), "has time 'yesterday', not an ISO 8601 time"),
        (_line("2026-12-01T00:00:00", status=400), "without a time zone (UTC expected)"),
    ],
)
def test_a_damaged_line_is_named_by_file_and_line_number(
    tmp_path: Path, line: str, message: str
) -> None:
    path = _write(tmp_path, line)
    with pytest.raises(DataError) as error:
        read_traffic(tmp_path, START, END)
    assert str(error.value).startswith(f"{path}:1 ")
    assert message in str(error.value)
