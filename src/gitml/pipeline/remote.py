"""`gitml pull`: fetch what `dvc.lock` records from the DVC remote, or say in one message why not.

DVC's own messages for a remote it cannot use are poor ("6 files failed to download", "Is
your cache up to date?"; treeverse/dvc issues 4478, 6655, 7573). gitml first probes the
remote's root with DVC's own filesystem, which raises the storage library's real exception
(credentials refused or absent, endpoint unreachable, bucket absent), then pulls, and turns a
checkout failure into the list of outputs the remote lacks. Every outcome is recorded in
`reports/remote.json` for the report and the gate. Pulling never forces: a work-tree file
that differs from `dvc.lock` is left as it is, and nothing is deleted.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from gitml.errors import RemoteError
from gitml.io import write_json

logger = logging.getLogger(__name__)

STATUS_FILE = "reports/remote.json"
GUIDE = "docs/change/remote-storage.md"
PLUGINS = {"s3": "dvc-s3", "gs": "dvc-gs", "azure": "dvc-azure", "ssh": "dvc-ssh"}
Status = Literal["pulled", "no remote", "no credentials", "failed"]


@dataclass(frozen=True)
class Remote:
    name: str
    url: str
    endpoint: str | None = None

    def where(self) -> str:
        at = f" at {self.endpoint}" if self.endpoint else ""
        return f"DVC remote '{self.name}' ({self.url}{at})"


@dataclass(frozen=True)
class Outcome:
    """What `gitml pull` did: the report shows it and the gate judges it."""

    status: Status
    message: str
    remote: str | None = None
    url: str | None = None
    missing: list[str] = field(default_factory=list)


def explain(exc: BaseException, remote: Remote) -> str:
    """One message (what, which remote, how to fix) for an exception the remote's storage raised."""
    chain = _chain(exc)
    names = {type(error).__name__ for error in chain}
    text = " ".join(str(error) for error in chain)
    if "NoCredentialsError" in names or "Unable to locate credentials" in text:
        return (
            f"No credentials for {remote.where()}. Set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY (or AWS_PROFILE); in CI, set the repository variable "
            f"AWS_ROLE_PR / AWS_ROLE_WRITE for the OIDC role ({GUIDE})."
        )
    if any(isinstance(error, PermissionError) for error in chain) or _denied(text):
        return (
            f"{remote.where()} refused the credentials ({_first_line(exc)}). Check that "
            "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or the role CI assumes) are current "
            f"and allowed to list and read this prefix ({GUIDE} has the permissions)."
        )
    if names & {"EndpointConnectionError", "ConnectTimeoutError", "ClientConnectorError"} or (
        any(isinstance(error, ConnectionError | TimeoutError) for error in chain)
    ):
        return (
            f"Could not reach {remote.where()}: {_first_line(exc)}. Check the endpoint "
            f"(`dvc remote modify {remote.name} endpointurl URL`) and the network."
        )
    if "Invalid endpoint" in text:
        return (
            f"{remote.where()} has an invalid endpoint URL. Set one with a scheme: "
            f"`dvc remote modify {remote.name} endpointurl https://host:port`."
        )
    return f"{remote.where()} failed: {type(exc).__name__}: {_first_line(exc)}."


def missing_message(missing: dict[str, str | None], remote: Remote) -> str:
    """The outputs `dvc.lock` records that neither the cache nor the remote holds."""
    listed = ", ".join(
        f"{path} (md5 {md5[:8]})" if md5 else path for path, md5 in sorted(missing.items())
    )
    return (
        f"{remote.where()} lacks {len(missing)} output(s) that dvc.lock records: {listed}. "
        "Whoever ran the pipeline for this commit pushes them: `make run`, commit dvc.lock, "
        "`dvc push` (or `make data-push`). Nothing in the work tree was changed for them."
    )


def pull(root: Path, remote: Remote, targets: list[str] | None = None) -> Outcome:
    """Probe `remote`, then `dvc pull` (of `targets`, or all) from it; raise RemoteError with
    one clear message."""
    from dvc.exceptions import CheckoutError, DvcException
    from dvc.repo import Repo

    with Repo(str(root)) as repo:
        try:
            storage = repo.cloud.get_remote(remote.name)
        except (DvcException, ImportError) as exc:  # ImportError: the plugin is absent
            scheme = remote.url.split("://")[0]
            raise RemoteError(
                f"{remote.where()} cannot be used: {_first_line(exc)}. Install its plugin "
                f"(`uv add {PLUGINS.get(scheme, 'dvc-' + scheme)}`) and commit uv.lock."
            ) from exc
        _probe(storage, remote)
        with _dvc_errors_captured() as causes:
            try:
                repo.pull(targets=targets or None)
            except CheckoutError as exc:
                outs = _lock_md5s(root / "dvc.lock")
                missing = {str(path): outs.get(str(path)) for path in exc.target_infos}
                raise RemoteError(missing_message(missing, remote), sorted(missing)) from exc
            except DvcException as exc:
                raise RemoteError(explain(causes.first or exc, remote)) from exc
    return Outcome("pulled", f"Pulled from {remote.where()}.", remote.name, remote.url)


