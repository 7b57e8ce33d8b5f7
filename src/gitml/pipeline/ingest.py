"""Stage `ingest`: the configured source → data/raw/dataset.parquet (raw data, unchanged but
for how the source says its CSV text is read: missing-value markers, thousands separators)."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Collection
from typing import TYPE_CHECKING

from gitml import progress
from gitml.config.params import FileSource, Params, Source, SyntheticSource
from gitml.contract.reading import csv_reading
from gitml.errors import DataError
from gitml.io import CsvReading, read_table, refuse_overwrite, write_parquet, write_with

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)


def load_source(
    source: Source,
    seed: int,
    reading: CsvReading | None = None,
    contract: str = "conf/data/",
    columns: Collection[str] = (),
) -> pd.DataFrame:
    """The dataset as the source holds it: generated (synthetic) or read from a file, its
    CSV text read as `reading` says (see `contract.reading.csv_reading`); `contract` is where
    its path is.

    The rows are numbered 0, 1, ...: an index that pandas stored in a Parquet file becomes a
    column where it is one of the contract's `columns` (`set_index("customer_id")`) and the
    file lacks it, and is dropped otherwise (gitml's own `row_id`, an unnamed index).
    """
    match source:
        case SyntheticSource():
            from gitml.ml.synthetic import generate_churn

            frame = generate_churn(source.n_rows, seed)
        case FileSource():
            hint = f"Set data.source.path in {contract}, or `dvc pull` the file."
            frame = read_table(source.path, hint=hint, reading=reading)
        case _:  # pydantic restricts the kinds
            raise AssertionError(f"unhandled source {source!r}")
    kept = [n for n in frame.index.names if n in columns and n not in frame.columns]
    return (frame.reset_index(level=kept) if kept else frame).reset_index(drop=True)


def parquet_rows_as_is(path: str) -> int | None:
    """The row count of a Parquet file that ingest can copy byte for byte, else None.

    A copy reads back exactly as the source does, at a fraction of the cost of reading and
    writing it again (a second per million rows). The file is read instead when pandas
    stored an index in it other than 0, 1, ... (see `load_source`), or when its footer cannot
    be read (reading then says what is wrong with the file).
    """
    if not path.lower().endswith((".parquet", ".pq")):
        return None
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        metadata = pq.read_metadata(path)
        pandas_meta = metadata.schema.to_arrow_schema().pandas_metadata
    except (OSError, ValueError):  # a bad footer; bad JSON in it is a ValueError too
        return None
    if any(pa.types.is_decimal(field.type) for field in metadata.schema.to_arrow_schema()):
        return None  # a decimal may hold a whole number beyond 64 bits: reading checks
    plain_index = {"kind": "range", "name": None, "start": 0, "step": 1}
    for index in (pandas_meta or {}).get("index_columns", []):
        if not isinstance(index, dict) or {k: index.get(k) for k in plain_index} != plain_index:
            return None
    return int(metadata.num_rows)


def run(params: Params) -> None:
    source, raw = params.data.source, params.paths.raw
    contract = f"conf/data/{params.data.name}.yaml"
    if isinstance(source, FileSource):  # a link may make paths.raw the source itself
        refuse_overwrite("ingest", {"data.source.path": source.path}, {"paths.raw": raw})
    rows = parquet_rows_as_is(source.path) if isinstance(source, FileSource) else None
    if rows:
        write_with(raw, lambda tmp: shutil.copyfile(source.path, tmp))
        logger.info("ingest: %d rows, copied as is → %s", rows, raw)
        return
    reading = csv_reading(params.data)
    frame = load_source(source, params.seeds.data, reading, contract, list(params.data.columns))
    if frame.empty:
        raise DataError(
            f"The source {source.path} has no rows. Point data.source.path in {contract} at a "
            "file with data."
        )
    with progress.bar(len(frame), "ingest: writing") as shown:
        write_parquet(raw, frame, done=shown.update if progress.wanted() else None)
    logger.info("ingest: %d rows x %d columns → %s", *frame.shape, raw)
