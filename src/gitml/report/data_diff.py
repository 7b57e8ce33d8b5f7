"""What changed in the data between the baseline and the branch: rows, drift, validation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gitml.io import read_json
from gitml.ml.drift import ColumnDrift, column_drift
from gitml.report.rows import Changed, by_id, changed_values, row_changes

if TYPE_CHECKING:
    from gitml.config.params import Params
    from gitml.report.baseline import Artifacts


@dataclass(frozen=True)
class DataDiff:
    validation: dict[str, Any] | None  # the branch's reports/validation.json
    baseline_validation: dict[str, Any] | None
    branch_rows: int | None = None
    baseline_rows: int | None = None
    added: int | None = None  # rows in the branch's data and not in the baseline's
    removed: int | None = None
    same_data: bool = False
    drift: list[ColumnDrift] = field(default_factory=list)
    # rows kept under the same id whose values changed (None: no id to match rows by)
    changed: Changed | None = None
    id_column: str | None = None  # what rows were matched by
    target: str | None = None
    not_compared: str = ""  # why the branch's data were not compared with the baseline's
    columns_added: list[str] = field(default_factory=list)  # in the branch's data only
    columns_removed: list[str] = field(default_factory=list)  # in the baseline's only

    @property
    def target_changes(self) -> int:
        """Rows present on both sides whose target value changed (matched by id)."""
        return self.changed.columns.get(self.target or "", 0) if self.changed else 0


def diff_data(
    branch: Artifacts, baseline: Artifacts | None, params: Params, stale: Sequence[str] = ()
) -> DataDiff:
    """Validation of the branch, and rows and drift against the baseline's validated data.

    Only data the branch validated is compared: when its contract breaks, or its ingest or
    validate stage is out of date (`stale`: stages whose files or params differ from
    dvc.lock), the validated file is the previous run's (DVC keeps a failed stage's
    persistent outputs), so comparing it would describe other data than the PR's.
    """
    import pandas as pd

    validation = _json(branch, "validation_report")
    base_validation = _json(baseline, "validation_report") if baseline else None
    mine_path, theirs_path = (
        branch.path("validated"),
        baseline.path("validated") if baseline else None,
    )
    if baseline is None or mine_path is None or theirs_path is None:
        return DataDiff(validation, base_validation)
    if validation is not None and not validation.get("passed"):
        return DataDiff(
            validation,
            base_validation,
            not_compared="The branch's data could not be validated (its contract is broken), so "
            f"its rows and drift are not compared with {baseline.label}'s.",
        )
    behind = [stage for stage in ("ingest", "validate") if stage in stale]
    if behind:
        return DataDiff(
            validation,
            base_validation,
            not_compared=f"The branch's validated data are out of date (stages: "
            f"{', '.join(behind)}), so its rows and drift are not compared with "
            f"{baseline.label}'s. Run `dvc repro`.",
        )
    validated_md5 = branch.out_md5("validated")
    if validated_md5 and validated_md5 == baseline.out_md5("validated"):
        rows = int(validation["rows"]) if validation else None
        return DataDiff(validation, base_validation, rows, rows, 0, 0, same_data=True)
    mine, theirs = pd.read_parquet(mine_path), pd.read_parquet(theirs_path)
    id_column, target = params.data.id_column, params.data.target
    shared = [c for c in mine.columns if c in theirs.columns]
    fewer = min(len(mine.columns), len(theirs.columns))
    if not by_id(theirs, mine, id_column) and 2 * len(shared) < fewer:
        # matched by content on a column or two, rows of other data would match by chance
        return DataDiff(
            validation,
            base_validation,
            len(mine),
            len(theirs),
            len(mine),
            len(theirs),
            not_compared=f"The branch's data share {len(shared)} of their {len(mine.columns)} "
            f"columns with {baseline.label}'s {len(theirs.columns)}: another dataset, so no "
            "row is matched and drift is not compared.",
        )
    added, removed = row_changes(theirs, mine, id_column)
    # by content, a changed row is already one removed and one added
    changed = changed_values(theirs, mine, id_column, target)
    drift = column_drift(
        theirs, mine, params.data.columns, params.report.drift, params.seeds.report
    )
    return DataDiff(
        validation,
        base_validation,
        len(mine),
        len(theirs),
        added,
        removed,
        False,
        drift,
        changed,
        id_column if changed else None,
        target,
        columns_added=[c for c in mine.columns if c not in theirs.columns],
        columns_removed=[c for c in theirs.columns if c not in mine.columns],
    )


def _json(side: Artifacts | None, key: str) -> dict[str, Any] | None:
    path = side.path(key) if side else None
    return read_json(path) if path else None
