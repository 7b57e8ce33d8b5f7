"""How the contract's source file is read, the same for ingest, `gitml predict` and drafts."""

from __future__ import annotations

from collections.abc import Mapping

from gitml.config.params import DataParams, FileSource
from gitml.io import CsvReading


def csv_reading(data: DataParams) -> CsvReading:
    """How the contract's source is read: its text columns as text, its read options."""
    file = data.source if isinstance(data.source, FileSource) else None
    na_values = file.na_values if file else ()
    return CsvReading(
        text_columns=tuple(data.text_columns),
        na_values=na_values if isinstance(na_values, Mapping) else tuple(na_values),
        thousands=file.thousands if file else None,
        number_columns=tuple(n for n, c in data.columns.items() if c.dtype in ("int", "float")),
    )
