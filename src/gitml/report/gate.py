"""The merge gate: absolute bounds, tolerated regressions and the data contract, judged once.

`gitml report` shows this verdict and `gitml gate` enforces it, from the same inputs (the
report's JSON), so the comment and the check can never disagree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

from gitml.config import GateParams
from gitml.report.bootstrap import MetricDelta

Status = Literal["pass", "fail", "no change"]


@dataclass(frozen=True)
class Verdict:
    status: Status
    reasons: list[str] = field(default_factory=list)  # why it fails, every one
    notes: list[str] = field(default_factory=list)  # what moved significantly, for context


def judge(
    task: str,
    metrics: list[MetricDelta],
    gate: GateParams,
    confidence: float,
    contract: dict[str, Any] | None = None,
    stale: list[str] | None = None,
    identical: bool = False,
    baseline: str = "the baseline",
) -> Verdict:
    """Collect every reason to fail; no reason and identical outputs is "no change"."""
    reasons: list[str] = []
    if contract is not None and not contract.get("passed", True) and gate.contract:
        failures = contract.get("failures", [])
        checks = ", ".join(sorted({f"{f['column']}: {f['check']}" for f in failures})[:5])
        reasons.append(f"The data breaks its contract: {len(failures)} failed check(s) ({checks}).")
    elif stale:
        reasons.append(
            f"The pipeline outputs are out of date (stages: {', '.join(stale)}); "
            "run `dvc repro` and commit dvc.lock."
        )
    if reasons:
        return Verdict("fail", reasons)
    by_name = {metric.name: metric for metric in metrics}
    level = f"{confidence:.0%}"
    for name, rule in gate.rules.get(task, {}).items():  # type: ignore[call-overload]
        metric = by_name.get(name)
        if metric is None or not math.isfinite(metric.branch):
            reasons.append(f"{name} is undefined on the branch's test rows; it is gated.")
            continue
        if rule.min is not None and metric.branch < rule.min:
            reasons.append(f"{name} is {metric.branch:.4f}, below its minimum {rule.min:g}.")
        if rule.max is not None and metric.branch > rule.max:
            reasons.append(f"{name} is {metric.branch:.4f}, above its maximum {rule.max:g}.")
        gain, _, high = metric.improvement
        if rule.tolerance is None or not math.isfinite(gain):
            continue
        if math.isfinite(high) and high < -rule.tolerance:
            reasons.append(
                f"{name} is worse than {baseline} by {abs(metric.delta):.4f} "
                f"({level} CI of the change {_signed(metric.low)} to {_signed(metric.high)}), "
                f"beyond its tolerance {rule.tolerance:g}."
            )
        elif not math.isfinite(high) and gain < -rule.tolerance:
            reasons.append(
                f"{name} is worse than {baseline} by {abs(metric.delta):.4f}, beyond its "
                f"tolerance {rule.tolerance:g} (no paired interval: the rows differ)."
            )
    notes = [_movement(metric, level) for metric in metrics if _significant(metric)]
    if reasons:
        return Verdict("fail", reasons, notes)
    return Verdict("no change" if identical else "pass", [], notes)


def _significant(metric: MetricDelta) -> bool:
    _, low, high = metric.improvement
    return math.isfinite(low) and (low > 0 or high < 0)


def _movement(metric: MetricDelta, level: str) -> str:
    gain = metric.improvement[0]
    word = "better" if gain > 0 else "worse"
    return (
        f"{metric.name} {_signed(metric.delta)} ({level} CI {_signed(metric.low)} to "
        f"{_signed(metric.high)}): significantly {word}."
    )


def _signed(value: float) -> str:
    return f"{value:+.4f}"
