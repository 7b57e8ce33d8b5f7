"""The rules a PR is judged by: the baseline's gate and confidence, told when the PR changes
them, and the PR's own absolute bounds when it switches the dataset."""

import math

from gitml.config.params import GateParams, GateRule
from gitml.report.gate import judge
from gitml.report.rules import Rules, judging_rules
from tests.unit.report.test_gate import ROC_ONLY, delta

LOOSE = GateParams(rules={"binary": {"roc_auc": GateRule(min=0.75, tolerance=0.5)}})
MAIN_PARAMS = {"gate": ROC_ONLY.model_dump(), "report": {"confidence": 0.95}}


def test_a_pr_is_judged_by_the_baselines_gate_rules_and_told_when_it_changes_them() -> None:
    # given a branch that loosens its own tolerance and widens its intervals
    rules = judging_rules(LOOSE, 0.9999, MAIN_PARAMS, "main")

    assert rules.gate == ROC_ONLY
    assert rules.confidence == 0.95
    assert rules.warning == (
        "This PR changes the gate rules (`gate.rules.binary.roc_auc.tolerance`, "
        "`report.confidence`); judged with main's; they apply after merge."
    )


def test_without_a_baseline_the_branchs_rules_apply() -> None:
    assert judging_rules(LOOSE, 0.95, None, "main") == Rules(LOOSE, 0.95)
    assert judging_rules(ROC_ONLY, 0.95, MAIN_PARAMS, "main").warning == ""


def test_unreadable_baseline_rules_are_said_and_the_branchs_apply() -> None:
    broken = {"gate": {"rules": {"binary": {"rmse": {"tolerance": 1}}}}}

    rules = judging_rules(ROC_ONLY, 0.95, broken, "main")

    assert rules.gate == ROC_ONLY
    assert rules.warning.startswith("The gate rules of main could not be read (rules.binary")


NEW_DATA = GateParams(rules={"binary": {"roc_auc": GateRule(min=0.6, tolerance=0.5)}})
CHURN_MAIN = {**MAIN_PARAMS, "data": {"name": "churn"}}


def test_a_dataset_switch_is_held_to_the_bounds_it_sets_and_the_baselines_tolerance() -> None:
    rules = judging_rules(NEW_DATA, 0.95, CHURN_MAIN, "main", dataset="fraud")

    assert rules.gate.rules["binary"]["roc_auc"] == GateRule(min=0.6, tolerance=0.01)
    assert rules.warning.startswith(
        "**This PR switches the dataset from `churn` to `fraud`: the absolute bounds are set "
        "by this PR (`binary.roc_auc` min 0.6); review them.** main's bounds judge `churn`"
    )
    assert "`gate.rules.binary.roc_auc.tolerance`" in rules.warning  # not loosened by the PR
    # so a new dataset's 0.65 passes its own bound, not main's 0.75
    metric = delta("roc_auc", math.nan, 0.65, math.nan, math.nan)
    verdict = judge("binary", [metric], rules.gate, 0.95, not_comparable="the dataset changed")
    assert verdict.status == "not comparable"


def test_the_same_dataset_keeps_the_baselines_bounds() -> None:
    rules = judging_rules(NEW_DATA, 0.95, CHURN_MAIN, "main", dataset="churn")

    assert rules.gate == ROC_ONLY
    assert "switches the dataset" not in rules.warning
