from __future__ import annotations

import numpy as np

from gitml.ml.plots import classification_plots, regression_plots

TRUTH = np.array(["no", "yes"] * 50)
YES = np.where(TRUTH == "yes", 0.7, 0.3) + np.linspace(-0.2, 0.2, 100)


def _binary(truth: np.ndarray, **options: int) -> dict[str, list[dict[str, object]]]:
    proba = np.c_[1 - YES, YES]
    predicted = np.where(YES >= 0.5, "yes", "no")
    settings = {"max_points": 5, "bins": 4, "confusion_rows": 30, "seed": 0} | options
    return classification_plots(
        truth, predicted, proba, classes=["no", "yes"], positive="yes", **settings
    )


def test_binary_plots_are_small_tables_of_points_with_both_curve_ends() -> None:
    plots = _binary(TRUTH)
    assert set(plots) == {"confusion", "roc", "precision_recall", "calibration"}
    roc = plots["roc"]
    assert len(roc) <= 5
    assert (roc[0], roc[-1]) == ({"fpr": 0.0, "tpr": 0.0}, {"fpr": 1.0, "tpr": 1.0})
    assert plots["precision_recall"][0]["recall"] == 0.0
    assert plots["precision_recall"][-1]["recall"] == 1.0
    assert len(plots["calibration"]) <= 4
    assert set(plots["calibration"][0]) == {"mean_predicted", "fraction_positive"}


def test_the_confusion_rows_are_a_capped_sample_of_actual_and_predicted_as_text() -> None:
    rows = _binary(TRUTH)["confusion"]
    assert len(rows) == 30
    assert {row["actual"] for row in rows} <= {"no", "yes"}
    assert rows == _binary(TRUTH)["confusion"]  # the same seed, the same sample
    assert len(_binary(TRUTH, confusion_rows=500)["confusion"]) == 100  # all rows when fewer


def test_a_test_set_of_one_class_has_no_curves() -> None:
    assert set(_binary(np.array(["no"] * 100))) == {"confusion"}


def test_regression_plots_sample_predicted_against_actual() -> None:
    truth = np.arange(100, dtype=float)
    rows = regression_plots(truth, truth * 2, max_points=10, seed=0)["predicted_vs_actual"]
    assert len(rows) == 10
    assert all(row["predicted"] == 2 * row["actual"] for row in rows)
    assert [row["actual"] for row in rows] == sorted(row["actual"] for row in rows)
