"""`gitml comment` upserts the one report comment against a stand-in GitHub API on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from gitml import cli
from gitml.report.comment import carries_watermark, with_watermark
from tests.support.paths import ROOT

REPO = "acme/churn"
SHA = "0123456789abcdef0123456789abcdef01234567"
BOT = {"login": "github-actions[bot]", "type": "Bot"}
# What `cml comment update --watermark-title="gitml report"` appends (iterative/cml 0.20.6).
CML_MARK = '![](https://cml.dev/watermark.png#deadbeef "CML watermark gitml report")'


@dataclass
class FakeGitHub:
    """Issue comments of one PR, served in pages of `per_page`, with every request recorded."""

    comments: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str, dict[str, Any] | None, str]] = field(default_factory=list)
    refuse_with: int | None = None
    url: str = ""

    def add(self, body: str, user: dict[str, str] = BOT) -> int:
        number = 1000 + len(self.comments)
        self.comments.append({"id": number, "body": body, "user": user})
        return number

    def bodies(self) -> dict[int, str]:
        return {c["id"]: c["body"] for c in self.comments}

    def handle(self, method: str, target: str, payload: dict[str, Any] | None) -> Any:
        path, query = urlsplit(target).path, parse_qs(urlsplit(target).query)
        listing = f"/repos/{REPO}/issues/7/comments"
        if method == "GET" and path == listing:
            size = int(query.get("per_page", ["30"])[0])
            page = int(query.get("page", ["1"])[0])
            chunk = self.comments[(page - 1) * size : page * size]
            more = page * size < len(self.comments)
            link = f'<{self.url}{listing}?per_page={size}&page={page + 1}>; rel="next"'
            return 200, chunk, link if more else None
        if method == "POST" and path == listing and payload is not None:
            number = self.add(payload["body"])
            return 201, {"id": number, "html_url": f"https://github.test/c/{number}"}, None
        if method == "PATCH" and path.startswith(f"/repos/{REPO}/issues/comments/"):
            number = int(path.rsplit("/", 1)[1])
            for comment in self.comments:
                if comment["id"] == number and payload is not None:
                    comment["body"] = payload["body"]
                    return 200, {"id": number, "html_url": f"https://github.test/c/{number}"}, None
        return 404, {"message": "Not Found"}, None


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    fake = FakeGitHub()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            payload = json.loads(self.rfile.read(length)) if length else None
            fake.requests.append(
                (self.command, self.path, payload, self.headers.get("Authorization", ""))
            )
            if fake.refuse_with is not None:
                status, data, link = fake.refuse_with, {"message": "Resource not accessible"}, None
            else:
                status, data, link = fake.handle(self.command, self.path, payload)
            raw = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            if link:
                self.send_header("link", link)  # as GitHub sends it over HTTP/2
            self.end_headers()
            self.wfile.write(raw)

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def do_PATCH(self) -> None:
            self._serve()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("GITHUB_API_URL", fake.url)
    monkeypatch.setenv("GITHUB_TOKEN", "t0ken")
    monkeypatch.delenv("GH_TOKEN", raising=False)
    monkeypatch.setenv("GITHUB_REPOSITORY", REPO)
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def report(tmp_path: Path) -> Path:
    path = tmp_path / "report.md"
    path.write_text("## gitml report\n\nroc_auc 0.86 → 0.87\n", encoding="utf-8")
    return path


def comment(report: Path, *extra: str) -> int:
    return cli.main(["comment", str(report), "--pr", "7", "--sha", SHA, *extra])


def test_our_watermark_is_the_one_cml_writes_and_finds() -> None:
    # given a body as CML posts it, and ours for another commit
    ours = with_watermark("report", "gitml report", SHA)
    # then each path recognises the other's comment, whatever commit it names
    assert ours.endswith(CML_MARK.replace("deadbeef", SHA))
    assert carries_watermark(f"old report\n\n{CML_MARK}", "gitml report")
    assert not carries_watermark(f"x\n\n{CML_MARK}", "other report")
    assert carries_watermark(with_watermark("r", "a_b*[c", "abc1234"), "a_b*[c")


def test_no_comment_yet_posts_one(github: FakeGitHub, report: Path) -> None:
    github.add("LGTM", {"login": "alice", "type": "User"})

    assert comment(report) == 0

    methods = [(method, path.split("?")[0]) for method, path, _, _ in github.requests]
    assert methods == [
        ("GET", f"/repos/{REPO}/issues/7/comments"),
        ("POST", f"/repos/{REPO}/issues/7/comments"),
    ]
    posted = github.comments[-1]["body"]
    assert posted.startswith("## gitml report\n")
    assert carries_watermark(posted, "gitml report")
    assert all(auth == "Bearer t0ken" for *_, auth in github.requests)
    assert len(github.comments) == 2
    assert github.comments[0]["body"] == "LGTM"


def test_the_watermarked_comment_on_page_two_is_updated_and_no_other(
    github: FakeGitHub, report: Path
) -> None:
    # given 100 comments on page 1, then CML's comment, another bot's and a spoofed one on page 2
    for i in range(100):
        github.add(f"comment {i}", {"login": f"user{i}", "type": "User"})
    cml = github.add(f"stale report\n\n{CML_MARK}")
    github.add("Coverage 91%", {"login": "codecov[bot]", "type": "Bot"})
    github.add(f"fake PASS\n\n{CML_MARK}", {"login": "mallory", "type": "User"})
    before = github.bodies()

    assert comment(report) == 0

    # then CML's comment (and only it) has the new report; nothing was created
    after = github.bodies()
    assert after.keys() == before.keys()
    assert {k for k in after if after[k] != before[k]} == {cml}
    assert after[cml].startswith("## gitml report\n")
    assert carries_watermark(after[cml], "gitml report")
    pages = [path for method, path, _, _ in github.requests if method == "GET"]
    assert pages == [
        f"/repos/{REPO}/issues/7/comments?per_page=100",
        f"/repos/{REPO}/issues/7/comments?per_page=100&page=2",
    ]
    assert [m for m, *_ in github.requests].count("PATCH") == 1


def test_a_second_run_updates_the_comment_the_first_created(
    github: FakeGitHub, report: Path
) -> None:
    assert comment(report) == 0
    report.write_text("## gitml report\n\nroc_auc 0.86 → 0.88\n", encoding="utf-8")

    assert comment(report) == 0

    assert len(github.comments) == 1
    assert "0.88" in github.comments[0]["body"]


def test_a_refusal_is_one_clear_line_and_a_failure(
    github: FakeGitHub, report: Path, caplog: pytest.LogCaptureFixture
) -> None:
    github.refuse_with = 403

    assert comment(report) == 1

    assert caplog.messages == [
        f"GitHub API: GET /repos/{REPO}/issues/7/comments → 403 Forbidden: Resource not "
        "accessible. The token needs `pull-requests: write` (the job's permissions)."
    ]
    assert github.comments == []


def test_a_next_page_elsewhere_is_refused_before_the_token_goes_there(
    github: FakeGitHub, report: Path, caplog: pytest.LogCaptureFixture
) -> None:
    for i in range(101):
        github.add(f"comment {i}", {"login": "alice", "type": "User"})
    real = github.url
    github.url = "http://evil.test"  # the fake now links its next page to another host

    assert comment(report) == 1

    assert "the next page of comments is outside " + real in caplog.text
    assert len(github.requests) == 1


@pytest.mark.parametrize(
    ("argv", "env", "message"),
    [
        (["--sha", "main"], {}, "Commit 'main' is not a hexadecimal SHA"),
        (["--repo", "acme"], {}, "Repository 'acme' is not OWNER/NAME"),
        ([], {"GITHUB_TOKEN": ""}, "No GitHub token: set GH_TOKEN or GITHUB_TOKEN"),
    ],
)
def test_bad_inputs_are_config_errors_before_any_request(
    github: FakeGitHub,
    report: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    env: dict[str, str],
    message: str,
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)

    assert cli.main(["comment", str(report), "--pr", "7", "--sha", SHA, *argv]) == 2

    assert message in caplog.text
    assert github.requests == []


def test_a_missing_report_is_a_data_error(
    github: FakeGitHub, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert comment(tmp_path / "nowhere.md") == 3
    assert f"Cannot read the report {tmp_path / 'nowhere.md'}" in caplog.text
    assert github.requests == []


def test_it_runs_on_a_bare_python_without_gitml_installed(
    github: FakeGitHub, report: Path, tmp_path: Path
) -> None:
    # given a python with no site-packages (-S -I): what pr-comment.yml has on the runner
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    command = [sys.executable, "-S", "-m", "gitml"]  # as pr-comment.yml runs it
    argv = ["comment", str(report), "--pr", "7", "--sha", SHA]

    result = subprocess.run(
        [*command, *argv], env=env, cwd=tmp_path, capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stderr
    assert "Report comment created on acme/churn#7" in result.stderr
    assert len(github.comments) == 1
