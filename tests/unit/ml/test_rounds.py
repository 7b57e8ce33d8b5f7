"""A fit shown round by round on a terminal; untouched and silent in a pipe or in CI."""

from __future__ import annotations

import io
import sys

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestRegressor
from sklearn.linear_model import LogisticRegression

from gitml.ml.rounds import shown_rounds
from tests.support.terminal import Terminal

X = np.random.default_rng(0).normal(size=(600, 4))
Y = X[:, 0] + X[:, 1] > 0


def _boosting() -> HistGradientBoostingClassifier:
    return HistGradientBoostingClassifier(max_iter=40, early_stopping=False, random_state=0)


def _terminal(monkeypatch: pytest.MonkeyPatch) -> Terminal:
    """sys.stderr as a terminal outside CI; called in the test, once capsys has taken it."""
    monkeypatch.delenv("CI", raising=False)
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    return terminal


def test_boosting_on_a_terminal_shows_each_round_and_fits_the_same_model(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    screen = _terminal(monkeypatch)
    shown = _boosting()

    with shown_rounds(shown, "train: boosting"):
        shown.fit(X, Y)

    drawn = screen.getvalue()
    assert "train: boosting" in drawn
    assert "40/40" in drawn
    assert " rounds/s" in drawn
    assert "Fit 40 trees" not in drawn  # scikit-learn's own print-out is read, not shown
    assert capsys.readouterr().out == ""
    assert shown.get_params() == _boosting().get_params()  # verbose is back to 0
    np.testing.assert_array_equal(shown.predict_proba(X), _boosting().fit(X, Y).predict_proba(X))


def test_early_stopping_closes_the_bar_on_the_rounds_fitted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    screen = _terminal(monkeypatch)
    model = HistGradientBoostingClassifier(
        max_iter=500, early_stopping=True, n_iter_no_change=2, random_state=0
    )

    with shown_rounds(model, "fit"):
        model.fit(X, Y)

    assert model.n_iter_ < 500
    assert f"{model.n_iter_}/{model.n_iter_}" in screen.getvalue()


def test_a_forest_counts_its_trees_without_joblibs_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = _terminal(monkeypatch)
    forest = RandomForestRegressor(n_estimators=12, n_jobs=2, random_state=0)

    with shown_rounds(forest, "fit"):
        forest.fit(X, X[:, 0])

    drawn = screen.getvalue()
    assert "12/12" in drawn
    assert "Parallel" not in drawn
    assert forest.verbose == 0


@pytest.mark.parametrize("ci", ["true", "1"])
def test_in_ci_nothing_is_drawn_and_nothing_changes(
    monkeypatch: pytest.MonkeyPatch, ci: str
) -> None:
    screen = _terminal(monkeypatch)
    monkeypatch.setenv("CI", ci)
    model = _boosting()

    with shown_rounds(model, "fit"):
        assert model.verbose == 0  # the fit runs exactly as it would without the bar
        model.fit(X, Y)

    assert screen.getvalue() == ""


def test_in_a_pipe_nothing_is_drawn(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CI", raising=False)
    pipe = io.StringIO()
    monkeypatch.setattr(sys, "stderr", pipe)
    model = _boosting()

    with shown_rounds(model, "fit"):
        model.fit(X, Y)

    assert pipe.getvalue() == ""
    assert capsys.readouterr().out == ""


def test_a_model_without_rounds_gets_no_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = _terminal(monkeypatch)
    with shown_rounds(LogisticRegression(), "fit"):
        pass

    assert screen.getvalue() == ""


def test_a_failed_fit_still_puts_verbose_back(monkeypatch: pytest.MonkeyPatch) -> None:
    _terminal(monkeypatch)
    model = _boosting()

    with (
        pytest.raises(ValueError, match="inconsistent numbers of samples"),
        shown_rounds(model, "fit"),
    ):
        model.fit(X, Y[:10])  # inconsistent lengths

    assert model.verbose == 0
