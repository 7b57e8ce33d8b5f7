"""Reading the traffic log: a folder of JSON Lines files (format: traffic_format.py).

Files are only read. A line that is not a traffic record stops the run with its file and
line number; the last line of a file without its newline is one the service is still
writing, and is left for the next run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitml.errors import DataError
from gitml.ml.traffic_format import FILE_GLOB, SCORED

if TYPE_CHECKING:
    import pandas as pd

REQUIRED = ("time", "request_id", "model", "status")


@dataclass(frozen=True)
class Traffic:
    """The log lines of one window: scored records and refused requests."""

    scored: pd.DataFrame  # time, request_id, model, prediction, probabilities, record columns
    refused: pd.DataFrame  # time, request_id, model, status, records, error
    files: int
    in_progress: int  # unfinished last lines left for the next run


def read_traffic(folder: str | Path, since: datetime, until: datetime) -> Traffic:
    """Every log line with `since` <= time < `until`, from every traffic file in `folder`."""

    root = Path(folder)
    if not root.is_dir():
        raise DataError(
            f"Traffic log folder {root} not found. Point monitor.logs (conf/monitor/) or --logs "
            "at the service's serve.traffic_log.folder, or copy the logs there first."
        )
    paths = sorted(root.rglob(FILE_GLOB))
    if not paths:
        raise DataError(
            f"No traffic log files ({FILE_GLOB}) in {root}. Is serve.traffic_log.enabled on, "
            "and has the service answered requests?"
        )
    scored: list[dict[str, Any]] = []
    refused: list[dict[str, Any]] = []
    in_progress = 0
    for path in paths:
        lines, unfinished = _lines(path)
        in_progress += unfinished
        for number, line in lines:
            entry = _entry(path, number, line)
            when = _time(path, number, entry["time"])
            if not since <= when < until:
                continue
            entry["time"] = when
            (scored if entry["status"] == SCORED else refused).append(entry)
    if not scored and not refused:
        raise DataError(
            f"No traffic between {since.isoformat()} and {until.isoformat()} in {root} "
            f"({len(paths)} file(s)). Widen the window (--since/--until, monitor.window_hours)."
        )
    return Traffic(_scored_frame(scored), _refused_frame(refused), len(paths), in_progress)


def _lines(path: Path) -> tuple[list[tuple[int, str]], int]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"Cannot read traffic log {path}: {exc}. Fix or move the file.") from None
    lines = text.split("\n")
    unfinished = 1 if lines[-1] else 0  # a last line without its newline is still being written
    return [(n, line) for n, line in enumerate(lines[:-1], 1) if line.strip()], unfinished


def _entry(path: Path, number: int, line: str) -> dict[str, Any]:
    try:
        entry = json.loads(line)
    except ValueError as exc:
        raise DataError(
            f"{path}:{number} is not JSON ({exc}). A traffic log line is one JSON object; "
            "move the damaged file out of the folder (nothing else was read) and run again."
        ) from None
    missing = [key for key in REQUIRED if not isinstance(entry, dict) or key not in entry]
    if missing or (entry["status"] == SCORED and not isinstance(entry.get("record"), dict)):
        what = ", ".join(missing) if missing else "record"
        raise DataError(
            f"{path}:{number} is not a traffic log line: it lacks {what}. Only the service's "
            "traffic-*.jsonl files belong in the folder; move this one out and run again."
        )
    return dict(entry)


def _time(path: Path, number: int, value: Any) -> datetime:
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        raise DataError(
            f"{path}:{number} has time {value!r}, not an ISO 8601 time. Move the file out of "
            "the folder and run again."
        ) from None
    if when.tzinfo is None:
        raise DataError(f"{path}:{number} has time {value!r} without a time zone (UTC expected).")
    return when


def _scored_frame(entries: list[dict[str, Any]]) -> pd.DataFrame:
    import pandas as pd

    head = ["time", "request_id", "model", "prediction", "probabilities"]
    if not entries:
        return pd.DataFrame(columns=head)
    frame = pd.DataFrame({key: [entry.get(key) for entry in entries] for key in head})
    records = pd.DataFrame.from_records([entry["record"] for entry in entries])
    records = records.drop(columns=[c for c in records if c in head])
    return pd.concat([frame, records], axis=1)


def _refused_frame(entries: list[dict[str, Any]]) -> pd.DataFrame:
    import pandas as pd

    columns = ["time", "request_id", "model", "status", "records", "error"]
    return pd.DataFrame({key: [entry.get(key) for entry in entries] for key in columns})
