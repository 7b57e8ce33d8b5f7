"""`gitml retrain-pr`: open the retraining pull request, or update the one already open.

One branch (`retrain/monitor` by default) carries every retraining proposal, so there is never
a second pull request while one is open: GitHub allows one open pull request per head and
base, and this module looks for it before opening one. Plain `urllib` against
$GITHUB_API_URL (GitHub Enterprise included), with the workflow's token.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from gitml.errors import ConfigError, GitmlError

logger = logging.getLogger(__name__)

LABEL = "retrain"
MAX_BODY = 60_000  # GitHub's limit on a pull request body is 65,536 characters
TIMEOUT_S = 30


@dataclass(frozen=True)
class GitHub:
    api: str  # e.g. https://api.github.com
    repo: str  # owner/name
    token: str

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> GitHub:
        env = os.environ if environ is None else environ
        repo = env.get("GITHUB_REPOSITORY", "")
        token = env.get("GITHUB_TOKEN") or env.get("GH_TOKEN") or ""
        if "/" not in repo or not token:
            missing = [
                n for n, v in (("GITHUB_REPOSITORY", "/" in repo), ("GITHUB_TOKEN", token)) if not v
            ]
            raise ConfigError(
                f"gitml retrain-pr needs {' and '.join(missing)} (owner/name and a token with "
                "pull-requests: write); GitHub Actions sets them, locally export them."
            )
        return cls(env.get("GITHUB_API_URL", "https://api.github.com").rstrip("/"), repo, token)

    def call(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(
            f"{self.api}/repos/{self.repo}{path}",
            data=data,
            method=method,
            headers={
                "Accept": "application/vnd.github+json",
                "Authorization": f"Bearer {self.token}",
                "X-GitHub-Api-Version": "2022-11-28",
                "Content-Type": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")[:500]
            raise GitmlError(
                f"GitHub refused {method} {path}: HTTP {exc.code} {detail}. Check the token's "
                "permissions (contents: write, pull-requests: write) and the branch."
            ) from None
        except urllib.error.URLError as exc:
            raise GitmlError(f"Cannot reach GitHub at {self.api}: {exc.reason}.") from None


@dataclass(frozen=True)
class Proposal:
    action: str  # "opened" | "updated"
    number: int
    url: str


def open_or_update(github: GitHub, branch: str, base: str, title: str, body: str) -> Proposal:
    """Update the open pull request from `branch` into `base`, or open one (labelled)."""
    owner = github.repo.split("/")[0]
    query = urllib.parse.urlencode({"state": "open", "head": f"{owner}:{branch}", "base": base})
    open_prs = github.call("GET", f"/pulls?{query}")
    text = body if len(body) <= MAX_BODY else body[:MAX_BODY] + "\n\n_Cut: see the artifact._\n"
    if open_prs:
        number = int(open_prs[0]["number"])
        updated = github.call("PATCH", f"/pulls/{number}", {"title": title, "body": text})
        return Proposal("updated", number, str(updated["html_url"]))
    created = github.call(
        "POST", "/pulls", {"title": title, "head": branch, "base": base, "body": text}
    )
    number = int(created["number"])
    github.call("POST", f"/issues/{number}/labels", {"labels": [LABEL]})
    return Proposal("opened", number, str(created["html_url"]))
