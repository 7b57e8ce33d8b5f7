"""`gitml monitor`: read a window of the traffic log, assess it, write reports/monitor.{md,json}."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from gitml.config.params import Params
from gitml.errors import ConfigError, DataError
from gitml.io import read_json, read_table, write_json, write_parquet, write_with
from gitml.monitor.assess import Assessment, assess
from gitml.monitor.labels import join_labels, live_metrics, read_labels
from gitml.monitor.logs import read_traffic
from gitml.monitor.render import markdown, summary

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)
LABELLED = "monitor-labelled.parquet"  # the labelled live records, when labels were given


def window(
    since: str | None, until: str | None, hours: float, now: datetime | None = None
) -> tuple[datetime, datetime]:
    """[since, until): --until defaults to now, --since to monitor.window_hours before it."""
    end = parse_time(until, "--until") if until else (now or datetime.now(UTC))
    start = parse_time(since, "--since") if since else end - timedelta(hours=hours)
    if start >= end:
        raise ConfigError(f"--since {start.isoformat()} is not before --until {end.isoformat()}.")
    return start, end


def parse_time(text: str, option: str) -> datetime:
    """An ISO 8601 date or time; without a zone, UTC."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            f"{option} {text!r} is not an ISO 8601 date or time (e.g. 2026-12-01 or "
            "2026-12-01T08:00:00Z)."
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def labelled_records(joined: pd.DataFrame, params: Params) -> pd.DataFrame:
    """The labelled live records in the contract's columns: new training data (the hand-off
    to the retraining pull request, docs/operate/index.md)."""
    frame = joined.rename(columns={"truth": params.data.target})
    return frame[[c for c in params.data.columns if c in frame.columns]].reset_index(drop=True)


def run(
    params: Params,
    *,
    logs: str | None = None,
    since: str | None = None,
    until: str | None = None,
    labels: str | None = None,
    output_dir: str = "reports",
) -> Assessment:
    settings, paths = params.monitor, params.paths
    start, end = window(since, until, settings.window_hours)
    for path, what in (
        (paths.train, "training reference"),
        (paths.predictions, "test predictions"),
    ):
        if not Path(path).is_file():
            raise DataError(f"The {what} {path} is missing. Run `dvc repro` (or `dvc pull`).")
    traffic = read_traffic(logs or settings.logs, start, end)
    if traffic.in_progress:
        logger.info("monitor: %d unfinished line(s) left for the next run", traffic.in_progress)
    reference_predictions = read_table(paths.predictions)
    live = None
    if labels := labels or settings.labels:
        table = read_labels(labels)
        joined = join_labels(traffic.scored, table, params.data, labels)
        matched = set(joined[str(params.data.id_column)].astype(str))
        unmatched = int((~table[str(params.data.id_column)].astype(str).isin(matched)).sum())
        if len(joined):
            feedback = labelled_records(joined, params)
            write_parquet(Path(output_dir) / LABELLED, feedback)
            logger.info(
                "monitor: %d labelled record(s) → %s/%s", len(feedback), output_dir, LABELLED
            )
        if len(joined) < settings.min_labelled:
            logger.warning(
                "monitor: %d logged record(s) matched a label in %s, fewer than "
                "monitor.min_labelled (%d): no live metrics",
                len(joined),
                labels,
                settings.min_labelled,
            )
        else:
            meta = read_json(paths.model_meta)
            live = live_metrics(
                joined,
                reference_predictions,
                meta=meta,
                settings=settings,
                unmatched=unmatched,
                seed=params.seed,
            )
    reference = read_table(paths.train)
    result = assess(
        traffic,
        reference,
        reference_predictions,
        data=params.data,
        settings=settings,
        live=live,
        seed=params.seed,
    )
    limits = settings.drift.model_dump(exclude={"max_rows"})
    out = Path(output_dir)
    write_json(out / "monitor.json", summary(result, start, end, limits))
    text = markdown(result, start, end, limits)
    write_with(out / "monitor.md", lambda path: path.write_text(text, encoding="utf-8"))
    return result
