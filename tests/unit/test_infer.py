"""`gitml infer-contract` on real-world tables: honest drafts, and one clear message when not."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from gitml.errors import DataError
from gitml.infer import draft_contract


@pytest.mark.parametrize(("separator", "kind"), [(";", "semicolon"), ("\t", "tab"), ("|", "pipe")])
def test_a_csv_with_another_separator_says_so(separator: str, kind: str) -> None:
    frame = pd.read_csv(io.StringIO(f"x{separator}y{separator}label\n1{separator}2{separator}0\n"))

    with pytest.raises(DataError, match=f"sample.csv looks {kind}-separated") as raised:
        draft_contract(frame, "sample", "label", "sample.csv")

    assert "gitml reads comma-separated CSV or Parquet. Convert it" in str(raised.value)
    assert "is not in" not in str(raised.value)
