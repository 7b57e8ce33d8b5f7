"""The one PR report comment, upserted through GitHub's REST API when CML cannot post it.

CML (`cml comment update --watermark-title=T`) appends a watermark to the comment and, on the
next run, updates the comment that carries it. This module writes the same watermark and
finds the same comment, so either path updates the comment the other one wrote. Standard
library only: pr-comment.yml runs it with the runner's python3, without installing gitml.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitml.errors import ConfigError, DataError, GitmlError

logger = logging.getLogger(__name__)

# What CML writes (src/watermark.js): the image URL with the commit as fragment, then the title.
WATERMARK_IMAGE = "https://cml.dev/watermark.png"
DEFAULT_API = "https://api.github.com"
DEFAULT_AUTHOR = "github-actions[bot]"  # who posts with a workflow's GITHUB_TOKEN
PER_PAGE = 100  # GitHub's maximum page size
MAX_BODY = 65_536  # GitHub refuses longer comment bodies
_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')
_REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
_SHA = re.compile(r"[0-9a-fA-F]{7,64}")


class GitHubApiError(GitmlError):
    """GitHub's API refused a request or could not be reached."""


@dataclass(frozen=True)
class Upserted:
    """What the upsert did: `created` or `updated`, and the comment's address."""

    action: str
    url: str


def watermark_title(label: str) -> str:
    """The watermark's title as CML escapes it (GitHub escapes these characters on read)."""
    title = f"CML watermark {label}".strip()
    for char in ("_", "*", "[", "<"):
        title = title.replace(char, "\\" + char)
    return title


def with_watermark(report: str, label: str, sha: str) -> str:
    """The comment body: the report, a blank line, then CML's watermark for `label`."""
    return f'{report}\n\n![]({WATERMARK_IMAGE}#{sha} "{watermark_title(label)}")'


def carries_watermark(body: str, label: str) -> bool:
    """Whether `body` carries the watermark for `label`, whatever commit it names (as CML)."""
    title, image = re.escape(watermark_title(label)), re.escape(WATERMARK_IMAGE)
    return re.search(rf'!\[\]\({image}#[0-9a-fA-F]+ "{title}"\)', body) is not None


def find_comment(
    comments: list[Mapping[str, Any]], label: str, author: str
) -> Mapping[str, Any] | None:
    """The most recent comment by `author` that carries the watermark (CML takes the last)."""
    for comment in comments[::-1]:
        user, body = comment.get("user") or {}, comment.get("body") or ""
        if user.get("login") == author and carries_watermark(str(body), label):
            return comment
    return None


