"""A model's fit shown round by round on a terminal (rounds or trees per second, time left).

scikit-learn's ensembles take no progress callback, but when `verbose` asks for it they print
a line as each round (histogram gradient boosting: `[12/200] ...`) or tree (random forest:
`building tree 12 of 200`) begins. On a terminal outside CI the fit runs with that setting and
what it prints is read, never shown, to move a bar (log lines still show: the logging
handler keeps the real stderr); `verbose` is put back before the model is
saved, so the model file is the same bytes either way. Anywhere else the fit is untouched.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator
from typing import Any

from gitml import progress

# what each estimator prints as a round (or tree) begins, and the `verbose` that prints it
STARTS = {
    "HistGradientBoostingClassifier": (re.compile(r"\[(\d+)/(\d+)\]"), 2),
    "HistGradientBoostingRegressor": (re.compile(r"\[(\d+)/(\d+)\]"), 2),
    "RandomForestClassifier": (re.compile(r"building tree (\d+) of (\d+)"), 2),
    "RandomForestRegressor": (re.compile(r"building tree (\d+) of (\d+)"), 2),
}


class _Rounds(io.TextIOBase):
    """A stdout that turns the estimator's 'round k begins' lines into bar updates."""

    def __init__(self, pattern: re.Pattern[str], shown: Any) -> None:
        self.pattern, self.shown, self.started = pattern, shown, 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        for found in self.pattern.finditer(text):
            begun = int(found[1])  # round `begun` starts: the ones before it are done
            if begun - 1 > self.shown.n:
                self.shown.update(begun - 1 - self.shown.n)
        return len(text)


@contextlib.contextmanager
def shown_rounds(estimator: Any, what: str) -> Iterator[None]:
    """Within the block, `estimator.fit` moves a bar of its rounds on a terminal outside CI.

    The bar's total is the most rounds the settings allow (`max_iter`, `n_estimators`); early
    stopping may end sooner, and the bar then closes on the rounds actually fitted.
    """
    start = STARTS.get(type(estimator).__name__)
    if start is None or not progress.wanted():
        yield
        return
    pattern, loud = start
    params = estimator.get_params()
    total = params.get("max_iter", params.get("n_estimators"))
    quiet = params["verbose"]
    estimator.set_params(verbose=loud)
    try:
        # the bar keeps the terminal it was given; the fit's own print-out (stdout, and
        # joblib's on stderr) goes to the reader
        with progress.bar(total, what, unit="rounds") as shown:
            reader = _Rounds(pattern, shown)
            with contextlib.redirect_stdout(reader), contextlib.redirect_stderr(reader):
                yield
            fitted = getattr(estimator, "n_iter_", None) or len(
                getattr(estimator, "estimators_", [])
            )
            shown.total = fitted or total
            shown.update(shown.total - shown.n)
    finally:
        estimator.set_params(verbose=quiet)
