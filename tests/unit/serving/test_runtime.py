"""Scoring in the service: the same frame as training, the same answers as the pipeline."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest

from gitml.config.params import Params
from gitml.contract.records import record_model, records_frame
from gitml.contract.schema import to_model_dtypes
from gitml.ml.model import build_pipeline
from gitml.serving.runtime import UNMATCHED, group_unknown_paths, metrics_label, score
from tests.support.pipeline import TrainedPipeline


@pytest.fixture
def validated(trained_pipeline: TrainedPipeline) -> tuple[Params, pd.DataFrame]:
    params = trained_pipeline.params
    return params, pd.read_parquet(params.paths.validated)


def _records(frame: pd.DataFrame, params: Params) -> list:  # type: ignore[type-arg]
    """The frame's feature rows as the service receives them: JSON, validated by the contract."""
    features = frame[list(params.data.feature_columns)]
    model = record_model(params.data)
    rows = features.astype(object).where(features.notna(), None).to_dict(orient="records")
    return [model.model_validate_json(pd.Series(row).to_json()) for row in rows]


def test_records_become_the_frame_training_saw(validated: tuple[Params, pd.DataFrame]) -> None:
    params, frame = validated
    served = records_frame(_records(frame, params), params.data)
    trained = to_model_dtypes(frame, params.data)[list(params.data.feature_columns)]
    pd.testing.assert_frame_equal(served, trained.reset_index(drop=True))


@pytest.mark.parametrize("model", ["hist_gradient_boosting", "random_forest", "linear"])
@pytest.mark.parametrize("task", ["binary", "multiclass"])
def test_score_answers_what_the_pipeline_predicts(
    validated: tuple[Params, pd.DataFrame],
    compose_params: Callable[..., Params],
    model: str,
    task: str,
    tmp_path: Path,
) -> None:
    params, frame = validated
    model_params = compose_params(f"model={model}").model
    target = frame[params.data.target].astype(int)
    if task == "multiclass":  # three classes from a feature the labels then depend on
        target = target + (frame["support_calls"] > 2).astype(int)
    data = params.data.model_copy(update={"task": task})
    features = frame[list(data.feature_columns)]
    pipeline = build_pipeline(data, model_params, seed=0).fit(features, target)
    classes = pipeline.classes_.tolist()

    answers = score(pipeline, _records(frame, params), data, classes)

    assert [a.prediction for a in answers] == pipeline.predict(features).tolist()
    expected = pipeline.predict_proba(features)
    got = np.array([[a.probabilities[str(c)] for c in classes] for a in answers])  # type: ignore[index]
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


def test_the_batching_hold_is_capped_after_a_burst() -> None:
    from bentoml._internal.marshal.dispatcher import Optimizer

    from gitml.serving.runtime import bound_batching_wait

    def after_burst() -> float:
        optimizer = Optimizer(max_latency=10.0)
        for _ in range(60):  # a burst: every batch queued for 3 s behind busy ones
            optimizer.log_outbound(n=50, wait=3.0, duration=0.05)
        optimizer.trigger_refresh()  # type: ignore[no-untyped-call]  # BentoML's, untyped
        return float(optimizer.wait)

    original = Optimizer.trigger_refresh
    try:
        assert after_burst() == pytest.approx(3.0)  # BentoML's own: hold lone requests ~3 s
        bound_batching_wait(50)
        bound_batching_wait(5)  # a second call replaces the cap, not stacks a second wrapper
        assert Optimizer._gitml_learn is original  # type: ignore[attr-defined]
        assert after_burst() == pytest.approx(0.005)
    finally:
        Optimizer.trigger_refresh = original  # type: ignore[method-assign]


def test_a_shed_request_is_one_warning_line_not_a_traceback() -> None:
    import logging

    from bentoml.exceptions import ServiceUnavailable

    from gitml.serving.runtime import RejectionFilter

    try:
        raise ServiceUnavailable("process is overloaded")
    except ServiceUnavailable:
        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "bentoml",
        logging.ERROR,
        __file__,
        1,
        "Exception on %s [%s]",
        ("/predict", "POST"),
        exc_info,
    )
    assert RejectionFilter().filter(record)
    assert record.levelname == "WARNING"
    assert record.exc_info is None
    assert record.getMessage().startswith("Refused POST /predict: 503, shed:")


def test_serve_on_a_busy_port_says_so_in_one_line_and_exits_2(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        served = subprocess.run(
            [sys.executable, "-m", "gitml", "serve", "--port", str(port)],
            cwd=tmp_path,  # no params.yaml: the port is checked before anything is read
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert served.returncode == 2
    assert served.stderr.strip().splitlines() == [
        f"ERROR Port {port} on 127.0.0.1 is in use: stop what holds it, or serve on another port "
        f"(make serve PORT={port + 1}, or gitml serve --port {port + 1})."
    ]


# --- /metrics: paths the service does not serve share one series ------------------------------


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("/predict", "/predict"),
        ("/static_content/app.js", "/static_content/"),  # a prefix: one series for its files
        ("/wp-login.php", UNMATCHED),
        ("/predict/../etc/passwd", UNMATCHED),
        ("/predictx", UNMATCHED),
    ],
)
def test_the_metrics_label_is_the_served_path_its_prefix_or_unmatched(
    path: str, label: str
) -> None:
    assert metrics_label(path, {"/predict", "/metrics"}, ("/static_content/",)) == label


class _Counted:
    """Stands in for BentoML's metrics middleware: records the path it would label a series by."""

    labels: ClassVar[list[str]] = []

    def __init__(self, app: Any, **options: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.labels.append(scope["path"])
        await self.app(scope, receive, send)


def test_unknown_paths_are_counted_as_one_series_and_reach_the_app_as_sent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bentoml._internal.server.http import instruments

    monkeypatch.setattr(instruments, "RunnerTrafficMetricsMiddleware", _Counted)
    monkeypatch.setattr(_Counted, "labels", [])
    group_unknown_paths({"/predict"}, ("/static_content/",))
    group_unknown_paths({"/predict"}, ("/static_content/",))  # again: wraps the original once
    middleware = instruments.RunnerTrafficMetricsMiddleware
    assert middleware.__mro__[1] is _Counted
    seen: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope)

    counted: Any = middleware(app, namespace="t")
    for path in ("/predict", "/nope/1", "/nope/2", "/static_content/a.js"):
        asyncio.run(counted({"type": "http", "path": path}, None, None))

    assert _Counted.labels == ["/predict", UNMATCHED, UNMATCHED, "/static_content/"]
    assert seen == [
        {"type": "http", "path": path}
        for path in ("/predict", "/nope/1", "/nope/2", "/static_content/a.js")
    ]
