import math
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from gitml.config.params import GateParams, GateRule, Params
from gitml.io import write_json
from gitml.ml.bootstrap import MetricDelta
from gitml.report.gate import judge, judge_summary, resolution
from gitml.report.rules import judging_rules
from gitml.report.summary import ReportSummary, read_summary


def delta(name: str, base: float, branch: float, low: float, high: float) -> MetricDelta:
    se = (high - low) / (2 * 1.96)  # the bootstrap's standard error, as a normal interval's
    return MetricDelta(name, base, branch, branch - base, low, high, name == "log_loss", se)


RULES = GateParams(
    rules={
        "binary": {
            "roc_auc": GateRule(min=0.75, tolerance=0.01),
            "log_loss": GateRule(max=0.6, tolerance=0.02),
        }
    }
)
ROC_ONLY = GateParams(rules={"binary": {"roc_auc": GateRule(min=0.75, tolerance=0.01)}})


def test_a_significant_improvement_passes_with_a_note() -> None:
    verdict = judge("binary", [delta("roc_auc", 0.80, 0.82, 0.01, 0.03)], ROC_ONLY, 0.95)

    assert verdict.status == "pass"
    assert verdict.reasons == []
    assert "significantly better" in verdict.notes[0]


@pytest.mark.parametrize(
    ("low", "high", "status"),
    [
        (-0.030, -0.012, "fail"),  # worse beyond tolerance with confidence
        (-0.030, 0.004, "pass within tolerance"),  # not past the tolerance with confidence
        (-0.009, -0.004, "pass within tolerance"),  # significantly worse, but within tolerance
    ],
)
def test_tolerance_applies_to_the_whole_interval(low: float, high: float, status: str) -> None:
    verdict = judge(
        "binary", [delta("roc_auc", 0.86, 0.84, low, high)], ROC_ONLY, 0.95, baseline="main"
    )

    assert verdict.status == status
    if status == "fail":
        assert verdict.reasons == [
            "roc_auc is worse than main by 0.0200 (95% CI of the change -0.0300 to -0.0120), "
            "beyond its tolerance 0.01."
        ]


def test_every_reason_is_collected_and_lower_is_better_is_oriented() -> None:
    metrics = [
        delta("roc_auc", 0.80, 0.70, -0.12, -0.08),
        delta("log_loss", 0.40, 0.65, 0.20, 0.30),  # up is worse for a loss
    ]

    verdict = judge("binary", metrics, RULES, 0.95)

    assert verdict.status == "fail"
    assert len(verdict.reasons) == 4  # two bounds, two regressions
    assert "roc_auc is 0.7000, below its minimum 0.75." in verdict.reasons
    assert "log_loss is 0.6500, above its maximum 0.6." in verdict.reasons


def test_a_broken_contract_fails_before_any_metric() -> None:
    contract = {
        "passed": False,
        "failures": [{"column": "age", "check": "in_range(0, 120)", "count": 3, "samples": []}],
    }

    verdict = judge("binary", [], RULES, 0.95, contract=contract, stale=["validate", "train"])

    assert verdict.status == "fail"
    assert verdict.reasons == [
        "The data breaks its contract: 1 failed check(s) (age: in_range(0, 120))."
    ]


def test_a_broken_contract_that_is_not_gated_fails_on_the_outputs_it_left_stale() -> None:
    contract = {"passed": False, "failures": []}
    not_gated = RULES.model_copy(update={"contract": False})

    verdict = judge("binary", [], not_gated, 0.95, contract=contract, stale=["train", "validate"])

    assert verdict.reasons == [
        "The pipeline outputs are out of date (stages: train, validate); the data breaks its "
        "contract (not gated: gate.contract is false), so `dvc repro` stops at validate and no "
        "model was trained on it."
    ]


def test_identical_outputs_are_no_change_and_undefined_gated_metrics_fail() -> None:
    same = [delta("roc_auc", 0.8, 0.8, 0.0, 0.0), delta("log_loss", 0.4, 0.4, 0.0, 0.0)]
    assert judge("binary", same, RULES, 0.95, identical=True).status == "no change"

    undefined = [delta("roc_auc", math.nan, math.nan, math.nan, math.nan)]
    verdict = judge("binary", undefined, ROC_ONLY, 0.95)
    assert verdict.status == "fail"
    assert "roc_auc is undefined" in verdict.reasons[0]


