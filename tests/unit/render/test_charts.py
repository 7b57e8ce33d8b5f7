from __future__ import annotations

import numpy as np
import pytest

from gitml.render.charts import (
    BRANCH_COLOUR,
    BRANCH_KEY,
    GRID,
    IDEAL_COLOUR,
    IDEAL_KEY,
    Series,
    binned_means,
    precision_points,
    roc_points,
    xychart,
)


def test_a_chart_is_a_mermaid_block_with_its_palette_and_a_caption_for_a_legend() -> None:
    text = xychart(
        'ROC "branch" [test]',
        x_title="false positive rate",
        x_axis=(0.0, 1.0),
        y_title="true positive rate",
        y_range=(0.0, 1.0),
        series=[
            Series("branch", [0.0, 0.00001, 1.0], BRANCH_COLOUR, BRANCH_KEY),
            Series("chance", [0.0, 0.5, 1.0], IDEAL_COLOUR, IDEAL_KEY, kind="bar"),
        ],
    )
    lines = text.splitlines()
    assert lines[0] == "```mermaid"
    assert f'"plotColorPalette": "{BRANCH_COLOUR}, {IDEAL_COLOUR}"' in lines[1]
    assert lines[2:8] == [
        "xychart-beta",
        '    title "ROC branch test"',  # quotes and brackets would end the label early
        '    x-axis "false positive rate" 0 --> 1',
        '    y-axis "true positive rate" 0 --> 1',
        "    line [0, 0.00001, 1]",  # positional: xychart cannot parse 1e-05
        "    bar [0, 0.5, 1]",
    ]
    assert text.endswith("```\n\n🟦 branch · ⬜ chance\n")


def test_category_labels_are_quoted_and_long_ones_cut_visibly() -> None:
    text = xychart(
        "importance",
        x_title="feature",
        x_axis=["plan", "x" * 50],
        y_title="drop",
        y_range=(-0.5, 2.0),
        series=[Series("branch", [1.0, 2.0], BRANCH_COLOUR, BRANCH_KEY, kind="bar")],
        horizontal=True,
    )
    assert "xychart-beta horizontal" in text
    assert f'    x-axis "feature" ["plan", "{"x" * 39}…"]' in text
    assert '    y-axis "drop" -0.5 --> 2' in text


def test_a_value_xychart_cannot_plot_is_refused() -> None:
    series = [Series("branch", [0.1, float("nan")], BRANCH_COLOUR, BRANCH_KEY)]
    with pytest.raises(ValueError, match="xychart cannot plot nan"):
        xychart("t", x_title="x", x_axis=(0, 1), y_title="y", y_range=(0, 1), series=series)


def test_a_perfect_score_reaches_the_top_left_corner() -> None:
    truth = np.array([0, 0, 1, 1])
    roc = roc_points(truth, np.array([0.1, 0.2, 0.8, 0.9]))
    assert roc.shape == GRID.shape
    assert roc[0] == 1.0
    assert (roc == 1.0).all()
    assert (precision_points(truth, np.array([0.1, 0.2, 0.8, 0.9])) == 1.0).all()


def test_an_inverted_score_is_below_the_diagonal() -> None:
    truth = np.array([0, 0, 1, 1])
    roc = roc_points(truth, np.array([0.9, 0.8, 0.2, 0.1]))
    assert (roc <= GRID + 1e-12).all()
    assert roc[-1] == 1.0


def test_binned_means_average_truth_and_each_prediction_per_truth_bin() -> None:
    truth = np.arange(10, dtype=float)
    labels, means = binned_means(truth, [truth + 1.0], bins=2)
    assert labels == ["2", "7"]
    np.testing.assert_allclose(means[0], [2.0, 7.0])
    np.testing.assert_allclose(means[1], [3.0, 8.0])
