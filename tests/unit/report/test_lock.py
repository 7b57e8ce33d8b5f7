"""What the gate makes of a stale dvc.lock and of a remote it could not read."""

from __future__ import annotations

from typing import Any

from gitml.config.params import GateParams
from gitml.report.lock import findings
from gitml.report.summary import ReportSummary

STALE = {"judged": True, "stages": ["evaluate", "train"], "note": ""}
FORK = {"status": "no credentials", "message": "DVC remote 'storage' (s3://b/p) was not read."}


def summary(**fields: Any) -> ReportSummary:
    base: dict[str, Any] = {"task": "binary", "baseline": None, "contract": None, "metrics": []}
    return ReportSummary.model_validate(base | {"stale": [], "lock": None, "remote": None} | fields)


def test_a_stale_lock_fails_by_default_and_warns_when_set_to() -> None:
    fix = "To fix it, run `make run`, commit dvc.lock, and `dvc push` its outputs."
    reasons, warnings = findings(summary(lock=STALE), GateParams())
    assert reasons == [
        "The committed dvc.lock is stale: CI's reproduction changed its stages evaluate, "
        f"train. {fix}"
    ]
    assert warnings == []
    reasons, warnings = findings(summary(lock=STALE), GateParams(stale_lock="warn"))
    assert reasons == []
    assert warnings[0].startswith("The committed dvc.lock is stale")


def test_an_unjudged_or_matching_lock_says_nothing() -> None:
    for lock in ({"judged": False, "stages": [], "note": "uncommitted"}, STALE | {"stages": []}):
        assert findings(summary(lock=lock), GateParams()) == ([], [])


def test_a_fork_warns_when_reproduced_and_fails_when_it_could_not_be() -> None:
    reasons, warnings = findings(summary(remote=FORK), GateParams())
    assert reasons == []
    assert warnings == [FORK["message"] + " CI reproduced the pipeline without it."]
    reasons, warnings = findings(summary(remote=FORK, stale=["ingest"]), GateParams())
    assert reasons == [FORK["message"] + " Without its data the pipeline could not be reproduced."]


def test_a_remote_that_failed_fails_the_gate_with_its_message() -> None:
    failed = {"status": "failed", "message": "DVC remote 'storage' refused the credentials."}
    reasons, _ = findings(summary(remote=failed), GateParams())
    assert reasons == [
        "The DVC remote could not be read, so CI could not verify it: DVC remote 'storage' "
        "refused the credentials."
    ]
