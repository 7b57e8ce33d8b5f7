"""`gitml monitor` on synthetic traffic: shifted columns are flagged, unshifted traffic is not."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from gitml.config.params import Params
from gitml.ml.synthetic import generate_churn
from gitml.monitor.assess import Assessment, assess
from gitml.monitor.logs import read_traffic
from gitml.monitor.simulate import reference_predictions, shifted, traffic_lines, write_traffic

START = datetime(2026, 12, 1, tzinfo=UTC)
FALSE_ALARM_SEEDS = range(100, 120)


def _assess(params: Params, folder: Path, live_seed: int, shifts: dict[str, float]) -> Assessment:
    reference = generate_churn(8000, seed=1)
    live = shifted(generate_churn(2000, seed=live_seed), shifts, params.data, live_seed)
    write_traffic(folder, traffic_lines(live, params.data, START))
    traffic = read_traffic(folder, START, START + timedelta(days=1))
    return assess(
        traffic,
        reference,
        reference_predictions(reference),
        data=params.data,
        settings=params.monitor,
    )


def test_shifted_columns_are_flagged_and_no_other(params: Params, tmp_path: Path) -> None:
    result = _assess(params, tmp_path, 7, {"noise_normal": 0.5, "region": 0.3})

    assert sorted(result.drifted) == ["noise_normal", "region"]
    assert result.action_due
    assert "2 feature column(s) drifted: " in result.reasons[0]
    # neither column feeds the stand-in model's score: its predictions did not move
    assert not any(p.is_drifted for p in result.predictions)


def test_a_shift_in_what_the_model_reads_moves_the_predictions(
    params: Params, tmp_path: Path
) -> None:
    result = _assess(params, tmp_path, 7, {"tenure_months": -0.6})

    assert result.drifted == ["tenure_months"]
    assert any("the predictions drifted" in r for r in result.reasons)


def test_unshifted_traffic_raises_no_alarm_in_at_least_95_percent_of_seeds(
    params: Params, tmp_path: Path
) -> None:
    alarms = [
        seed
        for seed in FALSE_ALARM_SEEDS
        if _assess(params, tmp_path / str(seed), seed, {}).action_due
    ]

    assert len(alarms) <= 0.05 * len(FALSE_ALARM_SEEDS), f"alarms at seeds {alarms}"


def test_too_few_records_give_no_drift_verdict(params: Params, tmp_path: Path) -> None:
    reference = generate_churn(8000, seed=1)
    live = shifted(generate_churn(100, seed=3), {"noise_normal": 2.0}, params.data, 3)
    write_traffic(tmp_path, traffic_lines(live, params.data, START))
    traffic = read_traffic(tmp_path, START, START + timedelta(days=1))

    result = assess(
        traffic,
        reference,
        reference_predictions(reference),
        data=params.data,
        settings=params.monitor,
    )

    noise = next(c for c in result.columns if c.column == "noise_normal")
    assert noise.stats["psi"] > params.monitor.drift.psi  # measured and shown ...
    assert result.drifted == []  # ... but not flagged
    assert not any(p.is_drifted for p in result.predictions)
    assert not result.enough
    assert not result.action_due


def test_below_min_records_refusals_are_not_judged_either(params: Params, tmp_path: Path) -> None:
    # given one scored record and one request the contract refused: half the requests
    lines = traffic_lines(generate_churn(1, seed=3), params.data, START)
    refusal = {"time": START.isoformat(), "request_id": "r2", "model": "m", "status": 400}
    write_traffic(tmp_path, [*lines, json.dumps(refusal | {"records": 1, "error": "bad"})])
    traffic = read_traffic(tmp_path, START, START + timedelta(days=1))

    result = assess(
        traffic,
        generate_churn(8000, seed=1),
        reference_predictions(generate_churn(8000, seed=1)),
        data=params.data,
        settings=params.monitor,
    )

    assert result.refused_share == 0.5
    assert result.reasons == []


def test_refusals_are_judged_once_the_records_sent_reach_min_records(
    params: Params, tmp_path: Path
) -> None:
    # given a client whose every request is refused: no scored record at all
    refusal = {"time": START.isoformat(), "model": "m", "status": 400, "error": "bad"}
    lines = [json.dumps(refusal | {"request_id": f"r{i}", "records": 10}) for i in range(50)]
    write_traffic(tmp_path, lines)
    traffic = read_traffic(tmp_path, START, START + timedelta(days=1))

    result = assess(
        traffic,
        generate_churn(8000, seed=1),
        reference_predictions(generate_churn(8000, seed=1)),
        data=params.data,
        settings=params.monitor,
    )

    assert result.refused_records == 500
    assert result.reasons == [
        "100.0% of requests were refused by the contract (limit 5%, monitor.max_refused_share)"
    ]