def stored(summary: dict[str, Any], tmp_path: Path) -> ReportSummary:
    """The summary as `gitml gate` reads it back: report.json has no NaN, only null."""
    write_json(tmp_path / "report.json", summary)
    return read_summary(tmp_path / "report.json")


def summary_of(metrics: list[MetricDelta], **fields: Any) -> dict[str, Any]:
    return {
        "task": "binary",
        "baseline": {"ref": "main", "commit": "0" * 40, "source": "DVC cache"},
        "contract": {"passed": True, "rows": 100, "failures": []},
        "stale": [],
        "identical": False,
        "metrics": [asdict(metric) for metric in metrics],
        **fields,
    }


def test_unpaired_metrics_read_back_from_report_json_are_judged_not_a_crash(
    params: Params, tmp_path: Path
) -> None:
    # given metrics with no paired interval, and one undefined on the branch, stored as null
    nan = math.nan
    metrics = [
        delta("roc_auc", 0.80, nan, nan, nan),
        delta("average_precision", 0.70, 0.66, nan, nan),
        delta("log_loss", nan, 0.40, nan, nan),  # no recorded baseline value
    ]
    summary = stored(summary_of(metrics, pairing="unpaired"), tmp_path)
    assert summary.metrics[0]["low"] is None

    # when the gate re-judges it
    verdict = judge_summary(summary, params)

    # then each rule is judged on what is defined
    assert verdict.status == "fail"
    assert verdict.reasons == [
        "roc_auc is undefined on the branch's test rows; it is gated.",
        "average_precision is worse than main by 0.0400, beyond its tolerance 0.02 "
        "(no paired interval: the rows differ).",
    ]


TARGET_CHANGED = "the target changed from `churned` to `fraud`"
NOT_COMPARED = (
    "Not compared with main: the target changed from `churned` to `fraud`, so main's metrics "
    "do not measure the same thing. Tolerance rules were skipped; absolute bounds (min, max) "
    "still apply to the branch's own metrics."
)


def test_metrics_that_are_not_comparable_skip_tolerance_but_keep_absolute_bounds() -> None:
    # a baseline value that would fail roc_auc's tolerance by far
    metrics = [delta("roc_auc", 0.95, 0.70, math.nan, math.nan)]

    verdict = judge(
        "binary", metrics, ROC_ONLY, 0.95, baseline="main", not_comparable=TARGET_CHANGED
    )

    assert verdict.status == "fail"
    assert verdict.reasons == ["roc_auc is 0.7000, below its minimum 0.75."]
    assert verdict.warnings == [NOT_COMPARED]


def test_a_branch_on_another_target_is_not_comparable_not_a_silent_pass(
    params: Params, tmp_path: Path
) -> None:
    nan = math.nan
    metrics = [
        delta("roc_auc", nan, 0.90, nan, nan),
        delta("average_precision", nan, 0.60, nan, nan),
        delta("log_loss", nan, 0.30, nan, nan),
    ]
    summary = summary_of(metrics, pairing="not comparable", not_comparable=TARGET_CHANGED)

    verdict = judge_summary(stored(summary, tmp_path), params)

    assert verdict.status == "not comparable"
    assert verdict.reasons == []
    assert verdict.warnings == [NOT_COMPARED]


def test_labels_edited_in_place_are_a_warning_in_any_verdict(
    params: Params, tmp_path: Path
) -> None:
    edited = "The target `churned` changed for 50 of the 400 rows both main and the branch have"
    metrics = [
        delta("roc_auc", 0.80, 0.82, 0.01, 0.03),
        delta("average_precision", 0.60, 0.61, -0.01, 0.03),
        delta("log_loss", 0.40, 0.39, -0.02, 0.00),
    ]
    summary = summary_of(metrics, pairing="rescored", target_changed=edited)

    verdict = judge_summary(stored(summary, tmp_path), params)

    assert verdict.status == "pass"
    assert verdict.warnings == [edited]


