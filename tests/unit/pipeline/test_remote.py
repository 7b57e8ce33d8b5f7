"""One message per way a DVC remote fails: what, which remote, how to fix."""

from __future__ import annotations

import pytest

from gitml.pipeline.remote import Remote, explain, missing_message

REMOTE = Remote("storage", "s3://bucket/gitml", "https://s3.example.com")


def _raised(error: BaseException, cause: BaseException | None = None) -> BaseException:
    try:
        raise error from cause
    except BaseException as exc:  # the chain (__cause__) is what explain reads
        return exc


@pytest.mark.parametrize(
    ("error", "start"),
    [
        (
            _raised(PermissionError("Forbidden"), RuntimeError("403 HeadObject")),
            "DVC remote 'storage' (s3://bucket/gitml at https://s3.example.com) refused the "
            "credentials (Forbidden).",
        ),
        (
            _raised(
                RuntimeError("An error occurred (InvalidAccessKeyId) when calling ListObjects")
            ),
            "DVC remote 'storage' (s3://bucket/gitml at https://s3.example.com) refused",
        ),
        (
            _raised(ConnectionRefusedError(111, "Connect call failed")),
            "Could not reach DVC remote 'storage' (s3://bucket/gitml at https://s3.example.com)",
        ),
        (
            _raised(ValueError("Invalid endpoint: nothttp")),
            "DVC remote 'storage' (s3://bucket/gitml at https://s3.example.com) has an invalid "
            "endpoint URL.",
        ),
    ],
)
def test_each_storage_failure_gets_its_own_message(error: BaseException, start: str) -> None:
    assert explain(error, REMOTE).startswith(start)


def test_absent_credentials_name_the_variables_and_the_ci_roles() -> None:
    class NoCredentialsError(Exception):  # botocore's, by name: explain reads names
        pass

    message = explain(_raised(NoCredentialsError("Unable to locate credentials")), REMOTE)
    assert message.startswith("No credentials for DVC remote 'storage'")
    assert "AWS_ACCESS_KEY_ID" in message
    assert "AWS_ROLE_PR / AWS_ROLE_WRITE" in message


def test_missing_outputs_are_listed_with_their_md5_and_the_fix() -> None:
    message = missing_message(
        {"models/model.skops": "528f92d79028e1e7", "data/raw/x.parquet": None}, REMOTE
    )
    assert message == (
        "DVC remote 'storage' (s3://bucket/gitml at https://s3.example.com) lacks 2 output(s) "
        "that dvc.lock records: data/raw/x.parquet, models/model.skops (md5 528f92d7). "
        "Whoever ran the pipeline for this commit pushes them: `make run`, commit dvc.lock, "
        "`dvc push` (or `make data-push`). Nothing in the work tree was changed for them."
    )
