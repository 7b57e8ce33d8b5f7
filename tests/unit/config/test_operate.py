"""The trained model's life: the service, its traffic log, the monitor and the model card."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from gitml.config.evaluation import DriftThresholds, ReportParams
from gitml.config.operate import REQUEST_TIMEOUT_S, MonitorParams, ServeParams
from gitml.config.params import Params, parse_params
from gitml.errors import ConfigError
from tests.support.params import with_value


@pytest.mark.parametrize(
    ("dotted", "value", "expected"),
    [
        ("serve.workers", 0, r"serve\.workers: .*≥ 1 or 'cpu_count' \(got 0\)"),
        ("serve.workers", "all", r"serve\.workers: .*≥ 1 or 'cpu_count' \(got 'all'\)"),
        ("serve.read_timeout_s", 30, r"serve\.read_timeout_s: .*less than 30 \(got 30\)"),
        ("serve.header_timeout_s", 30, r"serve\.header_timeout_s: .*less than 30 \(got 30\)"),
        ("serve.drain_timeout_s", 0, r"serve\.drain_timeout_s: .*greater than or equal to 1"),
        ("serve.drain_timeout_s", 2.5, r"serve\.drain_timeout_s: .*valid integer \(got 2\.5\)"),
        ("serve.traffic_log", {"sink": "s3"}, r"serve\.traffic_log\.sink: .*'file' or 'stdout'"),
        ("monitor.max_refused_share", 1.5, r"monitor\.max_refused_share: .*less than or equal"),
        ("card.rare_class_share", 0, r"card\.rare_class_share: Input should be greater than 0"),
    ],
)
def test_a_bad_value_names_key_and_value(
    params: Params, dotted: str, value: object, expected: str
) -> None:
    with pytest.raises(ConfigError, match=expected):
        parse_params(with_value(params, dotted, value))


def test_a_batch_must_hold_one_full_request() -> None:
    with pytest.raises(ValidationError) as caught:
        ServeParams.model_validate({"max_records": 500, "max_batch_size": 100})
    assert (
        "max_batch_size (100) is smaller than max_records (500): one full request would not "
        "fit in a batch"
    ) in str(caught.value)
    assert ServeParams.model_validate({"max_records": 500, "max_batch_size": 500}).workers == (
        "cpu_count"
    )


def test_the_service_answers_its_own_timeouts_before_bentomls() -> None:
    serve = ServeParams()
    assert serve.read_timeout_s < REQUEST_TIMEOUT_S
    assert serve.header_timeout_s < REQUEST_TIMEOUT_S


def test_the_monitor_judges_drift_by_the_reports_limits_unless_set() -> None:
    assert MonitorParams().drift == ReportParams().drift == DriftThresholds()
    own = MonitorParams.model_validate({"drift": {"psi": 0.5}})
    assert own.drift.psi == 0.5
    assert own.drift.ks == DriftThresholds().ks
