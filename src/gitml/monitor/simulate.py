"""Synthetic traffic for rehearsing `gitml monitor` and measuring its false alarms.

Records come from the embedded generator (ml/synthetic.py) at another seed than the training
data, optionally shifted in chosen columns, and are written as the service would log them.
Predictions come from a fixed score of three features that stands in for a model: what is
measured is the monitor's statistics and thresholds, not a model's quality.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from gitml.config.params import DataParams
from gitml.ml.traffic_format import FILE_PREFIX, FILE_SUFFIX


def shifted(
    frame: pd.DataFrame, shifts: Mapping[str, float], data: DataParams, seed: int
) -> pd.DataFrame:
    """A copy with each numeric column in `shifts` moved by `amount` standard deviations and
    each other column with that share of its values replaced by its rarest value."""
    rng = np.random.default_rng(seed)
    out = frame.copy()
    for column, amount in shifts.items():
        spec = data.columns[column]
        values = out[column]
        if spec.dtype in ("int", "float"):
            moved = values + amount * float(values.std())
            if spec.min is not None or spec.max is not None:
                moved = moved.clip(spec.min, spec.max)
            out[column] = moved.round().astype(values.dtype) if spec.dtype == "int" else moved
        else:
            rarest = values.value_counts().index[-1]
            chosen = rng.random(len(out)) < amount
            out[column] = values.astype(object).where(~chosen, rarest).astype(values.dtype)
    return out


def stand_in_scores(frame: pd.DataFrame) -> np.ndarray:
    """P(positive) from a fixed logistic score of tenure, charges and contract."""
    logit = (
        0.03 * (frame["monthly_charges"].to_numpy(float) - 60)
        - 0.05 * frame["tenure_months"].to_numpy(float)
        + np.where(frame["contract"].astype(str).to_numpy() == "month_to_month", 1.0, -0.5)
    )
    return np.asarray(1 / (1 + np.exp(-logit)))


def reference_predictions(frame: pd.DataFrame) -> pd.DataFrame:
    """A test-set prediction table (as `evaluate` writes it) from the stand-in scores."""
    score = stand_in_scores(frame)
    return pd.DataFrame(
        {"prediction": (score >= 0.5).astype(np.int64), "proba_0": 1 - score, "proba_1": score}
    )


def traffic_lines(
    frame: pd.DataFrame, data: DataParams, start: datetime, per_second: float = 10.0
) -> list[str]:
    """One scored-record log line per row, one request per row, `per_second` apart."""
    score = stand_in_scores(frame)
    columns = [*data.feature_columns, *([data.id_column] if data.id_column else [])]
    clean = frame[columns].astype(object).where(frame[columns].notna(), None)
    lines = []
    for index, record in enumerate(clean.to_dict(orient="records")):
        stamp = start + timedelta(seconds=index / per_second)
        lines.append(
            json.dumps(
                {
                    "time": stamp.astimezone(UTC).isoformat(timespec="milliseconds"),
                    "request_id": f"{index:016x}",
                    "model": "stand-in",
                    "status": 200,
                    "index": 0,
                    "record": {k: _plain(v) for k, v in record.items()},
                    "prediction": int(score[index] >= 0.5),
                    "probabilities": {"0": 1 - float(score[index]), "1": float(score[index])},
                }
            )
        )
    return lines


def write_traffic(folder: Path, lines: list[str], worker: str = "0") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{FILE_PREFIX}w{worker}-simulated{FILE_SUFFIX}"
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


def _plain(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value
