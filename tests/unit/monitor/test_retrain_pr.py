"""`gitml retrain-pr` against a stand-in GitHub API on 127.0.0.1: one open PR, never two."""

from __future__ import annotations

import json
import logging
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from gitml import cli

TOKEN = "test-token"


class StandIn(ThreadingHTTPServer):
    """The few endpoints the module calls, with GitHub's shapes, holding PRs in memory."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.pulls: list[dict[str, Any]] = []
        self.labels: dict[int, list[str]] = {}
        self.calls: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: StandIn

    def log_message(self, *_: Any) -> None:  # quiet
        pass

    def _answer(self, status: int, payload: Any) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _route(self, method: str) -> None:
        self.server.calls.append(f"{method} {self.path.split('?')[0]}")
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._answer(401, {"message": "Bad credentials"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        payload: dict[str, Any] = json.loads(self.rfile.read(length)) if length else {}
        path, _, query = self.path.partition("?")
        prefix = "/repos/acme/churn"
        pulls = self.server.pulls
        if method == "GET" and path == f"{prefix}/pulls":
            wanted = urllib.parse.parse_qs(query)
            head = wanted["head"][0].split(":", 1)[1]
            found = [p for p in pulls if p["state"] == "open" and p["head"] == head]
            self._answer(200, found)
        elif method == "POST" and path == f"{prefix}/pulls":
            if any(p["state"] == "open" and p["head"] == payload["head"] for p in pulls):
                self._answer(422, {"message": "A pull request already exists"})
                return
            number = len(pulls) + 1
            pull = {"number": number, "state": "open", "html_url": f"https://x/pull/{number}"}
            pulls.append(pull | payload)
            self._answer(201, pulls[-1])
        elif method == "PATCH" and path.startswith(f"{prefix}/pulls/"):
            pull = pulls[int(path.rsplit("/", 1)[1]) - 1]
            pull.update(payload)
            self._answer(200, pull)
        elif method == "POST" and path.endswith("/labels"):
            number = int(path.split("/")[-2])
            self.server.labels.setdefault(number, []).extend(payload["labels"])
            self._answer(200, [])
        else:
            self._answer(404, {"message": "Not Found"})

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_PATCH(self) -> None:
        self._route("PATCH")


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[StandIn]:
    server = StandIn()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("GITHUB_API_URL", server.url)
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/churn")
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.chdir(tmp_path)
    Path("reports").mkdir()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _report(text: str) -> None:
    Path("reports/monitor.md").write_text(text)


def test_the_first_run_opens_a_labelled_pr_with_the_report_as_body(github: StandIn) -> None:
    _report("## 🔴 gitml monitor: ACTION DUE\n")

    assert cli.main(["retrain-pr"]) == 0

    (pull,) = github.pulls
    assert (pull["head"], pull["base"], pull["state"]) == ("retrain/monitor", "main", "open")
    assert pull["body"] == "## 🔴 gitml monitor: ACTION DUE\n"
    assert github.labels == {1: ["retrain"]}


def test_a_later_run_updates_the_open_pr_and_never_opens_a_second(github: StandIn) -> None:
    _report("first\n")
    cli.main(["retrain-pr"])
    _report("second\n")

    assert cli.main(["retrain-pr"]) == 0

    assert len(github.pulls) == 1
    assert github.pulls[0]["body"] == "second\n"
    assert github.calls[-1] == "PATCH /repos/acme/churn/pulls/1"


def test_once_the_pr_is_closed_the_next_run_opens_a_new_one(github: StandIn) -> None:
    _report("first\n")
    cli.main(["retrain-pr"])
    github.pulls[0]["state"] = "closed"

    assert cli.main(["retrain-pr"]) == 0

    assert [p["state"] for p in github.pulls] == ["closed", "open"]


def test_a_refusal_says_what_github_answered(
    github: StandIn, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "wrong")
    _report("x\n")

    assert cli.main(["retrain-pr"]) == 1
    assert "GitHub refused GET /pulls?" in caplog.text
    assert "HTTP 401" in caplog.text
    assert "Bad credentials" in caplog.text
    assert not github.pulls


def test_without_a_token_it_says_which_variables_to_set(
    github: StandIn, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN")
    monkeypatch.delenv("GH_TOKEN", raising=False)
    _report("x\n")

    assert cli.main(["retrain-pr"]) == 2
    assert "gitml retrain-pr needs GITHUB_TOKEN" in caplog.text
    assert [r for r in caplog.records if r.levelno >= logging.ERROR]
