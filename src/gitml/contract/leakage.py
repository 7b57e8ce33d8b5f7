"""Target leakage: a feature that alone predicts the target almost perfectly.

Such a column is usually the target under another name or measured after it (`hhi2` beside
`hhi`): the model scores well offline and fails on rows where the column is not yet known.
Shared by `gitml infer-contract` (on the draft) and `gitml train` (on the training split).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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
    half = len(rows) // 2
    fit, held = rows.iloc[:half], rows.iloc[half:]
    leaks = []
    for column in features:
        score = _score_alone(_numbers(rows[column]), fit.index, held.index, rows[target], task)
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


def _score_alone(
    column: pd.Series, fit: pd.Index, held: pd.Index, target: pd.Series, task: str
) -> float | None:
    import numpy as np
    from sklearn.metrics import r2_score, roc_auc_score
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    # sklearn's trees send a gap down a branch of its own; inf (allow_inf) is a gap here
    finite = column.replace([np.inf, -np.inf], np.nan).to_frame()
    x_fit, x_held = finite.loc[fit], finite.loc[held]
    y_fit, y_held = target.loc[fit], target.loc[held]
    if task == "regression":
        tree = DecisionTreeRegressor(max_depth=DEPTH, random_state=0).fit(x_fit, y_fit)
        return float(r2_score(y_held, tree.predict(x_held)))
    labels = y_fit.astype(str)
    if labels.nunique() < 2 or not y_held.astype(str).isin(set(labels)).all():
        return None  # a class the fitting half lacks: no score to trust
    classifier = DecisionTreeClassifier(max_depth=DEPTH, random_state=0).fit(x_fit, labels)
    proba = classifier.predict_proba(x_held)
    truth = y_held.astype(str)
    if truth.nunique() < 2:
        return None
    if len(classifier.classes_) == 2:
        return float(roc_auc_score(truth == classifier.classes_[1], proba[:, 1]))
    try:
        return float(roc_auc_score(truth, proba, multi_class="ovr", labels=classifier.classes_))
    except ValueError:  # a class absent from the held-out half
        return None
