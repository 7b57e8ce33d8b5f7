"""The BentoML service: POST /predict, GET /info, GET /card (the model card); BentoML adds
/livez, /readyz, /metrics. The OpenAPI document at /docs.json is BentoML's, made true
(`openapi.api_document`).

This module is the Bento's entry point (`gitml.serving.service:Gitml`) and nothing else imports it.
BentoML needs the request type when the class is defined, so, unlike the rest of gitml, it
reads the serving spec written by `gitml package` at import.
"""

import functools
import gc
import os
from pathlib import Path
from typing import Annotated, Any

import bentoml
from pydantic import Field
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from gitml.config.params import REQUEST_TIMEOUT_S
from gitml.contract.records import Prediction, left_out_columns, record_model
from gitml.ml.model import load_model
from gitml.serving.card import CARD_FILE
from gitml.serving.connection import bound_drain, bound_request_heads
from gitml.serving.guard import RequestGuard
from gitml.serving.openapi import api_document
from gitml.serving.runtime import (
    MODEL_FILE,
    bound_batching_wait,
    group_unknown_paths,
    install_rejection_filter,
    score,
)
from gitml.serving.spec import read_spec, spec_path
from gitml.serving.traffic_log import TrafficLog, close_traffic_logs

SPEC = read_spec(spec_path())
DATA, SERVE = SPEC.data, SPEC.serve
Record = record_model(DATA)
Records = Annotated[list[Record], Field(min_length=1, max_length=SERVE.max_records)]  # type: ignore[valid-type]
# BentoML's routes and its static files, served and so counted in /metrics by their path
SERVED = ("/", "/info", "/card", "/docs.json", "/schema.json", "/livez", "/healthz", "/readyz")
STATIC = ("/static_content/",)
# before BentoML builds its batcher, app and uvicorn config, which happens after this import
bound_batching_wait(SERVE.batch_wait_ms)
bound_request_heads(SERVE.max_header_kb * 1024, SERVE.header_timeout_s)
bound_drain(SERVE.drain_timeout_s)


async def _info(_: Request) -> JSONResponse:
    return JSONResponse(SPEC.info.model_dump(mode="json"))


async def _card(_: Request) -> Response:
    """The model card `gitml package` wrote beside the spec (Markdown)."""
    card = spec_path().with_name(CARD_FILE)
    if not card.is_file():
        return PlainTextResponse("This Bento has no model card: package it again.", 404)
    return PlainTextResponse(card.read_text(encoding="utf-8"), media_type="text/markdown")


@functools.cache
def _document() -> dict[str, Any]:
    return api_document(Gitml.openapi_spec.asdict())  # type: ignore[attr-defined]


async def _docs(_: Request) -> JSONResponse:
    return JSONResponse(_document())


# mounted at /, it comes before BentoML's own /docs.json
info_app = Starlette(
    routes=[
        Route("/info", _info, methods=["GET"]),
        Route("/card", _card, methods=["GET"]),
        Route("/docs.json", _docs, methods=["GET"]),
    ]
)


@bentoml.asgi_app(info_app, path="/")
@bentoml.service(name="gitml", workers=SERVE.workers, traffic={"timeout": REQUEST_TIMEOUT_S})
class Gitml:
    """Predicts with the model that `train` produced, validating requests by the contract."""

    model_ref = bentoml.models.BentoModel(SPEC.model_tag)

    def __init__(self) -> None:
        # Batches are small: one OpenMP thread per model call beats a team of threads spinning
        # against each other (and against neighbours) on a small box; sklearn reads this when
        # it loads its OpenMP runtime, which happens in load_model below.
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        install_rejection_filter()
        self.pipeline = load_model(Path(self.model_ref.path) / MODEL_FILE)
        self.classes: list[Any] = SPEC.info.classes
        # Everything loaded so far lives as long as the worker. Out of the collector's sight,
        # it no longer makes each full collection a pause of tens of milliseconds (p99 at
        # concurrency 1 went from ~80 ms to ~12 ms).
        gc.collect()
        gc.freeze()

    @bentoml.api(  # type: ignore[untyped-decorator]  # BentoML's decorator is untyped
        batchable=True,
        max_batch_size=SERVE.max_batch_size,
        max_latency_ms=SERVE.max_latency_ms,
    )
    def predict(self, records: Records) -> list[Prediction]:  # problems.BODY_KEY
        """Per record: the prediction and, for classification, class probabilities."""
        return score(self.pipeline, records, DATA, self.classes)

    @bentoml.on_shutdown  # type: ignore[untyped-decorator]  # BentoML's decorator is untyped
    def write_traffic_log(self) -> None:
        """On a stop, after the last answer: the worker is killed, without atexit, after it."""
        close_traffic_logs()

    # Without a declared media type, BentoML rebuilds the output's JSON schema on every
    # response just to find it is JSON: a fifth of a worker's time under load.
    predict.output_spec.media_type = "application/json"


# the class decorator made Gitml a bentoml Service; its stubs still call it the class
API_PATHS = tuple(api.route for api in Gitml.apis.values())  # type: ignore[attr-defined]
group_unknown_paths((*SERVED, *API_PATHS), STATIC)
Gitml.add_asgi_middleware(  # type: ignore[attr-defined]
    RequestGuard,
    max_bytes=SERVE.max_request_kb * 1024,
    timeout_s=SERVE.read_timeout_s,
    paths=API_PATHS,
    max_records=SERVE.max_records,
    max_record_keys=len(Record.model_fields),  # the contract's feature columns and id
    record_keys=[field.alias or name for name, field in Record.model_fields.items()],
    left_out=left_out_columns(DATA),
)
# inside the guard: it sees only bodies the guard let through, and records each answer
Gitml.add_asgi_middleware(  # type: ignore[attr-defined]
    TrafficLog, settings=SERVE.traffic_log, model=str(SPEC.info.model_version)
)
