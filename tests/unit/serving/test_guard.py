"""The request guard: bodies read whole, in bounded size and time, before the app sees them."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import MutableMapping
from typing import Any

import pytest

from gitml.serving.guard import CLIENT_LEFT, DRAIN_BYTES, RequestGuard
from gitml.serving.problems import MAX_ERRORS

JSON = [(b"content-type", b"application/json")]


def _guard(
    app: Any, max_bytes: int = 1000, timeout_s: float = 5, max_record_keys: int = 2, **contract: Any
) -> RequestGuard:
    """The guard on /predict, at most 3 records; `contract`: record_keys and left_out."""
    return RequestGuard(
        app,
        max_bytes=max_bytes,
        timeout_s=timeout_s,
        paths=("/predict",),
        max_records=3,
        max_record_keys=max_record_keys,
        **contract,
    )


class Recorder:
    """An ASGI app that records the body it was given and answers 200."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.bodies.append((await receive())["body"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def _exchange(
    guard: RequestGuard,
    messages: list[dict[str, Any]],
    method: str = "POST",
    stall: bool = False,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> list[dict[str, Any]]:
    """What the guard sends back for a request whose body arrives as `messages`."""
    sent: list[dict[str, Any]] = []
    queue = messages  # consumed in place: the caller sees what was left unread

    async def receive() -> dict[str, Any]:
        if queue:
            return queue.pop(0)
        if stall:
            await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))

    scope = {
        "type": "http",
        "method": method,
        "path": "/predict",
        "headers": JSON if headers is None else headers,
    }
    asyncio.run(guard(scope, receive, send))
    return sent


def _chunks(*parts: bytes) -> list[dict[str, Any]]:
    last = len(parts) - 1
    return [
        {"type": "http.request", "body": part, "more_body": index < last}
        for index, part in enumerate(parts)
    ]


def test_a_body_in_chunks_reaches_the_app_whole() -> None:
    app = Recorder()
    sent = _exchange(_guard(app, max_bytes=100, timeout_s=5), _chunks(b'{"rec', b'ords": []}'))
    assert app.bodies == [b'{"records": []}']
    assert sent[0]["status"] == 200


def test_an_oversized_body_is_drained_and_refused_with_413(caplog: Any) -> None:
    app = Recorder()
    body = _chunks(*[b"x" * 60] * 5)  # 300 bytes against a limit of 100
    with caplog.at_level(logging.WARNING):
        sent = _exchange(_guard(app, max_bytes=100, timeout_s=5), body)
    assert app.bodies == []
    assert sent[0]["status"] == 413
    assert "serve.max_request_kb" in json.loads(sent[1]["body"])["error"]
    assert "Refused POST /predict: 413" in caplog.text


