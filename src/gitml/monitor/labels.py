"""Labels that arrive after the predictions: live metrics beside the test set's, with intervals.

A labels file holds the contract's `id_column` and target for records the service scored; it
is joined to the traffic log on the id the client sent with each record. Both sides get
percentile bootstrap intervals from the PR report's vectorised scorers (ml/bootstrap.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from gitml.config.metric_names import HEADLINE, LOWER_IS_BETTER
from gitml.config.params import DataParams, MonitorParams
from gitml.errors import DataError
from gitml.ml.bootstrap import Interval, metric_intervals

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class LiveMetrics:
    labelled: int  # logged records matched by a label
    unmatched_labels: int  # labels whose id is in no logged record of the window
    test: dict[str, Interval]
    live: dict[str, Interval]
    primary: str
    worse: str | None  # why the live model is worse than tested, if it is


def join_labels(
    scored: pd.DataFrame, labels: pd.DataFrame, data: DataParams, source: str
) -> pd.DataFrame:
    """The logged records that have a label, with its value as `truth` (last scoring wins)."""
    id_column, target = data.id_column, data.target
    if id_column is None:
        raise DataError(
            f"Labels ({source}) are joined on the contract's id_column, and conf/data/"
            f"{data.name}.yaml has none. Set data.id_column and send it with each record."
        )
    missing = [c for c in (id_column, target) if c not in labels.columns]
    if missing:
        raise DataError(
            f"Labels file {source} lacks {', '.join(missing)} (columns: "
            f"{', '.join(map(str, labels.columns))}). It needs the id column {id_column!r} and "
            f"the target {target!r}."
        )
    no_id = int(labels[id_column].isna().sum())
    if no_id:
        raise DataError(
            f"{no_id} label(s) in {source} have no {id_column}: a label is matched to its "
            "prediction by id only. Fill the ids or drop those rows, and run again."
        )
    if id_column not in scored.columns or scored[id_column].isna().all():
        raise DataError(
            f"The logged records carry no {id_column!r}, so labels ({source}) cannot be matched "
            f"to them. Clients must send {id_column} with each record, and it must not be in "
            "serve.traffic_log.exclude."
        )
    logged = scored.dropna(subset=[id_column]).drop_duplicates(id_column, keep="last")
    logged = logged.assign(_key=join_key(logged[id_column]))
    truth = labels.assign(_key=join_key(labels[id_column])).drop_duplicates("_key", keep="last")
    joined = logged.merge(truth[["_key", target]].rename(columns={target: "truth"}), on="_key")
    return joined.drop(columns="_key")


def join_key(ids: pd.Series) -> pd.Series:
    """Ids as text, a whole number written alike however it was read: the log's ids turn
    float when one record lacks its id (2 → 2.0), the labels' stay int or text ("2")."""
    import pandas as pd

    if not pd.api.types.is_float_dtype(ids):
        return ids.astype(str)
    whole = ids.notna() & (ids % 1 == 0)
    text = ids.astype(str)
    text[whole] = ids[whole].astype("int64").astype(str)
    return text


def live_metrics(
    joined: pd.DataFrame,
    test_predictions: pd.DataFrame,
    *,
    meta: dict[str, Any],
    settings: MonitorParams,
    unmatched: int,
    seed: int = 0,
) -> LiveMetrics:
    """Headline metrics with intervals on the labelled live records and on the test set."""
    task, classes = meta["task"], meta["classes"]
    positive = meta["positive_class"]
    live_truth = _typed(joined["truth"].to_numpy(), test_predictions["truth"].to_numpy())
    live_proba = None
    if task != "regression":
        keys = [str(label) for label in classes]
        live_proba = np.array(
            [[(p or {}).get(k, np.nan) for k in keys] for p in joined["probabilities"]]
        )
    live_pred = _typed(joined["prediction"].to_numpy(), test_predictions["prediction"].to_numpy())
    test_proba = (
        test_predictions[[f"proba_{c}" for c in classes]].to_numpy()
        if task != "regression"
        else None
    )
    bootstrap = (settings.resamples, settings.confidence, seed)
    intervals = {
        "test": metric_intervals(
            task,
            test_predictions["truth"].to_numpy(),
            test_predictions["prediction"].to_numpy(),
            test_proba,
            classes,
            positive,
            *bootstrap,
        ),
        "live": metric_intervals(
            task, live_truth, live_pred, live_proba, classes, positive, *bootstrap
        ),
    }
    primary = HEADLINE[task][0]
    test, live = intervals["test"][primary], intervals["live"][primary]
    lower = primary in LOWER_IS_BETTER
    # worse with confidence: the live interval's better end is past the test value by more
    # than the tolerance
    gap = (live.low - test.value) if lower else (test.value - live.high)
    worse = None
    if gap > settings.max_metric_drop:
        worse = (
            f"live {primary} {live.value:.4f} [{live.low:.4f}, {live.high:.4f}] is worse than "
            f"the test set's {test.value:.4f} by more than monitor.max_metric_drop "
            f"({settings.max_metric_drop:g}) on {len(joined)} labelled records"
        )
    return LiveMetrics(len(joined), unmatched, intervals["test"], intervals["live"], primary, worse)


def read_labels(path: str) -> pd.DataFrame:
    from gitml.io import read_table

    if not Path(path).is_file():
        raise DataError(f"Labels file {path} not found (monitor.labels or --labels).")
    return read_table(path)


def _typed(values: np.ndarray, like: np.ndarray) -> np.ndarray:
    """Logged JSON values in the dtype of the test set's (labels read from CSV are text)."""
    try:
        return values.astype(like.dtype)
    except (TypeError, ValueError):
        return values
