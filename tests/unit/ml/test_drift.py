import numpy as np
import pandas as pd
import pytest

from gitml.config.params import ColumnSpec, DriftThresholds
from gitml.ml.drift import categorical_drift, column_drift, jensen_shannon, numeric_drift, psi


def test_identical_distributions_do_not_drift() -> None:
    rng = np.random.default_rng(0)
    values = rng.normal(size=20_000)

    stats = numeric_drift(values, values.copy())

    assert stats == {"psi": 0.0, "ks": 0.0, "wasserstein": 0.0}


def test_a_shift_of_one_standard_deviation_is_measured() -> None:
    # given N(0, 1) against N(1, 1): the KS statistic is 2*Phi(0.5) - 1 = 0.383 and the
    # Wasserstein distance is the shift itself, 1 standard deviation
    rng = np.random.default_rng(1)
    reference, current = rng.normal(0, 1, 50_000), rng.normal(1, 1, 50_000)

    stats = numeric_drift(reference, current)

    assert stats["ks"] == pytest.approx(0.383, abs=0.01)
    assert stats["wasserstein"] == pytest.approx(1.0, abs=0.03)
    assert stats["psi"] > 0.5  # far past the 0.2 "major shift" rule of thumb


def test_psi_matches_its_formula_on_known_histograms() -> None:
    reference, current = np.array([50.0, 50.0]), np.array([25.0, 75.0])
    expected = (0.25 - 0.5) * np.log(0.25 / 0.5) + (0.75 - 0.5) * np.log(0.75 / 0.5)

    assert psi(reference, current) == pytest.approx(expected)


def test_jensen_shannon_is_zero_for_same_and_one_for_disjoint() -> None:
    assert jensen_shannon(np.array([3.0, 1.0]), np.array([30.0, 10.0])) == pytest.approx(0.0)
    assert jensen_shannon(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == pytest.approx(1.0)


def test_more_missing_values_is_drift() -> None:
    rng = np.random.default_rng(2)
    reference = rng.normal(size=10_000)
    current = reference.copy()
    current[:3000] = np.nan  # same values, but 30% now missing

    assert numeric_drift(reference, current)["psi"] > 0.2


def test_categorical_drift_on_a_changed_mix() -> None:
    reference = pd.Series(["a"] * 500 + ["b"] * 500)
    current = pd.Series(["a"] * 900 + ["b"] * 50 + ["new"] * 50)

    stats = categorical_drift(reference, current)

    assert stats["psi"] > 0.2
    assert 0.2 < stats["js"] < 1


def test_column_drift_flags_only_the_changed_column_and_skips_identifiers() -> None:
    rng = np.random.default_rng(3)
    n = 5000
    before = pd.DataFrame(
        {"id": np.arange(n), "x": rng.normal(size=n), "colour": rng.choice(["r", "g"], n)}
    )
    after = before.assign(x=before["x"] + 2.0)
    columns = {
        "id": ColumnSpec(dtype="int", unique=True),
        "x": ColumnSpec(dtype="float"),
        "colour": ColumnSpec(dtype="category"),
    }

    drift = column_drift(before, after, columns, DriftThresholds())

    assert [d.column for d in drift] == ["x", "colour"]  # largest PSI first; no "id"
    assert drift[0].drifted == ["psi", "ks", "wasserstein"]
    assert not drift[1].is_drifted