def test_draining_stops_far_past_the_limit() -> None:
    huge = _chunks(*[b"x" * (1 << 20)] * (DRAIN_BYTES // (1 << 20) + 8))
    sent = _exchange(_guard(Recorder(), max_bytes=10, timeout_s=5), huge)
    assert sent[0]["status"] == 413
    assert len(huge) >= 6  # the rest was never read


def test_a_stalled_body_gets_408() -> None:
    app = Recorder()
    sent = _exchange(_guard(app, max_bytes=100, timeout_s=0.2), _chunks(b"{", b"")[:1], stall=True)
    assert app.bodies == []
    assert sent[0]["status"] == 408


def test_a_client_that_leaves_mid_body_ends_the_request_with_a_499_and_one_line(
    caplog: Any,
) -> None:
    app = Recorder()
    with caplog.at_level(logging.WARNING):
        sent = _exchange(_guard(app, max_bytes=100, timeout_s=5), _chunks(b"{", b"")[:1])
    assert app.bodies == []
    assert [message.get("status") for message in sent] == [CLIENT_LEFT, None]
    assert sent[-1] == {"type": "http.response.body", "body": b""}
    assert "Client left POST /predict" in caplog.text


def test_a_client_that_leaves_mid_body_does_not_hold_bentomls_request_timeout() -> None:
    # given the guard inside BentoML's request timeout (30 s), as the service runs it
    from bentoml._internal.server.http.traffic import TimeoutMiddleware

    timed = TimeoutMiddleware(_guard(Recorder(), max_bytes=100, timeout_s=5), timeout=30)
    messages = [{"type": "http.request", "body": b"{", "more_body": True}]

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        pass

    scope = {"type": "http", "method": "POST", "path": "/predict", "headers": JSON}
    # when the client leaves mid-body, then the request ends at once, not after 30 s
    asyncio.run(asyncio.wait_for(timed(scope, receive, send), timeout=5))


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_requests_without_a_body_pass_straight_through(method: str) -> None:
    app = Recorder()
    sent = _exchange(_guard(app, max_bytes=1, timeout_s=5), _chunks(b"ignored"), method)
    assert app.bodies == [b"ignored"]  # the app read the original receive
    assert sent[0]["status"] == 200


def test_a_compressed_body_is_refused_with_415_not_invalid_json() -> None:
    app = Recorder()
    gzip = [*JSON, (b"content-encoding", b"gzip")]
    sent = _exchange(_guard(app, max_bytes=100, timeout_s=5), _chunks(b"\x1f\x8b"), headers=gzip)
    assert app.bodies == []
    assert sent[0]["status"] == 415
    assert "gzip-encoded" in json.loads(sent[1]["body"])["error"]


def test_a_400_lists_at_most_max_errors_problems_and_says_how_many() -> None:
    problems = [{"loc": ["records", i], "msg": "Field required"} for i in range(1000)]
    answer = json.dumps({"error": "1000 validation errors", "detail": problems}).encode()

    async def refuses(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        headers = [(b"content-type", b"application/json"), (b"content-length", b"1")]
        await send({"type": "http.response.start", "status": 400, "headers": headers})
        await send({"type": "http.response.body", "body": answer[:100], "more_body": True})
        await send({"type": "http.response.body", "body": answer[100:]})

    sent = _exchange(_guard(refuses, max_bytes=100, timeout_s=5), _chunks(b"{}"))
    body = sent[1]["body"]
    payload = json.loads(body)
    assert len(payload["detail"]) == MAX_ERRORS
    assert payload["error"] == (
        "1000 validation errors: records.0: Field required; records.1: Field required; "
        f"records.2: Field required; +997 more (the first {MAX_ERRORS} of 1000 shown in detail)"
    )
    assert (b"content-length", str(len(body)).encode()) in sent[0]["headers"]
    assert len(sent) == 2


@pytest.mark.parametrize(
    ("headers", "named"),
    [
        ([(b"content-type", b"text/plain")], "Content-Type is text/plain"),
        ([], "no Content-Type"),
        ([(b"content-type", b"multipart/mixed; boundary=x")], "multipart/mixed"),
        (
            [*JSON, (b"content-encoding", b"identity"), (b"content-encoding", b"gzip")],
            "2 Content-Encoding",
        ),
    ],
)
def test_anything_but_plain_json_is_refused_with_415(
    headers: list[tuple[bytes, bytes]], named: str
) -> None:
    app = Recorder()
    sent = _exchange(_guard(app, 100, 5), _chunks(b'{"records": []}'), headers=headers)
    assert app.bodies == []
    assert sent[0]["status"] == 415
    assert named in json.loads(sent[1]["body"])["error"]


@pytest.mark.parametrize(
    ("body", "kind", "loc"),
    [
        (b'{"records": [], "x": 1}', "extra_forbidden", ["x"]),
        (b'{"records": [{}, {}, {}, {}]}', "too_long", ["records"]),
        (b'{"records": [{"a": 1, "b": 2, "c": 3}]}', "too_many_keys", ["records", 0]),
    ],
)
def test_a_body_of_the_wrong_shape_is_refused_before_validation(
    body: bytes, kind: str, loc: list[Any]
) -> None:
    app = Recorder()
    sent = _exchange(_guard(app, 1000, 5), _chunks(body))
    assert app.bodies == []  # the contract's validation never ran
    assert sent[0]["status"] == 400
    detail = json.loads(sent[1]["body"])["detail"]
    assert [(problem["type"], problem["loc"]) for problem in detail] == [(kind, loc)]


def _refused_by_the_contract(problems: list[dict[str, Any]]) -> Any:
    """An app that answers 400 as BentoML does for a pydantic ValidationError."""
    answer = json.dumps(
        {"error": f"{len(problems)} validation error for Input", "detail": problems}
    )

    async def refuses(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "http.response.start", "status": 400, "headers": JSON})
        await send({"type": "http.response.body", "body": answer.encode()})

    return refuses


def test_a_400_for_an_unknown_key_names_it_and_the_keys_a_record_may_have() -> None:
    extra = {"type": "extra_forbidden", "loc": ["records", 0, "colour"], "msg": "Extra inputs"}
    guard = _guard(
        _refused_by_the_contract([extra]),
        record_keys=("age", "plan"),
    )

    sent = _exchange(guard, _chunks(b'{"records": [{"age": 1, "colour": "red"}]}'))

    assert json.loads(sent[1]["body"])["error"] == (
        "1 validation error for Input: records.0.colour: unknown key 'colour', not a contract "
        "column (a record's keys are: age, plan)"
    )


def test_a_record_with_too_many_keys_names_the_unknown_ones() -> None:
    app = Recorder()
    guard = _guard(
        app,
        record_keys=("age", "plan"),
    )
    body = b'{"records": [{"age": 1, "plan": "a", "colour": "red", "size": 2}]}'

    sent = _exchange(guard, _chunks(body))

    assert app.bodies == []
    assert json.loads(sent[1]["body"])["error"] == (
        "1 problem(s) in the body's shape, refused unvalidated: record 0 has 4 keys, at most 2 "
        "(one per feature, and the id); not contract columns: 'colour', 'size' (a record's keys "
        "are: age, plan)"
    )


def test_a_400_for_a_contract_column_a_record_leaves_out_says_what_it_is() -> None:
    # given the target and a feature: false column, sent as rows of the training table go
    extra = [
        {"type": "extra_forbidden", "loc": ["records", 0, key], "msg": "Extra inputs"}
        for key in ("visit_date", "churned")
    ]
    guard = _guard(
        _refused_by_the_contract(extra),
        max_record_keys=3,
        record_keys=("age", "plan"),
        left_out={"visit_date": "feature: false", "churned": "the target"},
    )

    # when
    sent = _exchange(guard, _chunks(b'{"records": [{"age": 1, "visit_date": "2024-01-01"}]}'))

    # then neither is called "not a contract column": each is named with why it is refused
    assert json.loads(sent[1]["body"])["error"] == (
        "2 validation error for Input: records.0.visit_date: 'visit_date' is a contract column "
        "that a record leaves out (feature: false); records.0.churned: 'churned' is a contract "
        "column that a record leaves out (the target) (a record's keys are: age, plan)"
    )


def test_a_record_with_too_many_keys_tells_left_out_columns_from_unknown_ones() -> None:
    guard = _guard(
        Recorder(),
        record_keys=("age", "plan"),
        left_out={"visit_date": "feature: false"},
    )
    body = b'{"records": [{"age": 1, "plan": "a", "visit_date": "2024-01-01", "colour": 2}]}'

    sent = _exchange(guard, _chunks(body))

    assert json.loads(sent[1]["body"])["error"] == (
        "1 problem(s) in the body's shape, refused unvalidated: record 0 has 4 keys, at most 2 "
        "(one per feature, and the id); not contract columns: 'colour'; contract columns "
        "that a record leaves out: 'visit_date' (feature: false) (a record's keys are: age, plan)"
    )
