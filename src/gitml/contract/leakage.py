"""Target leakage: a feature that alone predicts the target almost perfectly.

Such a column is usually the target under another name or measured after it (`hhi2` beside
`hhi`): the model scores well offline and fails on rows where the column is not yet known.
Shared by `gitml infer-contract` (on the draft) and `gitml train` (on the training split).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

MAX_ROWS = 5000  # a bounded sample: the check must stay cheap on a wide, long table
MIN_ROWS = 40  # fewer leave too few held-out rows to tell a leak from luck
DEPTH = 4  # a shallow tree: enough for a threshold or a lookup of a few values
LEAK_SCORE = 0.95  # ROC AUC (binary, multiclass one-vs-rest) or r2 (regression)


@dataclass(frozen=True)
class Leak:
    column: str
    metric: str
    score: float


def find_leaks(
    frame: pd.DataFrame, features: list[str], target: str, task: str, seed: int = 0
) -> list[Leak]:
    """The features whose shallow tree, fit on half the rows, scores ≥ LEAK_SCORE on the other.

    Rows without a target are left out; a column's gaps are a value of their own.
    """
    rows = frame[[*features, target]].dropna(subset=[target])
    if len(rows) < MIN_ROWS or rows[target].nunique() < 2:
        return []
    rows = rows.sample(min(len(rows), MAX_ROWS), random_state=seed)
    halves = _split_target(rows[target], len(rows) // 2, task)
    if halves is None:
        return []
    leaks = []
    # columns holding the same values score the same: in a sample of a wide table many do
    # (indicator columns all 0, codes repeated), and a tree per column is the check's cost
    scores: dict[bytes, float | None] = {}
    for column in features:
        values = _tree_input(_numbers(rows[column]))
        key = values.tobytes()
        if key not in scores:
            scores[key] = _score_alone(values, halves)
        score = scores[key]
        if score is not None and score >= LEAK_SCORE:
            leaks.append(Leak(column, "r2" if task == "regression" else "ROC AUC", score))
    return leaks


def leak_warning(leaks: list[Leak], target: str, where: str) -> str | None:
    """One message naming every leaking feature, with its score and what to do."""
    if not leaks:
        return None
    shown = ", ".join(f"{leak.column} ({leak.metric} {leak.score:.3f})" for leak in leaks)
    return (
        f"Possible target leakage: alone, {shown} predicts {target!r} almost perfectly (a "
        f"depth-{DEPTH} tree on half the rows, scored on the other half; ≥ {LEAK_SCORE}). If "
        f"such a column is known only after the target, or is the target under another name, "
        f"set feature: false for it in {where}; if it is truly known at prediction time, "
        "ignore this."
    )


def _numbers(values: pd.Series) -> pd.Series:
    import pandas as pd

    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
        return values.astype("float64")
    codes, _ = pd.factorize(values.astype("string"))  # text and categories: a code per value
    return pd.Series(codes, index=values.index, dtype="float64").where(codes >= 0)


@dataclass(frozen=True)
class _Halves:
    """The target split once for every column: fit on the first half, score on the second."""

    half: int
    task: str
    fit: np.ndarray  # numbers (regression) or class names as text
    held: np.ndarray
    classes: np.ndarray  # the fitting half's sorted class names; empty for regression


def _split_target(target: pd.Series, half: int, task: str) -> _Halves | None:
    """The halves of the target, or None when no column's score could be trusted."""
    import numpy as np

    if task == "regression":
        values = target.to_numpy(dtype="float64")
        return _Halves(half, task, values[:half], values[half:], np.array([]))
    labels = target.astype(str).to_numpy()
    fit, held = labels[:half], labels[half:]
    classes = np.unique(fit)
    if len(classes) < 2 or not np.isin(held, classes).all() or len(np.unique(held)) < 2:
        return None  # a class the fitting half lacks, or one class held out: nothing to score
    return _Halves(half, task, fit, held, classes)


def _tree_input(column: pd.Series) -> np.ndarray:
    """The column as a tree's one feature: float64, with gaps (and inf) as NaN."""
    import numpy as np

    # sklearn's trees send a gap down a branch of its own; inf (allow_inf) is a gap here
    values = column.to_numpy(dtype="float64", na_value=np.nan)
    return np.where(np.isinf(values), np.nan, values)[:, np.newaxis]


def _score_alone(values: np.ndarray, halves: _Halves) -> float | None:
    import numpy as np
    from sklearn.metrics import r2_score
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    x_fit, x_held = values[: halves.half], values[halves.half :]
    if halves.task == "regression":
        tree = DecisionTreeRegressor(max_depth=DEPTH, random_state=0).fit(x_fit, halves.fit)
        return float(r2_score(halves.held, tree.predict(x_held)))
    classifier = DecisionTreeClassifier(max_depth=DEPTH, random_state=0).fit(x_fit, halves.fit)
    proba = classifier.predict_proba(x_held)
    if len(halves.classes) == 2:
        return roc_auc(halves.held == halves.classes[1], proba[:, 1])
    # one-vs-rest, each class's AUC weighing the same (sklearn's multi_class="ovr" macro mean)
    per_class = [roc_auc(halves.held == name, proba[:, k]) for k, name in enumerate(halves.classes)]
    scored = [auc for auc in per_class if auc is not None]
    if len(scored) < len(per_class):
        return None  # a class absent from the held-out half
    return float(np.mean(scored))


def roc_auc(positive: np.ndarray, score: np.ndarray) -> float | None:
    """ROC AUC as the share of (positive, negative) pairs ranked right, a tie counting half:
    the area under sklearn's ROC curve, without its input checks (run once per column)."""
    import numpy as np

    positives = int(positive.sum())
    negatives = len(positive) - positives
    if positives == 0 or negatives == 0:
        return None
    _, group, counts = np.unique(score, return_inverse=True, return_counts=True)
    mid_rank = np.cumsum(counts) - (counts - 1) / 2  # 1-based; tied scores share their mean
    rank_sum = float(mid_rank[group][positive].sum())
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)
