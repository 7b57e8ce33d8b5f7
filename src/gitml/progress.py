"""Progress of long work on a terminal (rows per second, time left); silent in CI or a pipe.

One bar per long step (`gitml predict` over a file, the report's baseline reproduction), drawn
by tqdm on stderr only when stderr is a terminal and `CI` is unset, so logs, CI runs and
redirected output stay as they were.
"""

from __future__ import annotations

import os
import sys
from typing import Any, TextIO


def wanted(stream: TextIO | None = None) -> bool:
    """True on an interactive terminal outside CI (GitHub Actions sets CI=true)."""
    stream = sys.stderr if stream is None else stream
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


class Quiet:
    """What `bar` gives where no bar is wanted: counts, draws nothing, imports nothing."""

    def __init__(self, total: int | None) -> None:
        self.total, self.n = total, 0

    def update(self, n: float = 1) -> None:
        self.n += int(n)

    def __enter__(self) -> Quiet:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def bar(total: int | None, what: str, unit: str = "rows") -> Any:
    """A tqdm bar on stderr if `wanted`, else a `Quiet` one: use as a context, `.update(n)`.

    Outside a terminal tqdm is not even imported (0.015 s of each CI stage process).
    """
    if not wanted(sys.stderr):
        return Quiet(total)
    from tqdm import tqdm

    return tqdm(
        total=total,
        desc=what,
        unit=f" {unit}",
        unit_scale=unit == "rows",
        file=sys.stderr,
        mininterval=0.5,
        dynamic_ncols=True,
    )
