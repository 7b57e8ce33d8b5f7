from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from gitml.config.params import Params
from gitml.ml.synthetic import generate_churn
from gitml.monitor.logs import read_traffic
from gitml.monitor.simulate import (
    reference_predictions,
    shifted,
    stand_in_scores,
    traffic_lines,
    write_traffic,
)

START = datetime(2026, 12, 1, tzinfo=UTC)


def test_a_numeric_shift_moves_by_standard_deviations_within_the_contract(params: Params) -> None:
    frame = generate_churn(500, seed=0)
    moved = shifted(frame, {"monthly_charges": 1.0, "tenure_months": 5.0}, params.data, seed=0)
    spec = params.data.columns["tenure_months"]
    assert moved["tenure_months"].max() == spec.max  # clipped to the contract's range
    assert moved["tenure_months"].dtype == frame["tenure_months"].dtype
    # a clip at the contract's bounds can only reduce the shift
    delta = (moved["monthly_charges"] - frame["monthly_charges"]).mean()
    assert 0 < delta <= frame["monthly_charges"].std() + 1e-9
    others = ["monthly_charges", "tenure_months"]
    pd.testing.assert_frame_equal(frame.drop(columns=others), moved.drop(columns=others))


def test_a_categorical_shift_gives_that_share_to_the_rarest_value(params: Params) -> None:
    frame = generate_churn(2000, seed=0)
    rarest = frame["contract"].value_counts().index[-1]
    moved = shifted(frame, {"contract": 0.5}, params.data, seed=7)["contract"]
    changed = moved != frame["contract"]
    assert (moved[changed] == rarest).all()
    # half the rows are replaced; those that already held the rarest value do not change
    share_not_rarest = (frame["contract"] != rarest).mean()
    assert abs(changed.mean() - 0.5 * share_not_rarest) < 0.05


def test_reference_predictions_follow_the_stand_in_score() -> None:
    frame = generate_churn(50, seed=0)
    score = stand_in_scores(frame)
    assert ((score > 0) & (score < 1)).all()
    table = reference_predictions(frame)
    np.testing.assert_allclose(table["proba_1"], score)
    np.testing.assert_allclose(table["proba_0"] + table["proba_1"], 1.0)
    assert table["prediction"].tolist() == (score >= 0.5).astype(int).tolist()


def test_traffic_lines_read_back_as_the_rows_they_came_from(params: Params, tmp_path: Path) -> None:
    frame = generate_churn(30, seed=0)
    lines = traffic_lines(frame, params.data, START, per_second=2.0)
    first = json.loads(lines[0])
    assert (first["time"], first["status"]) == ("2026-12-01T00:00:00.000+00:00", 200)
    assert json.loads(lines[1])["time"] == "2026-12-01T00:00:00.500+00:00"
    assert set(first["record"]) == {*params.data.feature_columns, params.data.id_column}
    path = write_traffic(tmp_path, lines, worker="3")
    assert path.name == "traffic-w3-simulated.jsonl"
    traffic = read_traffic(tmp_path, START, datetime(2026, 12, 2, tzinfo=UTC))
    assert len(traffic.scored) == 30
    assert traffic.scored["tenure_months"].tolist() == frame["tenure_months"].tolist()
