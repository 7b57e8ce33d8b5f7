"""The rules a PR is judged by: the baseline's, so that a PR cannot loosen its own gate.

A PR that changes the gate or the intervals' confidence is judged by the baseline's rules
and told so; its rules apply once merged. A PR that switches the dataset sets the absolute
bounds for its own dataset (the baseline's judge the baseline's), said in a warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gitml.config.messages import problem_lines
from gitml.config.params import GateParams, GateRule, ReportParams


@dataclass(frozen=True)
class Rules:
    """What a PR is judged by: the gate and the confidence of its intervals, and a warning
    when the PR changes them (or the baseline's cannot be read)."""

    gate: GateParams
    confidence: float
    warning: str = ""


def judging_rules(
    gate: GateParams,
    confidence: float,
    baseline_params: dict[str, Any] | None,
    baseline: str = "the baseline",
    dataset: str | None = None,
) -> Rules:
    """The baseline's rules when there is a baseline: a PR must not loosen its own gate (a
    tolerance of 0.5, a confidence of 0.9999 that widens every interval past it). Rules a PR
    changes apply once it is merged. Without a baseline, the branch's rules apply.

    Absolute bounds (min, max) belong to a dataset: a PR that switches to another `dataset`
    (data.name) is held to the bounds it sets, said in the warning for review, while the
    baseline's tolerances and confidence still apply; the baseline's bounds keep judging the
    baseline's dataset."""
    from pydantic import ValidationError

    if baseline_params is None:
        return Rules(gate, confidence)
    their_confidence = (baseline_params.get("report") or {}).get(
        "confidence", ReportParams().confidence
    )
    section: type[GateParams | ReportParams] = GateParams
    try:
        theirs = GateParams.model_validate(baseline_params.get("gate") or {})
        section = ReportParams
        ReportParams(confidence=their_confidence)
    except ValidationError as exc:  # a baseline of an older gitml, say
        problems = "; ".join(line.strip() for line in problem_lines(exc, section).splitlines())
        return Rules(
            gate,
            confidence,
            f"The gate rules of {baseline} could not be read ({problems}); judged with the "
            "branch's.",
        )
    their_dataset = str((baseline_params.get("data") or {}).get("name") or "")
    bounds = ""
    if dataset and their_dataset and dataset != their_dataset:
        theirs, bounds = _own_bounds(theirs, gate, their_dataset, dataset, baseline)
    changed = _changed_keys(
        {"gate": theirs.model_dump(), "report.confidence": their_confidence},
        {"gate": gate.model_dump(), "report.confidence": confidence},
    )
    warning = ""
    if changed:
        warning = (
            f"This PR changes the gate rules ({', '.join(f'`{key}`' for key in changed)}); "
            f"judged with {baseline}'s; they apply after merge."
        )
    return Rules(theirs, float(their_confidence), " ".join(filter(None, (bounds, warning))))


def _own_bounds(
    theirs: GateParams, mine: GateParams, their_dataset: str, dataset: str, baseline: str
) -> tuple[GateParams, str]:
    """The baseline's rules with the branch's absolute bounds, and the warning that says so."""
    rules: dict[str, dict[str, GateRule]] = {}
    set_here = []
    for task in theirs.rules.keys() | mine.rules.keys():
        names = theirs.rules.get(task, {}).keys() | mine.rules.get(task, {}).keys()
        for name in sorted(names):
            old = theirs.rules.get(task, {}).get(name, GateRule())
            new = mine.rules.get(task, {}).get(name, GateRule())
            rules.setdefault(task, {})[name] = GateRule(
                min=new.min, max=new.max, tolerance=old.tolerance
            )
            for key in ("min", "max"):
                if getattr(new, key) is not None:
                    set_here.append(f"`{task}.{name}` {key} {getattr(new, key):g}")
    shown = ", ".join(set_here) or "none"
    warning = (
        f"**This PR switches the dataset from `{their_dataset}` to `{dataset}`: the absolute "
        f"bounds are set by this PR ({shown}); review them.** {baseline}'s bounds judge "
        f"`{their_dataset}`; its tolerances and confidence still apply."
    )
    return GateParams(contract=theirs.contract, rules=rules), warning  # type: ignore[arg-type]


def _changed_keys(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    old, new = flatten(before), flatten(after)
    return sorted(key for key in old.keys() | new.keys() if old.get(key) != new.get(key))


def flatten(tree: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted keys → values (lists stay whole: a contract's allowed values are one param)."""
    if isinstance(tree, dict) and tree:
        flat: dict[str, Any] = {}
        for key, value in tree.items():
            flat |= flatten(value, f"{prefix}{key}.")
        return flat
    return {prefix.rstrip("."): tree}
