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


def bar(total: int | None, what: str, unit: str = "rows") -> Any:
    """A tqdm bar on stderr (disabled unless `wanted`): use as a context, `.update(n)`."""
    from tqdm import tqdm

    return tqdm(
        total=total,
        desc=what,
        unit=f" {unit}",
        unit_scale=unit == "rows",
        file=sys.stderr,
        disable=not wanted(sys.stderr),
        mininterval=0.5,
        dynamic_ncols=True,
    )
