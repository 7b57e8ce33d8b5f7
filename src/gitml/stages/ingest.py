"""Stage `ingest`: the configured source → data/raw/dataset.parquet (raw data, unchanged but
for how the source says its CSV text is read: missing-value markers, thousands separators)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from gitml.config import FileSource, Params, Source, SyntheticSource
from gitml.errors import DataError
from gitml.io import read_table, write_parquet

if TYPE_CHECKING:
    from collections.abc import Iterable

    import pandas as pd

logger = logging.getLogger(__name__)


def load_source(source: Source, seed: int, text_columns: Iterable[str] = ()) -> pd.DataFrame:
    """The dataset as the source holds it: generated (synthetic) or read from a file.

    `text_columns` (the contract's category and text columns) are read from CSV as text.
    """
    match source:
        case SyntheticSource():
            from gitml.synthetic import generate_churn

            return generate_churn(source.n_rows, seed)
        case FileSource():
            hint = "Set data.source.path in conf/data/<name>.yaml, or `dvc pull` the file."
            return read_table(
                source.path,
                hint=hint,
                text_columns=text_columns,
                na_values=source.na_values,
                thousands=source.thousands,
            )
    raise AssertionError(f"unhandled source {source!r}")  # pydantic restricts the kinds


def run(params: Params) -> None:
    frame = load_source(params.data.source, params.seed, params.data.text_columns)
    if frame.empty:
        raise DataError(
            f"The source {params.data.source.path} has no rows. Point data.source.path in "
            f"conf/data/{params.data.name}.yaml at a file with data."
        )
    write_parquet(params.paths.raw, frame.reset_index(drop=True))
    logger.info("ingest: %d rows x %d columns → %s", *frame.shape, params.paths.raw)
