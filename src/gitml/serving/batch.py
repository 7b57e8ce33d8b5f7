"""`gitml predict`: batch scoring of a CSV/Parquet file with the trained model, in chunks.

Each chunk is checked against the contract's feature rules (the same rules the service
applies), scored with the same Pipeline as `evaluate`, and appended to the output Parquet
file, so memory stays flat whatever the file size. A row that breaks the contract is never
silently dropped: it fails the run, or, with a rejects file, is written there with its row
number, column and reason.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitml import progress
from gitml.config.params import DataParams, Params
from gitml.contract.findings import reportable_cases
from gitml.contract.reading import csv_reading
from gitml.contract.schema import build_feature_schema, to_model_dtypes
from gitml.contract.strict_types import TypeProblem, strict_types
from gitml.errors import ConfigError, ContractError, DataError
from gitml.io import (
    CsvReading,
    atomic_path,
    read_table_chunks,
    refuse_overwrite,
)
from gitml.ml.meta import read_model_meta
from gitml.ml.model import load_model
from gitml.ml.scoring import score

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow.parquet as pq
    from sklearn.pipeline import Pipeline

    from gitml.ml.meta import ModelMeta

logger = logging.getLogger(__name__)

PROBLEM_COLUMNS = ["row", "column", "reason", "value"]
MAX_SHOWN = 10


def check_rows(
    chunk: pd.DataFrame, data: DataParams, source: str = "The input"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split a chunk of `source` into rows fit to score (typed as in training) and problems.

    `chunk`'s index is the 1-based row number in the file. Problems have one row per failed
    check: row number, column, reason, value.
    """
    import pandas as pd
    from pandera.errors import SchemaErrors

    schema = build_feature_schema(data)
    absent = [name for name in data.feature_columns if name not in chunk.columns]
    # a nullable feature may be left out, as in a service request: every value is missing
    chunk = chunk.assign(**{n: None for n in absent if data.feature_columns[n].nullable})
    missing = [name for name in data.feature_columns if name not in chunk.columns]
    if missing:
        raise DataError(_missing_message(missing, [str(c) for c in chunk.columns], data, source))
    prepared, type_problems = strict_types(chunk, data.feature_columns)
    found = [_type_rows(problem) for problem in type_problems]
    try:
        typed = schema.validate(prepared, lazy=True)
    except SchemaErrors as exc:
        found.append(_schema_rows(reportable_cases(exc.failure_cases, type_problems)))
    if not found:
        return to_model_dtypes(typed, data), _no_problems()
    problems = pd.concat(found, ignore_index=True).sort_values(
        ["row", "column"], kind="stable", ignore_index=True
    )
    good = prepared[~prepared.index.isin(problems["row"])]
    try:
        typed = schema.validate(good, lazy=True) if len(good) else good
    except SchemaErrors as exc:  # a failure pandera could not pin to rows: no row is safe
        cases = exc.failure_cases.head(MAX_SHOWN)
        shown = "; ".join(f"{c.column}: {c.check} ({c.failure_case})" for c in cases.itertuples())
        raise ContractError(
            f"The input breaks the contract conf/data/{data.name}.yaml column-wide: {shown}. "
            "Fix those columns' values or types."
        ) from exc
    return to_model_dtypes(typed, data), problems


def _missing_message(missing: list[str], found: list[str], data: DataParams, source: str) -> str:
    """Which file, which columns it lacks, which the model expects, and how to fix it."""
    respelt = {name: near for name in missing if (near := _respelt(name, found))}
    hints = "".join(
        f" Its column {near!r} may be {name!r} spelled otherwise: rename it."
        for name, near in respelt.items()
    )
    return (
        f"{source} lacks feature column(s) {_names(missing)} that the model reads. The model "
        f"expects {len(data.feature_columns)} feature column(s), as conf/data/{data.name}.yaml "
        f"says (nullable ones may be left out): {_names(list(data.feature_columns))}. "
        f"{source} has {len(found)} column(s): {_names(found)}.{hints} Add the missing "
        "column(s) to the file, named exactly so; nothing was written."
    )


def _respelt(name: str, found: list[str]) -> str | None:
    """A column of the file that is `name` with other case, spaces or dashes, if any."""

    def plain(text: str) -> str:
        return "".join(ch for ch in text.casefold() if ch.isalnum())

    return next((column for column in found if plain(column) == plain(name)), None)


def _names(names: list[str], limit: int = 20) -> str:
    shown = ", ".join(map(repr, names[:limit]))
    return shown if len(names) <= limit else f"{shown}, ... ({len(names)} in all)"


def _type_rows(problem: TypeProblem) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(
        {
            "row": problem.values.index.to_numpy(dtype="int64"),
            "column": problem.column,
            "reason": problem.check,
            "value": problem.values.astype(str).to_numpy(),
        }
    )


