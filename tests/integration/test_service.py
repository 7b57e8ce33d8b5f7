"""The packaged Bento served on 127.0.0.1: same predictions as in-process, 4xx for bad input.

The server is the session's `served` fixture (tests/conftest.py, tests/support/served.py),
shared with test_monitor: these tests only send requests and read its log and metrics.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest

from tests.support.served import Served, records

pytestmark = pytest.mark.slow


def _predict(served: Served, body: Any) -> httpx.Response:
    content = body if isinstance(body, str | bytes) else json.dumps(body)
    headers = {"content-type": "application/json"}
    return httpx.post(f"{served.url}/predict", content=content, headers=headers, timeout=30)


def _good(served: Served, start: int, count: int) -> list[dict[str, Any]]:
    return records(served.test.iloc[start : start + count], served.params)


def test_predictions_equal_in_process_predictions(served: Served) -> None:
    response = _predict(served, {"records": _good(served, 0, 300)})
    assert response.status_code == 200, response.text
    answers = response.json()
    proba = np.array([[a["probabilities"]["0"], a["probabilities"]["1"]] for a in answers])
    np.testing.assert_allclose(proba, served.expected, rtol=0, atol=1e-12)
    assert [a["prediction"] for a in answers] == served.expected.argmax(axis=1).tolist()


def _bad_requests(served: Served) -> dict[str, tuple[Any, str]]:
    good = _good(served, 0, 1)[0]
    without = {k: v for k, v in good.items() if k != "monthly_charges"}
    return {
        "missing field": ({"records": [without]}, "monthly_charges"),
        "wrong type": ({"records": [good | {"tenure_months": "ten"}]}, "tenure_months"),
        "unknown category": ({"records": [good | {"contract": "lifetime"}]}, "contract"),
        "out of range": ({"records": [good | {"tenure_months": 999}]}, "tenure_months"),
        "NaN": (
            '{"records": [' + json.dumps(good | {"noise_normal": "X"}).replace('"X"', "NaN") + "]}",
            "finite",
        ),
        "empty list": ({"records": []}, "at least 1 item"),
        "too many records": (
            {"records": [good] * (served.params.serve.max_records + 1)},
            "at most",
        ),
        "extra field": ({"records": [good | {"colour": "red"}]}, "colour"),
        "invalid JSON": ('{"records": [', "Invalid JSON"),
        "no records key": ({"rows": [good]}, "records"),
        "body too large": (
            '{"records": [' + ",".join([json.dumps(good)] * 7000) + "]}",
            "serve.max_request_kb",
        ),
    }


@pytest.mark.parametrize(
    "kind",
    [
        "missing field",
        "wrong type",
        "unknown category",
        "out of range",
        "NaN",
        "empty list",
        "too many records",
        "extra field",
        "invalid JSON",
        "no records key",
        "body too large",
    ],
)
def test_bad_request_gets_a_4xx_naming_the_problem(served: Served, kind: str) -> None:
    body, named = _bad_requests(served)[kind]
    response = _predict(served, body)
    assert 400 <= response.status_code < 500, response.text
    assert named in response.text


def test_server_logs_one_line_per_rejection_not_a_traceback(served: Served) -> None:
    _predict(served, {"records": [_good(served, 0, 1)[0] | {"contract": "lifetime"}]})
    time.sleep(0.5)
    log = (served.root / "server.log").read_text()
    assert "Refused POST /predict: 1 problem(s): records.0.contract" in log
    assert "Traceback" not in log


def test_stalled_and_abandoned_bodies_are_refused_in_one_line_not_a_5xx(served: Served) -> None:
    port = int(served.url.rsplit(":", 1)[1])
    head = (
        b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 100\r\n\r\n{"
    )
    with socket.create_connection(("127.0.0.1", port)) as abandoned:
        abandoned.sendall(head)  # and hangs up
    with socket.create_connection(("127.0.0.1", port), timeout=30) as stalled:
        stalled.sendall(head)  # and waits past serve.read_timeout_s
        assert stalled.recv(1000).startswith(b"HTTP/1.1 408 ")
    time.sleep(0.5)
    log = (served.root / "server.log").read_text()
    assert "Client left POST /predict before sending its whole body" in log
    assert "Refused POST /predict: 408" in log
    assert "Traceback" not in log
    metrics = httpx.get(f"{served.url}/metrics", timeout=5).text.splitlines()
    counted = [line for line in metrics if line.startswith("bentoml_service_request_total")]
    assert any('http_response_code="408"' in line for line in counted)
    assert not [
        line for line in counted if 'http_response_code="5' in line and line.split()[-1] != "0.0"
    ]


def test_burst_of_good_and_bad_requests_answers_every_good_one(served: Served) -> None:
    bad = list(_bad_requests(served).values())

    def call(index: int) -> tuple[int, httpx.Response]:
        if index % 3 == 2:
            return index, _predict(served, bad[index % len(bad)][0])
        return index, _predict(served, {"records": _good(served, index, 1 + index % 5)})

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(call, range(90)))
    for index, response in results:
        if index % 3 == 2:
            assert 400 <= response.status_code < 500, response.text
            continue
        assert response.status_code == 200, response.text
        got = [a["probabilities"]["1"] for a in response.json()]
        np.testing.assert_allclose(
            got, served.expected[index : index + 1 + index % 5, 1], atol=1e-12
        )


def test_health_metrics_and_info(served: Served) -> None:
    assert httpx.get(f"{served.url}/readyz").status_code == 200
    assert httpx.get(f"{served.url}/livez").status_code == 200
    metrics = httpx.get(f"{served.url}/metrics")
    assert metrics.status_code == 200
    assert "bentoml_service_request" in metrics.text
    info = httpx.get(f"{served.url}/info").json()
    assert info["task"] == "binary"
    assert info["classes"] == [0, 1]
    assert len(info["model_sha256"]) == 64
    assert info["model_version"].startswith("dirty-")  # the temp dir is not a git work tree
    assert set(info["metrics"]) >= {"roc_auc", "accuracy"}


def test_batch_predict_equals_the_service(served: Served) -> None:
    source, output = served.root / "rows.csv", served.root / "scored.parquet"
    served.test.to_csv(source, index=False)
    command = [sys.executable, "-m", "gitml", "predict", "--input", str(source)]
    subprocess.run([*command, "--output", str(output)], cwd=served.root, env=served.env, check=True)
    scored = pd.read_parquet(output)
    answers = _predict(served, {"records": _good(served, 0, 300)}).json()
    np.testing.assert_allclose(
        scored["proba_1"], [a["probabilities"]["1"] for a in answers], rtol=0, atol=1e-12
    )
    assert scored["prediction"].tolist() == [a["prediction"] for a in answers]


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_openapi_fuzzing_serves_every_valid_body_and_refuses_every_invalid_one(
    served: Served, mode: str
) -> None:
    import schemathesis
    from hypothesis import HealthCheck, given, settings

    schema = schemathesis.openapi.from_url(f"{served.url}/docs.json").include(path="/predict")
    operation = schema["/predict"]["POST"]
    wrong: list[str] = []
    statuses: list[int] = []

    @given(case=operation.as_strategy(schemathesis.GenerationMode(mode)))
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    def fuzz(case: Any) -> None:
        response = case.call(base_url=served.url, timeout=30)
        statuses.append(response.status_code)
        status = response.status_code
        expected = status == 200 if mode == "positive" else 400 <= status < 500
        if not expected:
            wrong.append(f"{response.status_code} for {case.body!r}: {response.text[:300]}")

    fuzz()
    assert len(statuses) >= 20  # the fuzzer really ran
    assert not wrong, wrong[:3]


def test_every_operation_answers_as_its_openapi_document_says(served: Served) -> None:
    # every check schemathesis has, on every documented operation (/predict, /info, /card,
    # the probes, /metrics), a bounded number of cases
    report = served.root / "schemathesis"
    run = subprocess.run(
        [
            *(sys.executable, "-m", "schemathesis.cli", "run", f"{served.url}/docs.json"),
            *("--url", served.url, "--checks", "all", "--max-examples", "40"),
            *("--generation-deterministic", "--workers", "1", "--report", "junit"),
            *("--report-dir", str(report)),
        ],
        cwd=served.root,  # schemathesis keeps a cache where it runs
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:]
    generated = re.search(r"(\d+) generated, \1 passed", run.stdout)
    assert generated is not None, run.stdout[-1000:]
    assert int(generated.group(1)) >= 100, run.stdout[-1000:]


def _raw(served: Served, *parts: bytes, timeout: float = 10) -> bytes:
    """What the server answers to these bytes, sent part by part on one connection."""
    port = int(served.url.rsplit(":", 1)[1])
    answer = b""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        for part in parts:
            try:
                connection.sendall(part)
            except OSError:  # it answered and hung up before the rest
                break
            time.sleep(0.2)
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def test_junk_paths_make_no_metrics_series(served: Served) -> None:
    with httpx.Client(base_url=served.url, timeout=10) as client:
        before = len(client.get("/metrics").text)
        statuses = {client.get(f"/junk-{index}/x").status_code for index in range(300)}
        metrics = client.get("/metrics").text
    assert statuses == {404}
    assert "junk-" not in metrics
    assert 'endpoint="(unmatched)"' in metrics
    assert len(metrics) < before + 20_000  # one (unmatched) series, not 300


def test_a_malformed_multipart_body_gets_a_415_and_no_traceback(served: Served) -> None:
    kinds = {
        "no boundary": "multipart/form-data",
        "broken parts": "multipart/form-data; boundary=xyz",
    }
    for content_type in kinds.values():
        response = httpx.post(
            f"{served.url}/predict",
            content=b"--xyz\r\nContent-Disposition: form-data\r\n\r\n{garbage",
            headers={"content-type": content_type},
            timeout=10,
        )
        assert response.status_code == 415, response.text
        assert "Content-Type: application/json" in response.json()["error"]
    time.sleep(0.5)
    assert "Traceback" not in (served.root / "server.log").read_text()


@pytest.mark.parametrize(
    ("kind", "headers"),
    [
        ("text/plain", [("content-type", "text/plain")]),
        ("none", []),
        ("multipart/mixed", [("content-type", "multipart/mixed; boundary=x")]),
        (
            "two Content-Encodings",
            [
                ("content-type", "application/json"),
                ("content-encoding", "identity"),
                ("content-encoding", "gzip"),
            ],
        ),
        ("two Content-Types", [("content-type", "application/json")] * 2),
        ("gzip", [("content-type", "application/json"), ("content-encoding", "gzip")]),
    ],
)
def test_a_body_not_plain_json_gets_a_415_naming_the_header(
    served: Served, kind: str, headers: list[tuple[str, str]]
) -> None:
    body = json.dumps({"records": _good(served, 0, 1)})
    response = httpx.post(f"{served.url}/predict", content=body, headers=headers, timeout=10)
    assert response.status_code == 415, response.text
    assert "Content-Type: application/json" in response.json()["error"], kind


def test_a_record_of_150000_unknown_keys_is_refused_before_validation(served: Served) -> None:
    wide = _good(served, 0, 1)[0] | {f"{index:x}": 0 for index in range(150_000)}  # 1.5 MB
    started = time.monotonic()
    response = _predict(served, {"records": [wide]})
    took = time.monotonic() - started
    assert response.status_code == 400, response.text[:300]
    assert response.json()["detail"][0]["type"] == "too_many_keys"
    assert f"record 0 has {len(wide)} keys" in response.json()["error"]
    assert took < 5, took  # a bound on the test, not a benchmark: it took 2 s a worker before


@pytest.mark.parametrize("reads", ["head, then its end", "head and end in one send"])
def test_an_oversized_request_head_gets_a_431(served: Served, reads: str) -> None:
    head = b"GET /info HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 64 * 1024
    parts = (head, b"\r\n\r\n") if reads == "head, then its end" else (head + b"\r\n\r\n",)
    answer = _raw(served, *parts)
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
    assert b"serve.max_header_kb" in answer


def test_a_slow_request_head_gets_a_408(served: Served) -> None:
    started = time.monotonic()
    answer = _raw(served, b"GET /info HTTP/1.1\r\nHost: x\r\n", timeout=15)
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
    assert b"serve.header_timeout_s" in answer
    assert time.monotonic() - started < 10  # serve.header_timeout_s=2 in this fixture
    assert httpx.get(f"{served.url}/info", timeout=5).status_code == 200
