"""Mermaid xychart blocks that GitHub renders inside a comment: no image is uploaded anywhere.

xychart has no legend, so each chart fixes its series colours (theme variable
`plotColorPalette`) and the caption under it names them with matching coloured squares.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gitml.ml.curves import precision_recall_curve, roc_curve

BASELINE_COLOUR, BRANCH_COLOUR, IDEAL_COLOUR = "#ff7f0e", "#1f77b4", "#9e9e9e"
BASELINE_KEY, BRANCH_KEY, IDEAL_KEY = "🟧", "🟦", "⬜"
GRID = np.linspace(0, 1, 21)
# The longest text a chart shows whole. Measured in Chromium with mermaid's default 700-pixel
# xychart: a 56-character title takes about 560 pixels, an 80-character one runs off both
# edges. Axis and category labels are shorter, so that ten of them do not overlap.
TITLE_CHARS, LABEL_CHARS = 60, 40


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float] | np.ndarray
    colour: str
    key: str  # the coloured square the caption uses for it
    kind: str = "line"  # "line" | "bar"


def xychart(
    title: str,
    *,
    x_title: str,
    x_axis: Sequence[str] | tuple[float, float],
    y_title: str,
    y_range: tuple[float, float],
    series: Sequence[Series],
    horizontal: bool = False,
) -> str:
    """A fenced mermaid block followed by its caption (the legend xychart lacks)."""
    palette = ", ".join(s.colour for s in series)
    init = {"themeVariables": {"xyChart": {"plotColorPalette": palette}}}
    if isinstance(x_axis, tuple):
        x_line = f"x-axis {_quote(x_title)} {_number(x_axis[0])} --> {_number(x_axis[1])}"
    else:
        x_line = f"x-axis {_quote(x_title)} [{', '.join(_quote(label) for label in x_axis)}]"
    lines = [
        "```mermaid",
        f"%%{{init: {json.dumps(init)}}}%%",
        "xychart-beta" + (" horizontal" if horizontal else ""),
        f"    title {_quote(title, TITLE_CHARS)}",
        f"    {x_line}",
        f"    y-axis {_quote(y_title)} {_number(y_range[0])} --> {_number(y_range[1])}",
    ]
    for s in series:
        lines.append(f"    {s.kind} [{', '.join(_number(v) for v in s.values)}]")
    lines.append("```")
    caption = " · ".join(f"{s.key} {s.name}" for s in series)
    return "\n".join(lines) + f"\n\n{caption}\n"


def roc_points(is_positive: np.ndarray, score: np.ndarray) -> np.ndarray:
    """True positive rate at each false positive rate of GRID (a step function, interpolated)."""
    fpr, tpr = roc_curve(is_positive, score)
    return np.asarray(np.interp(GRID, fpr, tpr))


def precision_points(is_positive: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Interpolated precision (the best precision at this recall or more) at each GRID recall."""
    precision, recall = precision_recall_curve(is_positive, score)
    order = np.argsort(recall, kind="stable")
    recall, precision = recall[order], precision[order]
    best_from_here = np.maximum.accumulate(precision[::-1])[::-1]
    index = np.searchsorted(recall, GRID, side="left").clip(max=len(recall) - 1)
    return np.asarray(best_from_here[index])


def binned_means(
    truth: np.ndarray, predicted: Sequence[np.ndarray], bins: int = 10
) -> tuple[list[str], list[np.ndarray]]:
    """Mean of the truth and of each prediction per quantile bin of the truth."""
    edges = np.unique(np.quantile(truth, np.linspace(0, 1, bins + 1)))
    which = np.clip(np.searchsorted(edges, truth, side="right") - 1, 0, len(edges) - 2)
    used = np.unique(which)
    labels = [_number(float(np.mean(truth[which == b])), 3) for b in used]
    means = [np.array([np.mean(p[which == b]) for b in used]) for p in [truth, *predicted]]
    return labels, means


def _quote(text: str, limit: int = LABEL_CHARS) -> str:
    """A double-quoted xychart label; quotes and brackets inside would end it early.

    xychart neither wraps nor shrinks text, so a longer label is cut, visibly (…).
    """
    cleaned = "".join(c for c in str(text) if c not in '"[]{}`;#%\n\r')
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1] + "…"
    return f'"{cleaned}"'


def _number(value: float, digits: int = 4) -> str:
    """Positional notation with `digits` significant digits: xychart cannot parse an exponent
    (1e-05), NaN or inf."""
    if not np.isfinite(value):
        raise ValueError(f"xychart cannot plot {value}")
    text = np.format_float_positional(value, precision=digits, fractional=False, trim="-")
    return "0" if text == "-0" else text