def _schema_rows(cases: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    cases = cases.dropna(subset=["index"])  # column-wide failures: see the second validation
    return pd.DataFrame(
        {
            "row": cases["index"].astype("int64").to_numpy(),
            "column": cases["column"].astype(str).to_numpy(),
            "reason": cases["check"].astype(str).to_numpy(),
            "value": cases["failure_case"].astype(str).to_numpy(),
        }
    )


def score_rows(
    pipeline: Pipeline,
    typed: pd.DataFrame,
    data: DataParams,
    classes: list[Any],
    *,
    kept: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Row number, id (if the contract has one and the file holds it), the `kept` input
    columns (as read, for typed's rows), prediction, probas."""
    import pandas as pd

    features = typed[list(data.feature_columns)]
    table = pd.DataFrame({"row": typed.index.to_numpy(dtype="int64")})
    if data.id_column and data.id_column in typed:
        table[data.id_column] = typed[data.id_column].to_numpy()
    if kept is not None:
        for name in kept.columns:
            table[name] = kept.loc[typed.index, name].to_numpy()
    if not len(typed):
        return table
    table["prediction"], proba = score(pipeline, features, data.task)
    for index, label in enumerate(classes if proba is not None else ()):
        table[f"proba_{label}"] = proba[:, index]
    return table


def read_chunks(
    path: str | Path, rows: int, reading: CsvReading | None = None
) -> Iterator[pd.DataFrame]:
    """Chunks of at most `rows` rows, indexed by 1-based row number in the file, CSV text
    read as ingest reads the training source (`contract.reading.csv_reading`)."""
    import pandas as pd

    source = Path(path)
    if not source.is_file():  # said of --input, not of a pipeline file
        what = "is a directory" if source.is_dir() else "not found"
        raise DataError(f"Input file {what}: {source}. Pass --input a CSV or Parquet file.")
    start = 1
    for chunk in read_table_chunks(source, rows, reading=reading):
        chunk.index = pd.RangeIndex(start, start + len(chunk))
        start += len(chunk)
        yield chunk


def run(
    params: Params,
    input_path: str,
    output: str,
    rejects: str | None = None,
    chunk_rows: int = 100_000,
    params_file: str | None = None,
    *,
    keep: tuple[str, ...] = (),
) -> tuple[int, int]:
    """Score `input_path` into `output`, with the input's columns `keep` beside each score (to
    join scores back); return (rows scored, rows rejected)."""
    reads = {"--input": input_path, "--params": params_file}
    reads |= {"the model": params.paths.model, "its metadata": params.paths.model_meta}
    refuse_overwrite("predict", reads, {"--output": output, "--rejects": rejects})
    if chunk_rows < 1:
        raise ConfigError(f"--chunk-rows must be at least 1 (got {chunk_rows}).")
    for flag, path in (("--output", output), ("--rejects", rejects)):
        if path is not None and not path.endswith((".parquet", ".pq")):
            raise ConfigError(f"{flag} {path} must be a .parquet file; rename it.")
    data = params.data
    pipeline, meta = load_model(params.paths.model), read_model_meta(params.paths.model_meta)
    _require_matching_model(meta, data, params.paths.model)
    scored = rejected = 0
    with ExitStack() as stack:
        shown = stack.enter_context(progress.bar(_row_count(input_path), "predict"))
        out_path = stack.enter_context(atomic_path(output))
        bad_path = stack.enter_context(atomic_path(rejects)) if rejects else None
        writers: dict[str, pq.ParquetWriter] = {}
        for number, chunk in enumerate(read_chunks(input_path, chunk_rows, _reading(data))):
            if number == 0:
                _say_what_is_absent(chunk, data)
                keep = _kept_columns(keep, chunk, data, meta.classes, input_path)
            typed, problems = check_rows(chunk, data, input_path)
            if len(problems) and bad_path is None:
                raise ContractError(_failure_message(problems, input_path, data.name, chunk))
            if len(problems) and bad_path is not None:
                _append(writers, "rejects", bad_path, _with_id(problems, chunk, data), stack)
                rejected += problems["row"].nunique()
            if len(typed):  # a chunk of rejects only has no scores to give the file its columns
                scores = score_rows(pipeline, typed, data, meta.classes, kept=chunk[list(keep)])
                _append(writers, "output", out_path, scores, stack)
            scored += len(typed)
            shown.update(len(chunk))
        if bad_path is not None and "rejects" not in writers:
            _append(writers, "rejects", bad_path, _no_problems(), stack)
        if "output" not in writers and not rejected:
            raise DataError(f"{input_path} has no rows to score.")
        if "output" not in writers:  # every row rejected: an empty file of the usual columns
            empty = _no_scores(data, meta.classes, keep)
            _append(writers, "output", out_path, empty, stack)
    logger.info("predict: %d rows scored → %s, %d rejected", scored, output, rejected)
    if rejected:
        logger.warning("predict: %d row(s) broke the contract → %s", rejected, rejects)
    return scored, rejected


def _row_count(path: str) -> int | None:
    """The rows of a Parquet file from its footer (what the bar's time left needs); CSV: None."""
    if not path.endswith((".parquet", ".pq")):
        return None
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return int(pq.ParquetFile(path).metadata.num_rows)
    except (OSError, pa.ArrowException):
        return None  # reading it will say what is wrong


def _reading(data: DataParams) -> CsvReading:
    """New rows come from where the training rows did: read their CSV text the same way."""
    reading = csv_reading(data)
    if reading.na_values or reading.thousands:
        logger.info(
            "predict: reading CSV text as data.source says: na_values %s, thousands %r",
            reading.na_values,
            reading.thousands,
        )
    return reading


def _append(
    writers: dict[str, pq.ParquetWriter],
    key: str,
    path: Path,
    frame: pd.DataFrame,
    stack: ExitStack,
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if key not in writers:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        writers[key] = pq.ParquetWriter(path, table.schema)
        stack.callback(writers[key].close)
    writer = writers[key]
    writer.write_table(pa.Table.from_pandas(frame, schema=writer.schema, preserve_index=False))


def _require_matching_model(meta: ModelMeta, data: DataParams, path: str) -> None:
    """The model on disk must be the one params.yaml describes (not another branch's)."""
    trained = [feature.name for feature in meta.features]
    if meta.target == data.target and set(trained) == set(data.feature_columns):
        return
    raise ConfigError(
        f"{path} predicts {meta.target!r} from {len(trained)} feature(s), but params.yaml's "
        f"contract conf/data/{data.name}.yaml has target {data.target!r} and "
        f"{len(data.feature_columns)}: the model is out of date. After switching branches, "
        "run `dvc checkout`; after changing conf/, `dvc repro`."
    )


def _kept_columns(
    keep: tuple[str, ...], chunk: pd.DataFrame, data: DataParams, classes: list[Any], path: str
) -> tuple[str, ...]:
    """The --keep columns to copy into the output (the id column is there already).

    Raises:
        ConfigError: a named column is not in the input, or would take an output column's name.
    """
    missing = [name for name in keep if name not in chunk.columns]
    if missing:
        raise ConfigError(
            f"--keep names {', '.join(map(repr, missing))}, not a column of {path} (columns: "
            f"{', '.join(map(str, chunk.columns))}). Name columns of the input; nothing was "
            "written."
        )
    taken = {"row", "prediction", *(f"proba_{label}" for label in classes)}
    clashes = [name for name in keep if name in taken]
    if clashes:
        raise ConfigError(
            f"--keep names {', '.join(map(repr, clashes))}, which the output uses for its own "
            "columns (row, prediction, proba_<class>). Rename that input column; nothing was "
            "written."
        )
    return tuple(dict.fromkeys(name for name in keep if name != data.id_column))


def _say_what_is_absent(chunk: pd.DataFrame, data: DataParams) -> None:
    absent = [n for n, c in data.feature_columns.items() if n not in chunk and c.nullable]
    if absent:
        logger.warning(
            "predict: the input has no column %s; they are nullable, so every row is scored "
            "with them missing.",
            ", ".join(map(repr, absent)),
        )


def _with_id(problems: pd.DataFrame, chunk: pd.DataFrame, data: DataParams) -> pd.DataFrame:
    """Problems with the row's id next to its number, when the contract and the file have one."""
    if not data.id_column or data.id_column not in chunk:
        return problems
    ids = chunk[data.id_column].reindex(problems["row"]).astype(str).to_numpy()
    return problems.assign(**{data.id_column: ids})[["row", data.id_column, *PROBLEM_COLUMNS[1:]]]


def _no_scores(data: DataParams, classes: list[Any], keep: tuple[str, ...]) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    table = pd.DataFrame({"row": pd.Series(dtype="int64")})
    if data.id_column:
        table[data.id_column] = pd.Series(dtype="str")
    for name in keep:
        table[name] = pd.Series(dtype="str")
    table["prediction"] = pd.Series(np.array(classes)[:0] if classes else [], dtype=None)
    for label in classes:
        table[f"proba_{label}"] = pd.Series(dtype="float64")
    return table


def _no_problems() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(
        {"row": pd.Series(dtype="int64")} | {c: pd.Series(dtype=str) for c in PROBLEM_COLUMNS[1:]}
    )


def _failure_message(problems: pd.DataFrame, path: str, name: str, chunk: pd.DataFrame) -> str:
    rows = problems["row"].nunique()
    read = f"of the first {chunk.index[-1]:,} rows read "
    shown = "\n".join(
        f"  row {p.row}, {p.column}: {p.reason} (value {p.value})"
        for p in problems.head(MAX_SHOWN).itertuples()
    )
    more = f"\n  ... and {len(problems) - MAX_SHOWN} more" if len(problems) > MAX_SHOWN else ""
    return (
        f"{rows} row(s) {read}of {path} break the contract conf/data/{name}.yaml (row 1 is "
        f"the first data row; the check stops at the first batch with problems):\n{shown}{more}"
        "\nFix those rows, or pass --rejects <file> to score the others and write these there. "
        f"If such values are valid (a range drafted from a sample is only what it held), widen "
        f"the rule in conf/data/{name}.yaml and retrain: the model has never seen them."
    )
