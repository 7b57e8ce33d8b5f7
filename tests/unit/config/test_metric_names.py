from __future__ import annotations

import numpy as np
import pytest

from gitml.config.metric_names import HEADLINE, LOWER_IS_BETTER, SLICE_METRICS
from gitml.ml.metrics import compute_metrics


def test_every_task_names_its_headline_and_slice_metrics() -> None:
    assert set(HEADLINE) == set(SLICE_METRICS) == {"binary", "multiclass", "regression"}
    for task, names in SLICE_METRICS.items():
        assert set(names) <= set(HEADLINE[task]), task


def test_lower_is_better_names_only_headline_metrics() -> None:
    every = {name for names in HEADLINE.values() for name in names}
    assert every >= LOWER_IS_BETTER
    assert "log_loss" in LOWER_IS_BETTER
    assert "rmse" in LOWER_IS_BETTER
    assert "roc_auc" not in LOWER_IS_BETTER
    assert "r2" not in LOWER_IS_BETTER


@pytest.mark.parametrize("task", ["binary", "regression"])
def test_the_metrics_module_computes_exactly_the_headline_names(task: str) -> None:
    rng = np.random.default_rng(0)
    if task == "binary":
        y_true = np.array([0, 1] * 20)
        proba = np.clip(y_true * 0.6 + rng.uniform(0, 0.4, 40), 0, 1)
        predicted = (proba > 0.5).astype(int)
        metrics = compute_metrics(
            task, y_true, predicted, np.c_[1 - proba, proba], classes=[0, 1], positive=1
        )
    else:
        y_true = rng.normal(size=40)
        metrics = compute_metrics(task, y_true, y_true + rng.normal(scale=0.1, size=40), None)
    assert tuple(metrics) == HEADLINE[task]
