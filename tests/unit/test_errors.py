from __future__ import annotations

import pytest

from gitml.errors import (
    ActionDue,
    ConfigError,
    ContractError,
    DataError,
    GateFailed,
    GitmlError,
    RemoteError,
)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (GitmlError, 1),
        (ConfigError, 2),
        (DataError, 3),
        (ContractError, 4),
        (GateFailed, 5),
        (ActionDue, 1),
        (RemoteError, 6),
    ],
)
def test_each_error_exits_with_its_documented_code(error: type[GitmlError], code: int) -> None:
    assert error.exit_code == code
    assert issubclass(error, GitmlError)


def test_the_exit_codes_of_distinct_failures_differ() -> None:
    failures: list[type[GitmlError]] = [
        ConfigError,
        DataError,
        ContractError,
        GateFailed,
        RemoteError,
    ]
    assert len({error.exit_code for error in failures}) == len(failures)


def test_an_error_carries_its_message_unchanged() -> None:
    assert str(DataError("data/raw.csv: not found; run `dvc repro ingest`")) == (
        "data/raw.csv: not found; run `dvc repro ingest`"
    )


def test_a_remote_error_lists_the_outputs_the_remote_lacks() -> None:
    error = RemoteError("2 outputs missing on the remote", missing=["data/raw.parquet", "model"])
    assert str(error) == "2 outputs missing on the remote"
    assert error.missing == ["data/raw.parquet", "model"]
    assert RemoteError("no credentials").missing == []
