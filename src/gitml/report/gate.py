"""The merge gate: absolute bounds, tolerated regressions and the data contract, judged once.

`gitml report` shows this verdict and `gitml gate` enforces it, from the same inputs (the
report's JSON) and by the same functions here, so the comment and the check never disagree.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from gitml.config.params import GateParams, GateRule, Params
from gitml.errors import GateFailed, GitmlError
from gitml.ml.bootstrap import MetricDelta, significant
from gitml.report.lock import findings
from gitml.report.summary import ReportSummary, read_summary

Status = Literal["pass", "pass within tolerance", "fail", "no change", "not comparable"]


@dataclass(frozen=True)
class Verdict:
    status: Status
    reasons: list[str] = field(default_factory=list)  # why it fails, every one
    notes: list[str] = field(default_factory=list)  # what moved significantly, for context
    warnings: list[str] = field(default_factory=list)  # what the gate could not judge, and why


def judge(
    task: str,
    metrics: list[MetricDelta],
    gate: GateParams,
    confidence: float,
    *,
    contract: dict[str, Any] | None = None,
    stale: list[str] | None = None,
    identical: bool = False,
    baseline: str = "the baseline",
    not_comparable: str = "",
    warnings: list[str] | None = None,
    seed_sd: dict[str, float] | None = None,
) -> Verdict:
    """Collect every reason to fail; no reason and identical outputs is "no change".

    `not_comparable` says why the baseline's metrics measure something else (another target,
    task or dataset): then only absolute bounds are judged and, if they hold, the verdict is
    "not comparable" with a warning, neither a failure nobody can fix nor a silent pass.
    `warnings` are for reviewers (labels edited in place, say) and travel with any verdict.
    Notes name the metrics that moved beyond test-row and training-seed noise (`seed_sd`),
    the family of metrics controlled; a pass over a significant fall is "pass within
    tolerance", with what fell.
    """
    told = list(warnings or [])
    reasons: list[str] = []
    broken = contract is not None and not contract.get("passed", True)
    if broken and gate.contract:
        failures = (contract or {}).get("failures", [])
        checks = ", ".join(sorted({f"{f['column']}: {f['check']}" for f in failures})[:5])
        reasons.append(f"The data breaks its contract: {len(failures)} failed check(s) ({checks}).")
    elif stale:
        fix = (
            "the data breaks its contract (not gated: gate.contract is false), so `dvc repro` "
            "stops at validate and no model was trained on it."
            if broken
            else "run `dvc repro` and commit dvc.lock."
        )
        reasons.append(f"The pipeline outputs are out of date (stages: {', '.join(stale)}); {fix}")
    if reasons:
        return Verdict("fail", reasons, [], told)
    warnings = []
    if not_comparable:
        warnings.append(
            f"Not compared with {baseline}: {not_comparable}, so {possessive(baseline)} metrics "
            "do not measure the same thing. Tolerance rules were skipped; absolute bounds "
            "(min, max) still apply to the branch's own metrics."
        )
    by_name = {metric.name: metric for metric in metrics}
    level = f"{confidence:.0%}"
    for name, rule in gate.rules.get(task, {}).items():  # type: ignore[call-overload]
        metric = by_name.get(name)
        if metric is None or not math.isfinite(metric.branch):
            reasons.append(f"{name} is undefined on the branch's test rows; it is gated.")
            continue
        reasons += _out_of_bounds(metric, rule)
        if not not_comparable:
            reasons += _regression(metric, rule, baseline, level)
            warnings += _blind(metric, rule, level)
    moved = significant(metrics, confidence, seed_sd or {})
    notes = [_movement(metric, level) for metric in metrics if metric.name in moved]
    warnings += told
    if reasons:
        return Verdict("fail", reasons, notes, warnings)
    if not_comparable:
        return Verdict("not comparable", [], notes, warnings)
    if identical:
        return Verdict("no change", [], notes, warnings)
    fell = [note for note in notes if note.endswith("significantly worse.")]
    return Verdict("pass within tolerance" if fell else "pass", [], notes, warnings)


def resolution(metric: MetricDelta, rule: GateRule) -> float:
    """The smallest regression the gate detects on these rows (about half the time): its
    tolerance plus the interval's half-width. NaN without a tolerance or a paired interval."""
    if rule.tolerance is None or not math.isfinite(metric.low) or not math.isfinite(metric.high):
        return math.nan
    return rule.tolerance + (metric.high - metric.low) / 2


