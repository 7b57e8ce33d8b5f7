"""Stage `ingest`: the configured source → data/raw/dataset.parquet (raw data, unchanged but
for how the source says its CSV text is read: missing-value markers, thousands separators)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from gitml.config import FileSource, Params, Source, SyntheticSource
from gitml.errors import DataError
from gitml.io import CsvReading, csv_reading, read_table, write_parquet

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)


def load_source(
    source: Source, seed: int, reading: CsvReading | None = None, contract: str = "conf/data/"
) -> pd.DataFrame:
    """The dataset as the source holds it: generated (synthetic) or read from a file, its
    CSV text read as `reading` says (see `io.csv_reading`); `contract` is where its path is."""
    match source:
        case SyntheticSource():
            from gitml.synthetic import generate_churn

            return generate_churn(source.n_rows, seed)
        case FileSource():
            hint = f"Set data.source.path in {contract}, or `dvc pull` the file."
            return read_table(source.path, hint=hint, reading=reading)
    raise AssertionError(f"unhandled source {source!r}")  # pydantic restricts the kinds


def run(params: Params) -> None:
    contract = f"conf/data/{params.data.name}.yaml"
    frame = load_source(params.data.source, params.seed, csv_reading(params.data), contract)
    if frame.empty:
        raise DataError(
            f"The source {params.data.source.path} has no rows. Point data.source.path in "
            f"conf/data/{params.data.name}.yaml at a file with data."
        )
    write_parquet(params.paths.raw, frame.reset_index(drop=True))
    logger.info("ingest: %d rows x %d columns → %s", *frame.shape, params.paths.raw)