class GitHubApi:
    """The three REST calls the upsert needs, with one clear error for any refusal."""

    def __init__(self, base_url: str, token: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._timeout = timeout

    def comments(self, repository: str, number: int) -> Iterator[Mapping[str, Any]]:
        """Every comment of the issue or PR, following the `Link: rel="next"` pages."""
        url: str | None = (
            f"{self.base_url}/repos/{repository}/issues/{number}/comments?per_page={PER_PAGE}"
        )
        while url is not None:
            page, link = self._call("GET", url)
            yield from page
            url = self._next_page(link)

    def create(self, repository: str, number: int, body: str) -> Mapping[str, Any]:
        url = f"{self.base_url}/repos/{repository}/issues/{number}/comments"
        return self._call("POST", url, {"body": body})[0]  # type: ignore[no-any-return]

    def update(self, repository: str, comment_id: int, body: str) -> Mapping[str, Any]:
        url = f"{self.base_url}/repos/{repository}/issues/comments/{comment_id}"
        return self._call("PATCH", url, {"body": body})[0]  # type: ignore[no-any-return]

    def _next_page(self, link: str) -> str | None:
        match = _NEXT.search(link)
        if match is None:
            return None
        if not match.group(1).startswith(self.base_url + "/"):  # the token goes nowhere else
            raise GitHubApiError(
                f"GitHub API: the next page of comments is outside {self.base_url}: "
                f"{match.group(1)}. Check GITHUB_API_URL."
            )
        return match.group(1)

    def _call(
        self, method: str, url: str, payload: Mapping[str, str] | None = None
    ) -> tuple[Any, str]:
        """The decoded JSON and the `Link` header (header names are case-insensitive here)."""
        request = urllib.request.Request(
            url,
            method=method,
            data=None if payload is None else json.dumps(payload).encode(),
            headers={
                "Accept": "application/vnd.github+json",
                "Authorization": f"Bearer {self._token}",
                "Content-Type": "application/json",
                "User-Agent": "gitml-comment",
                "X-GitHub-Api-Version": "2022-11-28",
            },
        )
        path = url.removeprefix(self.base_url).split("?")[0]
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                return json.loads(response.read() or b"null"), response.headers.get("Link", "")
        except urllib.error.HTTPError as exc:
            raise GitHubApiError(
                f"GitHub API: {method} {path} → {exc.code} {exc.reason}: {_message(exc)}."
                f"{_hint(exc.code)}"
            ) from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise GitHubApiError(
                f"GitHub API: {method} {path} could not reach {self.base_url}: {reason}. "
                "Check GITHUB_API_URL and the runner's network."
            ) from None


def upsert_comment(
    api: GitHubApi, repository: str, number: int, *, body: str, label: str, author: str
) -> Upserted:
    """Update the watermarked comment by `author` on PR `number`, else create it: one comment."""
    existing = find_comment(list(api.comments(repository, number)), label, author)
    if existing is None:
        created = api.create(repository, number, body)
        return Upserted("created", str(created.get("html_url", "")))
    updated = api.update(repository, int(existing["id"]), body)
    return Upserted("updated", str(updated.get("html_url", "")))


def run(
    report: str,
    *,
    repository: str | None,
    number: int,
    sha: str,
    label: str,
    author: str,
    env: Mapping[str, str],
) -> Upserted:
    """Post `report` (a file) as the one watermarked comment of PR `number` in `repository`."""
    repository = repository or env.get("GITHUB_REPOSITORY", "")
    if not _REPOSITORY.fullmatch(repository):
        raise ConfigError(
            f"Repository {repository!r} is not OWNER/NAME. Pass --repo or set GITHUB_REPOSITORY."
        )
    if number < 1:
        raise ConfigError(f"Pull request number {number} is not positive. Pass --pr N.")
    if not _SHA.fullmatch(sha):
        raise ConfigError(
            f"Commit {sha!r} is not a hexadecimal SHA; CML's watermark needs one. Pass --sha."
        )
    token = env.get("GH_TOKEN") or env.get("GITHUB_TOKEN")
    if not token:
        raise ConfigError("No GitHub token: set GH_TOKEN or GITHUB_TOKEN (e.g. github.token).")
    try:
        text = Path(report).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"Cannot read the report {report}: {exc}. Run `gitml report`.") from None
    body = with_watermark(text, label, sha)
    if len(body) > MAX_BODY:
        raise DataError(
            f"{report} makes a comment of {len(body)} characters; GitHub takes {MAX_BODY}. "
            "Post reports/report.md (the short report), not the full one."
        )
    api = GitHubApi(env.get("GITHUB_API_URL") or DEFAULT_API, token)
    done = upsert_comment(api, repository, number, body=body, label=label, author=author)
    logger.info("Report comment %s on %s#%d: %s", done.action, repository, number, done.url)
    return done


def _message(exc: urllib.error.HTTPError) -> str:
    try:
        return str(json.loads(exc.read()).get("message", "")).strip() or "no message"
    except (ValueError, AttributeError, OSError):
        return "no message"


def _hint(code: int) -> str:
    if code in (401, 403):
        return " The token needs `pull-requests: write` (the job's permissions)."
    if code == 404:
        return " Check the repository, the PR number and that the token can see them."
    return ""
