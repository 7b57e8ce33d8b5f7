"""What the service needs besides BentoML: model scoring, quiet rejections, `gitml serve`."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitml.config.params import DataParams
from gitml.contract.records import Prediction, predictions, records_frame
from gitml.ml import scoring
from gitml.serving.spec import SPEC_ENV, SPEC_FILE

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence

    from pydantic import BaseModel
    from sklearn.pipeline import Pipeline

WORKDIR_ENV = "GITML_WORKDIR"  # relative paths in serve params are from here (default: cwd)
MODEL_FILE = "model.skops"
# BentoML logs every failed request with a traceback on this logger
BENTOML_HTTP_LOGGER = "bentoml._internal.server.http_app"
UNMATCHED = "(unmatched)"  # the metrics' endpoint label of every path the service does not serve
REAL_PATH = "gitml.real_path"  # scope key: the path under a metrics label


def score(
    pipeline: Pipeline, records: Sequence[BaseModel], data: DataParams, classes: list[Any]
) -> list[Prediction]:
    """Predictions (and class probabilities) for validated records, in request order."""
    labels, proba = scoring.score(pipeline, records_frame(records, data), data.task)
    return predictions(labels, proba, classes)


class RejectionFilter(logging.Filter):
    """Turn BentoML's traceback for a refused request into one line saying why.

    A request that fails validation never reached the model, and one shed under overload
    (503) is the server's choice, not a fault: a traceback would only bury the one fact an
    operator needs.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        from bentoml.exceptions import ServiceUnavailable
        from pydantic import ValidationError

        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, ValidationError):
            reason = rejection(error)
        elif isinstance(error, ServiceUnavailable):
            reason = (
                "503, shed: the batch queue would not be served within serve.max_latency_ms; "
                "the service needs more replicas or workers"
            )
        else:
            return True
        path, method = record.args if isinstance(record.args, tuple) else ("?", "?")
        record.msg, record.args = "Refused %s %s: %s", (method, path, reason)
        record.exc_info, record.exc_text = None, None
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def rejection(error: Any) -> str:
    """A validation error as one line: `records.0.contract: Input should be ...; ...`."""
    problems = [
        f"{'.'.join(str(part) for part in item['loc']) or '(body)'}: {item['msg']}"
        for item in error.errors(include_input=False)
    ]
    shown = "; ".join(problems[:5])
    more = f" (+{len(problems) - 5} more)" if len(problems) > 5 else ""
    return f"{error.error_count()} problem(s): {shown}{more}"


def bound_batching_wait(limit_ms: float) -> None:
    """Cap how long BentoML's batcher holds a lone request back for others to join it.

    BentoML 1.4 learns that hold from the mean queue wait of its last 50 batches, and waits
    close to it. A burst makes that mean seconds long (requests queue behind busy batches);
    each later batch then waits ~95% of it, so the mean shrinks by ~5% per 50 requests and a
    single request takes seconds for minutes after the burst ended. Under load, batches form
    anyway while the previous one runs, so a cap of a few milliseconds costs no throughput.
    """
    from bentoml._internal.marshal import dispatcher

    optimizer = dispatcher.Optimizer
    learn = getattr(optimizer, "_gitml_learn", optimizer.trigger_refresh)
    limit = limit_ms / 1000

    def trigger_refresh(self: Any) -> None:
        learn(self)
        self.wait = min(self.wait, limit)

    optimizer._gitml_learn = learn  # type: ignore[attr-defined]  # idempotent re-patching
    optimizer.trigger_refresh = trigger_refresh  # type: ignore[method-assign]


def metrics_label(path: str, paths: Collection[str], prefixes: Collection[str]) -> str:
    """The `endpoint` label of a request: its path if served, else its prefix or UNMATCHED."""
    if path in paths:
        return path
    return next((prefix for prefix in prefixes if path.startswith(prefix)), UNMATCHED)


def group_unknown_paths(paths: Collection[str], prefixes: Collection[str]) -> None:
    """Label BentoML's request metrics by path only for the paths the service serves.

    BentoML 1.4's metrics middleware, outside every middleware a service may add, labels
    its series with the raw path, so each junk path made new series kept until restart
    (3,000 404s: /metrics 87 KB → 12 MB, +140 MB). Here it sees `metrics_label`'s path and
    passes the real one on; its factory looks the class up when it builds the app.
    """
    from bentoml._internal.server.http import instruments

    counted = instruments.RunnerTrafficMetricsMiddleware
    counted = getattr(counted, "_gitml_original", counted)  # idempotent re-patching

    class GroupedPathMetrics(counted):  # type: ignore[misc, valid-type]  # untyped base
        _gitml_original = counted

        def __init__(self, app: Any, **options: Any) -> None:
            super().__init__(_with_real_path(app), **options)

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            path = scope.get("path")
            if path is not None and (label := metrics_label(path, paths, prefixes)) != path:
                scope = {**scope, "path": label, REAL_PATH: path}
            await super().__call__(scope, receive, send)

    instruments.RunnerTrafficMetricsMiddleware = GroupedPathMetrics  # type: ignore[misc, assignment]


def _with_real_path(app: Any) -> Any:
    async def real_path(scope: Any, receive: Any, send: Any) -> None:
        if REAL_PATH in scope:
            real = {key: value for key, value in scope.items() if key != REAL_PATH}
            scope = real | {"path": scope[REAL_PATH]}
        await app(scope, receive, send)

    return real_path


def install_rejection_filter() -> None:
    """Idempotently add RejectionFilter to BentoML's request-error logger."""
    logger = logging.getLogger(BENTOML_HTTP_LOGGER)
    if not any(isinstance(existing, RejectionFilter) for existing in logger.filters):
        logger.addFilter(RejectionFilter())


def check_port_free(host: str, port: int) -> None:
    """Raise ConfigError, naming the port and a free choice, if `host:port` cannot be served.

    BentoML would find out after packaging and answer with a 55-line traceback. The probe
    binds as uvicorn does (SO_REUSEADDR), so a port only in TIME_WAIT still counts as free.
    """
    import errno
    import socket

    from gitml.errors import ConfigError

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            busy = "is in use" if error.errno == errno.EADDRINUSE else f"cannot be bound ({error})"
            raise ConfigError(
                f"Port {port} on {host} {busy}: stop what holds it, or serve on another port "
                f"(make serve PORT={port + 1}, or gitml serve --port {port + 1})."
            ) from None


def serve_bento(bento_tag: str, host: str, port: int) -> None:
    """Replace this process with `bentoml serve` on the Bento, so signals reach the server."""
    import sys

    import bentoml

    command = [sys.executable, "-m", "bentoml", "serve", bento_tag, "--host", host]
    command += ["--port", str(port)]
    # an installed gitml (e.g. editable, in development) shadows the Bento's copy on import,
    # so point the service at the Bento's own spec explicitly
    spec = Path(bentoml.get(bento_tag).path) / "src" / "gitml" / SPEC_FILE
    env = os.environ | {"BENTOML_DO_NOT_TRACK": "True", SPEC_ENV: str(spec)}
    # BentoML runs the service from inside the Bento: relative paths (the traffic log's
    # folder) are meant from where `gitml serve` was started
    env.setdefault(WORKDIR_ENV, os.getcwd())
    logging.getLogger(__name__).info("serve: %s on http://%s:%d", bento_tag, host, port)
    logging.shutdown()
    os.execve(sys.executable, command, env)
