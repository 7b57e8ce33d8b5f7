"""Row-level rules of the data contract: pandas expressions that must hold on every row."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from gitml.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Iterable

    import pandas as pd
    import pandera.pandas as pa

    from gitml.config.params import RowCheck


def require_runnable(checks: Iterable[RowCheck], dtypes: dict[str, str], contract: str) -> None:
    """Run each check on an empty frame of the contract's columns (name → pandas dtype).

    Inside pandera, an unknown name or a syntax error would be reported as bad data.
    """
    import pandas as pd

    empty = pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in dtypes.items()})
    for check in checks:
        try:
            empty.eval(check.expr)
        except Exception as exc:  # pandas raises many types for a bad expression
            raise ConfigError(
                f"Row check {check.name!r} in {contract} has an invalid expression "
                f"{check.expr!r}: {exc}. Write a pandas expression over the contract's "
                f"columns ({', '.join(dtypes)}); put names with spaces or dots in backticks."
            ) from exc


def row_check(check: RowCheck, columns: list[str]) -> pa.Check:
    """Rows where a referenced column is null pass: nullability is the column rule's job."""
    import pandera.pandas as pa

    referenced = [c for c in columns if re.search(rf"(?<![\w.]){re.escape(c)}(?!\w)", check.expr)]

    def holds(frame: pd.DataFrame) -> pd.Series:
        import pandas as pd

        result = pd.Series(frame.eval(check.expr), index=frame.index)
        present = frame[referenced].notna().all(axis=1) if referenced else True
        return result.astype(bool) | ~present

    return pa.Check(holds, name=check.name, error=f"{check.name}: {check.expr}")
