"""reports/report.json: the verdict's inputs, typed, and read and written here only.

`gitml report` writes it; `gitml gate` re-judges it, so the check and the comment always
agree. Like models/model.json it is data written by some version of gitml: keys this version
does not know are ignored, and keys older versions did not write have defaults (a report
without `rules` is judged by the branch's rules). `format` says which shape a file has.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from gitml.config.params import GateParams
from gitml.errors import GitmlError
from gitml.io import read_artifact, write_json


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


class BaselineRef(_Record):
    ref: str
    commit: str
    source: str


class BranchRef(_Record):
    commit: str
    dirty: bool


class RecordedRules(_Record):
    """The rules the verdict was judged by: the baseline's, or the branch's without one."""

    gate: GateParams
    confidence: float
    source: str = Field("", alias="from")  # the ref whose rules these are, or "branch"
    warning: str | None = None
    seed_sd: dict[str, float] = Field(default_factory=dict)


class ReportSummary(_Record):
    format: Literal[1] = 1
    task: str
    baseline: BaselineRef | None
    branch: BranchRef | None = None
    contract: dict[str, Any] | None  # the branch's validation report
    stale: list[str]  # pipeline stages out of date in the work tree
    pairing: str | None = None
    not_comparable: str = ""
    identical: bool = False
    metrics: list[dict[str, Any]]  # MetricDelta fields: null for an undefined value
    drifted_columns: list[str] = Field(default_factory=list)
    changed_rows: dict[str, Any] | None = None
    target_changed: str | None = None
    rules: RecordedRules | None = None
    lock: dict[str, Any] | None = None  # report/lock.py's LockCheck
    remote: dict[str, Any] | None = None  # what `gitml pull` recorded
    fingerprint: str = ""
    verdict: dict[str, Any] | None = None

    @property
    def baseline_name(self) -> str:
        return self.baseline.ref if self.baseline else "the baseline"


def write_summary(path: str | Path, summary: ReportSummary) -> None:
    write_json(path, summary.model_dump(mode="python", by_alias=True))


def read_summary(path: str | Path) -> ReportSummary:
    """reports/report.json, validated.

    Raises:
        GitmlError: the file is missing, not JSON, or not a gitml report's summary.
    """
    source = Path(path)
    if not source.is_file():
        raise GitmlError(f"{source} not found. Run `gitml report` (or `make report`) first.")
    return read_artifact(
        source,
        ReportSummary,
        what="a gitml report's summary",
        fix="Run `gitml report` again, then `gitml gate`.",
        error=GitmlError,
    )
