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
