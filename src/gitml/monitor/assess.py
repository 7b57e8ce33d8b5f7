"""What a window of live traffic says against the training reference, and whether to act.

The drift statistics and thresholds are the PR report's (ml/drift.py): per feature column,
and for the predictions (the classes predicted, the positive class's score, or the values),
against the model's predictions on the test set.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from gitml.config.params import ColumnSpec, DataParams, MonitorParams
from gitml.ml.drift import ColumnDrift, column_drift

if TYPE_CHECKING:
    import pandas as pd

    from gitml.monitor.labels import LiveMetrics
    from gitml.monitor.logs import Traffic

PREDICTION = "prediction"
SCORE = "score"  # the positive class's probability (binary)


@dataclass(frozen=True)
class Assessment:
    scored_records: int
    scored_requests: int
    refused_requests: int
    refused_share: float
    models: list[str]
    columns: list[ColumnDrift]
    predictions: list[ColumnDrift]
    not_logged: list[str]  # feature columns absent from the log (excluded as personal data)
    volume: list[tuple[str, int]]  # (period, scored records)
    enough: bool  # at least monitor.min_records scored records: drift is judged
    min_records: int  # monitor.min_records
    refused_records: int  # the records of refused requests (a body that was not JSON: 1)
    live: LiveMetrics | None = None
    reasons: list[str] = field(default_factory=list)

    @property
    def action_due(self) -> bool:
        return bool(self.reasons)

    @property
    def drifted(self) -> list[str]:
        return [c.column for c in self.columns if c.is_drifted]


def prediction_frames(
    reference: pd.DataFrame, scored: pd.DataFrame, task: str, positive: Any
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, ColumnSpec]]:
    """The test set's predictions and the live ones, as columns to compare with drift."""
    import pandas as pd

    if task == "regression":
        spec = {PREDICTION: ColumnSpec(dtype="float")}
        live = pd.DataFrame({PREDICTION: pd.to_numeric(scored[PREDICTION], errors="coerce")})
        return reference[[PREDICTION]], live, spec
    spec = {PREDICTION: ColumnSpec(dtype="category")}
    ref = pd.DataFrame({PREDICTION: reference[PREDICTION].astype(str)})
    live = pd.DataFrame({PREDICTION: scored[PREDICTION].astype(str)})
    if task == "binary":
        spec[SCORE] = ColumnSpec(dtype="float")
        ref[SCORE] = reference[f"proba_{positive}"].to_numpy(float)
        live[SCORE] = [
            (p or {}).get(str(positive), np.nan) if isinstance(p, dict) else np.nan
            for p in scored["probabilities"]
        ]
    return ref, live, spec


def volume(times: pd.Series, window_hours: float) -> list[tuple[str, int]]:
    """Scored records per hour (windows up to two days) or per day."""
    import pandas as pd

    if times.empty:
        return []
    hourly = window_hours <= 48
    stamps = pd.to_datetime(times, utc=True).dt.floor("h" if hourly else "D")
    counts = stamps.value_counts().sort_index()
    label = "%m-%d %H:00" if hourly else "%Y-%m-%d"
    pairs = zip(counts.index, counts, strict=True)
    return [(stamp.strftime(label), int(count)) for stamp, count in pairs]


def assess(
    traffic: Traffic,
    reference: pd.DataFrame,
    reference_predictions: pd.DataFrame,
    *,
    data: DataParams,
    settings: MonitorParams,
    live: LiveMetrics | None = None,
    seed: int = 0,
) -> Assessment:
    """Drift, refusals, volume and (with labels) live metrics, and the reasons to act."""
    scored, refused = traffic.scored, traffic.refused
    features = data.feature_columns
    not_logged = [name for name in features if name not in scored.columns]
    columns = column_drift(reference, scored, features, settings.drift, seed)
    ref_pred, live_pred, pred_spec = prediction_frames(
        reference_predictions, scored, data.task, data.positive_class
    )
    predictions = column_drift(ref_pred, live_pred, pred_spec, settings.drift, seed)
    requests = scored["request_id"].nunique() if len(scored) else 0
    total = requests + len(refused)
    contract_refusals = int((refused["status"] == 400).sum()) if len(refused) else 0
    share = contract_refusals / total if total else 0.0
    enough = len(scored) >= settings.min_records
    if not enough:  # a handful of records always looks drifted: measured, shown, not flagged
        columns = [replace(c, drifted=[]) for c in columns]
        predictions = [replace(p, drifted=[]) for p in predictions]
    result = Assessment(
        scored_records=len(scored),
        scored_requests=int(requests),
        refused_requests=contract_refusals,
        refused_share=share,
        models=sorted({str(m) for m in scored["model"]} | {str(m) for m in refused["model"]}),
        columns=columns,
        predictions=predictions,
        not_logged=not_logged,
        volume=volume(scored["time"], settings.window_hours),
        enough=enough,
        min_records=settings.min_records,
        refused_records=_refused_records(refused),
        live=live,
    )
    return replace(result, reasons=reasons(result, settings))


def _refused_records(refused: pd.DataFrame) -> int:
    """The records in the requests the contract refused; a body that was not JSON (null)
    or held none counts as one."""
    import pandas as pd

    if not len(refused):
        return 0
    counts = pd.to_numeric(refused.loc[refused["status"] == 400, "records"], errors="coerce")
    return int(counts.fillna(1).clip(lower=1).sum())


def reasons(result: Assessment, settings: MonitorParams) -> list[str]:
    """Why action is due. Below monitor.min_records nothing is judged: not drift, and not the
    refused share unless the records sent (scored and refused) reach it (a client whose every
    request is refused sends no scored records)."""
    found = []
    sent = result.scored_records + result.refused_records
    if sent >= settings.min_records and result.refused_share > settings.max_refused_share:
        found.append(
            f"{result.refused_share:.1%} of requests were refused by the contract "
            f"(limit {settings.max_refused_share:.0%}, monitor.max_refused_share)"
        )
    if not result.enough:
        return found
    drifted = result.drifted
    if len(drifted) > settings.max_drifted_columns:
        found.append(
            f"{len(drifted)} feature column(s) drifted: {', '.join(drifted)} "
            f"(limit {settings.max_drifted_columns}, monitor.max_drifted_columns)"
        )
    moved = [p.column for p in result.predictions if p.is_drifted]
    if settings.prediction_drift and moved:
        found.append(f"the predictions drifted ({', '.join(moved)})")
    if result.live is not None and result.live.worse:
        found.append(result.live.worse)
    return found