def _blind(metric: MetricDelta, rule: GateRule, level: str) -> list[str]:
    """The warning when the interval is wider than the tolerance: a regression of the
    tolerance's size cannot be seen on this test set."""
    smallest = resolution(metric, rule)
    tolerance = rule.tolerance or 0.0
    if not math.isfinite(smallest) or tolerance == 0 or smallest <= 2 * tolerance:
        return []  # tolerance 0: any significant fall fails; the resolution line says how big
    return [
        f"The gate cannot see a {metric.name} regression of its tolerance {tolerance:g} here: "
        f"the {level} interval is ±{smallest - tolerance:.4f} wide on these test rows, so only "
        f"a fall of about {smallest:.4f} or more fails. Add test rows to see smaller ones."
    ]


def enforce(root: Path, summary_path: Path, params: Params) -> Verdict:
    """Re-judge a report's summary with the rules it recorded; raise GateFailed with every
    reason."""
    summary = read_summary(summary_path)
    if summary.fingerprint != fingerprint(root, params):
        raise GitmlError(
            f"{summary_path} is older than params.yaml, dvc.lock or the validation report. "
            "Run `gitml report` again, then `gitml gate`."
        )
    verdict = judge_summary(summary, params)
    if verdict.status == "fail":
        reasons = "\n".join(f"  - {reason}" for reason in verdict.reasons)
        warnings = "".join(f"\n{warning}" for warning in verdict.warnings)
        raise GateFailed(f"The gate fails ({len(verdict.reasons)} reason(s)):\n{reasons}{warnings}")
    return verdict


def judge_summary(summary: ReportSummary, params: Params) -> Verdict:
    """The verdict on a report's summary, by the rules the report recorded (the baseline's;
    the branch's without a baseline, or in a report of an older version that has none)."""
    rules = summary.rules
    gate = rules.gate if rules else params.gate
    warnings = [rules.warning] if rules and rules.warning else []
    if summary.target_changed:
        warnings.append(summary.target_changed)
    verdict = judge(
        summary.task,
        [MetricDelta.from_json(metric) for metric in summary.metrics],
        gate,
        rules.confidence if rules else params.report.confidence,
        contract=summary.contract,
        stale=summary.stale,
        identical=summary.identical,
        baseline=summary.baseline_name,
        not_comparable=summary.not_comparable,
        warnings=warnings,
        seed_sd=rules.seed_sd if rules else params.report.seed_sd,
    )
    # the committed dvc.lock and the remote (absent from reports of older versions)
    reasons, told = findings(summary, gate)
    if not reasons and not told:
        return verdict
    status = "fail" if reasons else verdict.status
    return Verdict(status, verdict.reasons + reasons, verdict.notes, verdict.warnings + told)


def fingerprint(root: Path, params: Params) -> str:
    digest = hashlib.sha256()
    for relative in ("params.yaml", "dvc.lock", params.paths.validation_report):
        path = root / relative
        digest.update(path.read_bytes() if path.is_file() else b"-")
    return digest.hexdigest()


def _out_of_bounds(metric: MetricDelta, rule: GateRule) -> list[str]:
    reasons = []
    if rule.min is not None and metric.branch < rule.min:
        reasons.append(f"{metric.name} is {metric.branch:.4f}, below its minimum {rule.min:g}.")
    if rule.max is not None and metric.branch > rule.max:
        reasons.append(f"{metric.name} is {metric.branch:.4f}, above its maximum {rule.max:g}.")
    return reasons


def _regression(metric: MetricDelta, rule: GateRule, baseline: str, level: str) -> list[str]:
    """Worse than the baseline beyond tolerance: the whole interval, else the point estimate."""
    gain, _, high = metric.improvement
    if rule.tolerance is None or not math.isfinite(gain):
        return []
    worse = f"{metric.name} is worse than {baseline} by {abs(metric.delta):.4f}"
    if math.isfinite(high) and high < -rule.tolerance:
        return [
            f"{worse} ({level} CI of the change {_signed(metric.low)} to "
            f"{_signed(metric.high)}), beyond its tolerance {rule.tolerance:g}."
        ]
    if not math.isfinite(high) and gain < -rule.tolerance:
        return [
            f"{worse}, beyond its tolerance {rule.tolerance:g} "
            "(no paired interval: the rows differ)."
        ]
    return []


def _movement(metric: MetricDelta, level: str) -> str:
    gain = metric.improvement[0]
    word = "better" if gain > 0 else "worse"
    return (
        f"{metric.name} {_signed(metric.delta)} ({level} CI {_signed(metric.low)} to "
        f"{_signed(metric.high)}): significantly {word}."
    )


def possessive(name: str) -> str:
    return "its" if name == "the baseline" else f"{name}'s"


def _signed(value: float) -> str:
    return f"{value:+.4f}"