def default_remote(root: Path) -> Remote | None:
    """The default remote from DVC's merged config (.dvc/config and config.local)."""
    from dvc.repo import Repo

    with Repo(str(root)) as repo:
        config = repo.config
        name = config.get("core", {}).get("remote")
        if not name:
            return None
        settings = config.get("remote", {}).get(name, {})
    return Remote(name, str(settings.get("url", "")), settings.get("endpointurl"))


def run(root: Path, fork: bool, targets: list[str] | None = None) -> Outcome:
    """`gitml pull`: pull (or, for a fork's PR, record why not) and write reports/remote.json.

    With `targets` (a release's model) the files must arrive: no remote is an error too.
    """
    remote = default_remote(root)
    if remote is None and targets:
        absent = [target for target in targets if not (root / target).is_file()]
        if absent:
            raise RemoteError(
                f"No DVC remote is configured, so {', '.join(absent)} cannot be pulled. Set "
                f"one with `make remote URL=...` ({GUIDE}) and `dvc push` from main."
            )
    if remote is None:
        return _record(root, Outcome("no remote", "No DVC remote is configured: nothing to pull."))
    if fork:
        message = (
            f"{remote.where()} was not read: this pull request comes from a fork, and CI gives "
            "forks no credentials. A maintainer who has reviewed the code can push its head to "
            "a branch of this repository and open the PR from there, which reads the remote."
        )
        return _record(root, Outcome("no credentials", message, remote.name, remote.url))
    try:
        outcome = pull(root, remote, targets)
    except RemoteError as exc:
        _record(root, Outcome("failed", str(exc), remote.name, remote.url, exc.missing))
        raise
    return _record(root, outcome)


def read_outcome(root: Path) -> Outcome | None:
    """What the last `gitml pull` recorded, if it ran in this work tree."""
    import json

    path = root / STATUS_FILE
    if not path.is_file():
        return None
    return Outcome(**json.loads(path.read_text(encoding="utf-8")))


def _probe(storage: Any, remote: Remote) -> None:
    """Touch the remote's root: the storage library raises its own, telling exception."""
    try:
        if storage.fs.exists(storage.path):
            return
        bucket = storage.path.split("/")[0]
        if bucket and bucket != storage.path and not storage.fs.exists(bucket):
            raise RemoteError(
                f"{remote.where()}: the bucket '{bucket}' does not exist. Create it, or fix "
                f"the URL with `make remote URL=...` ({GUIDE})."
            )
    except RemoteError:
        raise
    except Exception as exc:  # whatever the storage library raises: explained, never lost
        raise RemoteError(explain(exc, remote)) from exc


class _Causes(logging.Handler):
    """DVC logs the storage library's exception and raises a summary; keep the first one."""

    def __init__(self, level: int) -> None:
        super().__init__(level)
        self.first: BaseException | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] and self.first is None:
            self.first = record.exc_info[1]


@contextmanager
def _dvc_errors_captured() -> Iterator[_Causes]:
    """Keep the first exception DVC logs; its own warnings give way to gitml's one message."""
    causes = _Causes(logging.ERROR)
    watched = [logging.getLogger(name) for name in ("dvc", "dvc_data", "dvc_objects")]
    quiet = logging.getLogger("gitml").getEffectiveLevel() > logging.DEBUG
    handlers = {handler for watched_logger in watched for handler in watched_logger.handlers}
    for watched_logger in watched:
        watched_logger.addHandler(causes)
    if quiet:
        for handler in handlers:
            handler.addFilter(_below_warning)
    try:
        yield causes
    finally:
        for watched_logger in watched:
            watched_logger.removeHandler(causes)
        for handler in handlers:
            handler.removeFilter(_below_warning)


def _below_warning(record: logging.LogRecord) -> bool:
    return record.levelno < logging.WARNING


def _record(root: Path, outcome: Outcome) -> Outcome:
    write_json(root / STATUS_FILE, asdict(outcome))
    return outcome


def _lock_md5s(lock: Path) -> dict[str, str]:
    stages = (yaml.safe_load(lock.read_text(encoding="utf-8")) or {}).get("stages") or {}
    return {
        out["path"]: out["md5"]
        for stage in stages.values()
        for out in stage.get("outs", []) + stage.get("metrics", [])
        if "md5" in out
    }


def _chain(exc: BaseException) -> list[BaseException]:
    chain, seen = [], set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _denied(text: str) -> bool:
    codes = ("403", "Forbidden", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch")
    return any(code in text for code in (*codes, "ExpiredToken", "InvalidToken"))


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0].rstrip(".") if lines else type(exc).__name__
