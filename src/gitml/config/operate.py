"""Params of the trained model's life: the service and its traffic log, the monitor, the card."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from gitml.config.base import Strict
from gitml.config.evaluation import DriftThresholds

REQUEST_TIMEOUT_S = 30  # the service's whole-request timeout (BentoML's traffic timeout)


class TrafficLogParams(Strict):
    """What the service records of each request it answers (see traffic_log.py).

    Records are queued in memory and written by a background thread, so a slow or failing
    sink never delays a request: past `queue_kb` of waiting request bodies, records are
    dropped and counted (`gitml_traffic_log_dropped_total` in /metrics).
    """

    enabled: bool = True
    sample_rate: float = Field(default=1.0, ge=0, le=1)  # share of requests recorded
    exclude: list[str] = []  # contract columns never written (personal data)
    sink: Literal["file", "stdout"] = "file"  # stdout: one JSON line each, for a log collector
    folder: str = "logs/traffic"  # file sink; relative: to where `gitml serve` started
    rotate_mb: float = Field(default=64, gt=0)  # a file is closed past this size
    keep_files: int = Field(default=50, ge=1)  # per worker; older files are deleted
    queue_kb: int = Field(default=65_536, ge=1)


class ServeParams(Strict):
    """The prediction service: request size and adaptive batching (rows per model call)."""

    max_records: int = Field(default=1000, ge=1, le=100_000)
    max_batch_size: int = Field(default=2000, ge=1)
    max_latency_ms: int = Field(default=10_000, ge=1)
    # the longest a request is held back for others to join its batch (see serving.py)
    batch_wait_ms: float = Field(default=5, ge=0)
    # request bodies: bigger ones get a 413 unparsed; slower ones a 408 (BentoML answers a
    # request still running after REQUEST_TIMEOUT_S with a 504, so the 408 must come first)
    max_request_kb: int = Field(default=2048, ge=1)
    read_timeout_s: float = Field(default=10, gt=0, lt=REQUEST_TIMEOUT_S)
    # request heads (request line + headers): bigger ones get a 431, slower ones a 408
    max_header_kb: int = Field(default=16, ge=1, le=1024)
    header_timeout_s: float = Field(default=10, gt=0, lt=REQUEST_TIMEOUT_S)
    # on SIGTERM or Ctrl-C: how long requests in flight may still take before the service
    # stops anyway (whole seconds, as uvicorn's); idle connections are closed at once
    drain_timeout_s: int = Field(default=10, ge=1, le=REQUEST_TIMEOUT_S)
    # worker processes, each with its own model copy and batching queue
    workers: int | str = "cpu_count"
    traffic_log: TrafficLogParams = TrafficLogParams()

    @field_validator("workers")
    @classmethod
    def _workers(cls, value: int | str) -> int | str:
        if value != "cpu_count" and (isinstance(value, str) or value < 1):
            raise ValueError("must be a whole number ≥ 1 or 'cpu_count'")
        return value

    @model_validator(mode="after")
    def _batch_holds_a_request(self) -> ServeParams:
        if self.max_batch_size < self.max_records:
            raise ValueError(
                f"max_batch_size ({self.max_batch_size}) is smaller than max_records "
                f"({self.max_records}): one full request would not fit in a batch"
            )
        return self


class MonitorParams(Strict):
    """`gitml monitor`: a window of the traffic log against the training reference."""

    logs: str = "logs/traffic"  # a folder of traffic-*.jsonl files (serve.traffic_log.folder)
    window_hours: float = Field(default=168, gt=0)  # without --since: this long up to --until
    min_records: int = Field(default=500, ge=1)  # fewer scored records: too few to judge
    drift: DriftThresholds = DriftThresholds()  # the same statistics and limits as the report
    max_drifted_columns: int = Field(default=0, ge=0)  # action when more feature columns drift
    prediction_drift: bool = True  # action when the predictions drift
    max_refused_share: float = Field(default=0.05, ge=0, le=1)  # of requests, by the contract
    labels: str | None = None  # CSV/Parquet of <id_column>, <target> for logged records
    min_labelled: int = Field(default=200, ge=10)  # fewer joined labels: no live metrics
    max_metric_drop: float = Field(default=0.02, ge=0)  # primary metric, worse with confidence
    resamples: int = Field(default=1000, ge=100, le=100_000)
    confidence: float = Field(default=0.95, gt=0.5, lt=1)


class CardParams(Strict):
    """What the model card says that no pipeline output can: who owns the model, what for."""

    owner: str = "(set card.owner in conf/card/default.yaml)"
    intended_use: str = "(set card.intended_use in conf/card/default.yaml)"
    out_of_scope: str = ""
    min_test_rows: int = Field(default=1000, ge=1)  # fewer: the card warns of wide intervals
    rare_class_share: float = Field(default=0.05, gt=0, lt=1)  # classes rarer in the test set
