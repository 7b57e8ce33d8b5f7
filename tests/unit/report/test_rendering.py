"""Every chart and table the report can produce renders: real mermaid in headless Chromium."""

import dataclasses

import numpy as np
import pytest

from gitml.config.params import GateParams
from gitml.ml.bootstrap import paired_bootstrap, scorer
from gitml.render.markdown import Section, render
from gitml.report import sections
from gitml.report.compare import ModelComparison, Scored
from gitml.report.rules import Rules
from tests.support.render import report_problems, require_renderer


def comparison(task: str, seed: int = 0) -> ModelComparison:
    rng = np.random.default_rng(seed)
    n = 400
    if task == "regression":
        truth = rng.normal(1e-5, 3e-5, n)  # tiny values: python would print 1e-05
        sides = [Scored(truth, truth + rng.normal(0, s, n), None) for s in (2e-5, 1e-5)]
        classes, positive = [], None
    else:
        classes, positive = ["stay", "leave"], "leave"
        truth = np.where(rng.random(n) < 0.3, "leave", "stay")
        sides = []
        for signal in (1.0, 2.0):
            p = 1 / (1 + np.exp(-(signal * (truth == "leave") + rng.normal(size=n) - 1)))
            predicted = np.where(p >= 0.5, "leave", "stay")
            sides.append(Scored(truth, predicted, np.column_stack([1 - p, p])))
    scorers = [scorer(task, s.truth, s.predicted, s.proba, classes, positive) for s in sides]
    metrics = paired_bootstrap(scorers[0], scorers[1], n, resamples=100)
    return ModelComparison(
        task, classes, positive, n, "same rows", "note", metrics, baseline=sides[0], branch=sides[1]
    )


GATE = GateParams.model_validate(
    {"rules": {"binary": {"roc_auc": {"min": 0.5, "tolerance": 0.01}}}}
)
IMPORTANCE = {
    "branch": [
        {"feature": 'odd "quoted" <name>', "importance": 0.2, "score": "fall in roc_auc"},
        {"feature": "ünïcode, comma", "importance": 3e-6},
        {"feature": "negative", "importance": -0.01},
    ],
    "baseline": [{"feature": "negative", "importance": 0.01}],
}


@pytest.mark.parametrize("task", ["binary", "regression"])
def test_plots_and_tables_render(task: str) -> None:
    require_renderer()
    result = comparison(task)
    text = render(
        "## title\n",
        [
            Section("Metrics", sections.metrics(result, Rules(GATE, 0.95), "main", {}), 1),
            Section("Plots", sections.plots(result, IMPORTANCE, 10, "main"), 2),
            Section("Confusion", sections.confusion(result, 12) or "none\n", 3, collapsed=True),
        ],
        "footer\n",
        None,
    )

    assert text.count("```mermaid") == (3 if task == "binary" else 2)
    assert report_problems(text) == []


def test_the_importance_chart_names_the_score_it_measures() -> None:
    text = sections.plots(comparison("binary"), IMPORTANCE, 10, "main")
    assert "fall in roc_auc when shuffled" in text


def test_a_negative_importance_is_drawn_as_it_is_with_zero_marked() -> None:
    # given a feature whose shuffling made the model better (-0.01)
    text = sections.plots(comparison("binary"), IMPORTANCE, 10, "main")

    # then its bar is -0.01 on an axis that reaches below 0, with a line at 0
    chart = text[text.index("Top feature importances") :]
    assert "    bar [0.2, 0.000003, -0.01]" in chart
    assert 'y-axis "fall in roc_auc when shuffled" -0.011 --> 0.22' in chart
    assert "    line [0, 0, 0]" in chart
    assert "⬜ 0: no effect" in chart
    assert "| negative | 0.0100 | -0.0100 |" in chart


def test_importance_without_negatives_starts_at_zero() -> None:
    importance = {"branch": [{"feature": "tenure", "importance": 0.1}]}
    chart = sections.plots(comparison("binary"), importance, 10, "main")
    assert 'shuffled" 0 --> 0.11' in chart
    assert "no effect" not in chart


def test_the_baselines_top_features_the_branch_dropped_are_listed() -> None:
    # given a branch without the baseline's strongest feature
    importance = IMPORTANCE | {
        "baseline": [
            {"feature": "tenure", "importance": 0.1},
            {"feature": "negative", "importance": 0.01},
        ]
    }

    # when the importance table is drawn, then the dropped feature is a row of its own
    text = sections.plots(comparison("binary"), importance, 10, "main")
    assert "| tenure | 0.1000 | not a feature |" in text
    assert sections.plots(comparison("binary"), importance, 1, "main").count("| tenure |") == 1


def test_importance_of_an_incomparable_baseline_is_not_shown_beside_the_branchs() -> None:
    comparable = sections.plots(comparison("binary"), IMPORTANCE, 10, "main")
    assert "| feature | main | branch |" in comparable
    other = dataclasses.replace(comparison("binary"), not_comparable="the target changed")
    text = sections.plots(other, IMPORTANCE, 10, "main")
    assert "| feature | branch |" in text
    assert "| feature | main |" not in text


@pytest.mark.parametrize("task", ["binary", "regression"])
def test_no_chart_title_is_cut(task: str) -> None:
    text = sections.plots(comparison(task), IMPORTANCE, 10, "main")
    titles = [line.strip() for line in text.splitlines() if line.strip().startswith("title ")]

    assert titles
    assert not [title for title in titles if "…" in title]
    if task == "regression":
        assert 'title "Predicted vs actual: mean per decile of the actual value"' in titles


def test_a_label_too_long_for_a_chart_is_cut_visibly() -> None:
    long_name = "a feature name far too long for one category label"
    importance = {"branch": [{"feature": long_name, "importance": 0.2}]}

    text = sections.plots(comparison("binary"), importance, 10, "main")

    assert '["a feature name far too long for one cat…"]' in text
    assert f"| {long_name} |" in text  # the table under the chart has it whole


def test_a_small_test_set_is_said_under_the_metrics() -> None:
    # given a comparison on 30 test rows, 3 of them of the class 'leave'
    full = comparison("binary")
    truth = np.array(["leave"] * 3 + ["stay"] * 27)
    small = dataclasses.replace(
        full, rows=30, branch=Scored(truth, truth, np.tile([0.5, 0.5], (30, 1)))
    )

    # when the metrics are shown, then the warning names both problems and the fix
    text = sections.metrics(small, Rules(GATE, 0.95), "main", {})
    assert (
        "⚠️ The test set has 30 rows (fewer than 50) and fewer than 5 rows of class(es) "
        "'leave' (3 rows): the intervals are wide, so a real change can show as ≈. Add rows, "
        "or raise `split.test_size`." in text
    )
    assert "⚠️" not in sections.metrics(full, Rules(GATE, 0.95), "main", {})


def test_each_gated_metric_states_its_resolution() -> None:
    result = comparison("binary")
    auc = next(m for m in result.metrics if m.name == "roc_auc")

    text = sections.metrics(result, Rules(GATE, 0.95), "main", {})

    smallest = 0.01 + (auc.high - auc.low) / 2
    assert (
        "**Resolution**: the smallest fall the gate detects on these test rows (tolerance + "
        f"half the interval): roc_auc {smallest:.4f}." in text
    )