def test_the_gate_rejudges_with_the_rules_the_report_recorded(
    compose_params: Callable[..., Params], tmp_path: Path
) -> None:
    # given a branch whose params.yaml loosens every binary tolerance to 0.5
    loose = compose_params(
        "data.source.n_rows=2000",
        *(
            f"gate.rules.binary.{m}.tolerance=0.5"
            for m in ("roc_auc", "average_precision", "log_loss")
        ),
    )
    metrics = [
        delta("roc_auc", 0.86, 0.80, -0.08, -0.04),
        delta("average_precision", 0.60, 0.60, -0.01, 0.01),
        delta("log_loss", 0.40, 0.40, -0.01, 0.01),
    ]
    main_rules = judging_rules(
        loose.gate, 0.95, {"gate": compose_params().gate.model_dump()}, "main"
    )
    recorded = {
        "gate": main_rules.gate.model_dump(mode="json"),
        "confidence": main_rules.confidence,
        "warning": main_rules.warning,
    }
    summary = stored(summary_of(metrics, pairing="same rows", rules=recorded), tmp_path)

    verdict = judge_summary(summary, loose)

    assert verdict.status == "fail"
    assert verdict.reasons[0].startswith("roc_auc is worse than main by 0.0600")
    assert verdict.warnings[-1] == main_rules.warning
    assert main_rules.warning.startswith("This PR changes the gate rules (`gate.rules.binary.")


def test_notes_control_the_family_of_metrics() -> None:
    # given six metrics that each just clear their own 95% test (z about 2.1)
    metrics = [
        MetricDelta(name, 0.8, 0.79, -0.0105, -0.02, -0.001, False, se=0.005)
        for name in ("roc_auc", "average_precision", "accuracy", "f1", "brier_x", "other")
    ]

    verdict = judge("binary", metrics, ROC_ONLY, 0.95)

    # then none is significant once the family of six is controlled (Holm)
    assert verdict.notes == []
    assert verdict.status == "pass"


def test_notes_allow_for_the_training_seeds_spread() -> None:
    metric = MetricDelta("f1", 0.6, 0.59, -0.01, -0.015, -0.005, False, se=0.0025)

    alone = judge("binary", [metric], ROC_ONLY, 0.95)
    with_seed = judge("binary", [metric], ROC_ONLY, 0.95, seed_sd={"f1": 0.006})

    assert alone.notes == ["f1 -0.0100 (95% CI -0.0150 to -0.0050): significantly worse."]
    assert with_seed.notes == []


def test_a_pass_over_a_significant_fall_says_within_tolerance_and_what_fell() -> None:
    from gitml.report.sections import verdict as heading

    metrics = [MetricDelta("roc_auc", 0.86, 0.854, -0.006, -0.009, -0.003, False, se=0.0015)]

    verdict = judge("binary", metrics, ROC_ONLY, 0.95)

    assert verdict.status == "pass within tolerance"
    text = heading(verdict, "Branch against main.")
    assert text.startswith("## ✅ gitml report: PASS within tolerance")
    assert "Passes within tolerance; significantly worse: roc_auc." in text


def test_the_gate_says_when_it_cannot_see_a_regression_of_its_tolerance() -> None:
    # given 1,000 test rows: the interval is ±0.03 against a tolerance of 0.01
    wide = delta("roc_auc", 0.86, 0.847, -0.043, 0.017)
    narrow = delta("roc_auc", 0.86, 0.858, -0.006, 0.002)

    blind = judge("binary", [wide], ROC_ONLY, 0.95, baseline="main")
    seeing = judge("binary", [narrow], ROC_ONLY, 0.95, baseline="main")

    assert blind.status == "pass"  # a true 0.013 fall passes unseen, and it is said
    assert blind.warnings == [
        "The gate cannot see a roc_auc regression of its tolerance 0.01 here: the 95% interval "
        "is ±0.0300 wide on these test rows, so only a fall of about 0.0400 or more fails. "
        "Add test rows to see smaller ones."
    ]
    assert seeing.warnings == []
    assert resolution(narrow, ROC_ONLY.rules["binary"]["roc_auc"]) == pytest.approx(0.014)
