"""User-facing errors: each carries one message that says what, which value and how to fix it."""


class GitmlError(Exception):
    """Base class for errors the CLI reports as one clear message (no traceback)."""

    exit_code = 1


class ConfigError(GitmlError):
    """conf/ or params.yaml holds a value gitml cannot use."""

    exit_code = 2


class DataError(GitmlError):
    """An input file is missing, unreadable, empty or lacks a required column."""

    exit_code = 3


class ContractError(GitmlError):
    """Data broke its contract (conf/data/<name>.yaml); the message summarises every failure."""

    exit_code = 4


class GateFailed(GitmlError):  # noqa: N818 -- the name STYLE.md gives it: a verdict, not a bug
    """The merge gate found reasons to fail the pull request; the message lists every one."""

    exit_code = 5


class ActionDue(GitmlError):  # noqa: N818 -- a verdict, like GateFailed
    """`gitml monitor` found a reason to act (drift, refusals, worse live metrics)."""

    exit_code = 1


class RemoteError(GitmlError):
    """The DVC remote could not be read or written: credentials, endpoint or missing objects."""

    exit_code = 6

    def __init__(self, message: str, missing: list[str] | None = None) -> None:
        super().__init__(message)
        self.missing = missing or []  # the outputs the remote lacks, when that is the failure
