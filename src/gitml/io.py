"""File I/O shared by the stages: clear errors on read, atomic writes so a failure loses nothing."""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from gitml.errors import ConfigError, DataError, GitmlError

if TYPE_CHECKING:
    import pandas as pd
    from pydantic import BaseModel

    Artifact = TypeVar("Artifact", bound=BaseModel)

TABLE_SUFFIXES = (".csv", ".parquet", ".pq")
# pyarrow's default row group (rows): a file written a row group at a time (see
# `write_parquet`) is then the same bytes as one written at once
ROW_GROUP_ROWS = 1024 * 1024
OTHER_SEPARATORS = {";": "semicolon", "\t": "tab", "|": "pipe"}


def load_yaml(text: str) -> Any:
    """YAML text as Python values, as `yaml.safe_load` reads it, with libyaml's parser when
    PyYAML has it (params.yaml of a wide contract: seconds in the pure-Python one, a tenth of
    that in C). Raises `yaml.YAMLError` as safe_load does."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)


@dataclass(frozen=True)
class CsvReading:
    """How a CSV's text becomes a table. ingest, `gitml predict` and infer-contract read a
    source with the same one (`gitml.contract.reading.csv_reading`), so a draft's values are
    the ones ingest sees.

    - `text_columns` are read as text: codes keep their leading zeros, and a code column
      with blanks does not turn into floats;
    - `na_values`: text that marks a missing value besides pandas' own (empty, NA, null...),
      in every column (a list) or per column (a mapping);
    - `thousands` between groups of digits (`75,083`), read as numbers in `number_columns`
      only (see `ungroup_numbers`), so a category such as `1,000` keeps its comma.
    """

    text_columns: tuple[str, ...] = ()
    na_values: tuple[str, ...] | Mapping[str, Sequence[str]] = ()
    thousands: str | None = None
    number_columns: tuple[str, ...] = ()
    all_text: bool = False  # every column as text: what infer-contract looks at first

    def read_csv_options(self) -> dict[str, Any]:
        na_values = (
            {column: list(marks) for column, marks in self.na_values.items()}
            if isinstance(self.na_values, Mapping)
            else list(self.na_values)
        )
        dtype = "str" if self.all_text else dict.fromkeys(self.text_columns, "str")
        return {"dtype": dtype, "na_values": na_values or None}

    def tidy(self, frame: pd.DataFrame) -> pd.DataFrame:
        if not self.thousands or not self.number_columns:
            return frame
        return ungroup_numbers(frame, self.thousands, self.number_columns)


def grouped_number(thousands: str) -> re.Pattern[str]:
    """A number written with `thousands` between groups of three digits: 75,083 or 1,234.5.

    Strict, unlike pandas' `thousands=` (which reads `12,5` as 125 and `1,2,3` as 123): the
    first group has 1 to 3 digits and does not start with 0, every other group has 3.
    """
    return re.compile(rf"[+-]?[1-9]\d{{0,2}}(?:{re.escape(thousands)}\d{{3}})+(?:\.\d+)?")


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to `path`; move it into place only if the block succeeds."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        # mkstemp makes the file private (0600); give it the mode a plain open() would
        tmp.chmod(0o666 & ~_umask())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)  # the only way to read it is to set it: put it straight back
    os.umask(mask)
    return mask


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name one file: the same path once resolved (symlinks, `..`), or,
    when both exist, the same device and inode (a hard link)."""
    first, second = Path(a), Path(b)
    if first.resolve() == second.resolve():
        return True
    try:
        return os.path.samefile(first, second)  # compares st_dev and st_ino
    except OSError:  # one of them does not exist (yet): different files
        return False


def refuse_overwrite(
    command: str, reads: Mapping[str, str | Path | None], writes: Mapping[str, str | Path | None]
) -> None:
    """Raise ConfigError, before any work, when `command` would write over a file it reads
    (or write two outputs to one file). Keys name the paths as the user gave them."""
    given = [(role, path) for role, path in writes.items() if path is not None]
    sources = [(role, path) for role, path in reads.items() if path is not None]
    for index, (role, output) in enumerate(given):
        clashes = [(r, p) for r, p in sources + given[:index] if same_file(output, p)]
        if clashes:
            other, path = clashes[0]
            raise ConfigError(
                f"gitml {command}: {role} {output} is the same file as {other} {path}, which "
                f"would be overwritten; nothing was written. Give {role} another path."
            )


def write_with(path: str | Path, writer: Callable[[Path], object]) -> None:
    """Write `path` atomically by calling `writer(temporary_path)`."""
    with atomic_path(path) as tmp:
        writer(tmp)


def write_json(path: str | Path, payload: Any) -> None:
    text = json.dumps(_finite(payload), indent=2, default=_json_default, allow_nan=False) + "\n"
    write_with(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def read_json(path: str | Path) -> Any:
    return json.loads(_existing(path).read_text(encoding="utf-8"))


def read_artifact(
    path: Path, shape: type[Artifact], *, what: str, fix: str, error: type[GitmlError]
) -> Artifact:
    """A JSON file that gitml wrote, validated by `shape` (the caller checks that it exists).

    Raises:
        error: one line, `{path} is not {what} ({first problem}). {fix}`.
    """
    from pydantic import ValidationError

    try:
        return shape.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (json.JSONDecodeError, UnicodeDecodeError, ValidationError) as exc:
        raise error(f"{path} is not {what} ({first_problem(exc)}). {fix}") from exc


def first_problem(error: Exception) -> str:
    """A file's first problem on one line: `key.path: message`, or the parser's text."""
    from pydantic import ValidationError

    if isinstance(error, ValidationError):
        first = error.errors()[0]
        return ".".join(map(str, first["loc"])) + ": " + first["msg"]
    return str(error)


def write_parquet(
    path: str | Path, frame: pd.DataFrame, done: Callable[[int], object] | None = None
) -> None:
    """Write `frame` (its index too) as Parquet, atomically.

    With `done`, the file is written a row group at a time and `done(rows)` called after
    each, for a progress bar: the same bytes as `frame.to_parquet`, which converts the frame
    as pyarrow's `Table.from_pandas` does and cuts it into row groups of `ROW_GROUP_ROWS`.
    """
    if done is None or frame.attrs:  # pandas stores attrs in the file's metadata itself
        write_with(path, lambda tmp: frame.to_parquet(tmp, index=True))
        if done is not None:
            done(len(frame))
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=True)

    def by_row_group(tmp: Path) -> None:
        with pq.ParquetWriter(tmp, table.schema, compression="snappy") as writer:
            for start in range(0, max(table.num_rows, 1), ROW_GROUP_ROWS):
                part = table.slice(start, ROW_GROUP_ROWS)
                writer.write_table(part, row_group_size=ROW_GROUP_ROWS)
                done(part.num_rows)

    write_with(path, by_row_group)


def read_table(path: str | Path, hint: str = "", reading: CsvReading | None = None) -> pd.DataFrame:
    """Read a CSV or Parquet file; fail with one message naming the file and the fix.

    `reading` says how a CSV's text is read (Parquet keeps its types): see `CsvReading`.
    """
    import pandas as pd

    source = _table_file(path, hint)
    reading = reading or CsvReading()
    csv = source.suffix.lower() == ".csv"
    with _read_errors(source):
        if csv:
            frame = pd.read_csv(source, low_memory=False, **reading.read_csv_options())
        else:
            frame = pd.read_parquet(source)
    problem = (csv and separator_problem(frame, source)) or beyond_64_bits(frame, source)
    if problem:
        raise DataError(problem)
    return reading.tidy(frame) if csv else frame  # Parquet keeps its types


def read_table_chunks(
    path: str | Path, rows: int, hint: str = "", reading: CsvReading | None = None
) -> Iterator[pd.DataFrame]:
    """`read_table` in chunks of at most `rows` rows, for files larger than memory."""
    import pandas as pd
    import pyarrow.parquet as pq

    source = _table_file(path, hint)
    reading = reading or CsvReading()
    csv = source.suffix.lower() == ".csv"
    with _read_errors(source):
        chunks: Iterator[pd.DataFrame] = (
            (
                reading.tidy(chunk)
                for chunk in pd.read_csv(source, chunksize=rows, **reading.read_csv_options())
            )
            if csv
            else (
                batch.to_pandas() for batch in pq.ParquetFile(source).iter_batches(batch_size=rows)
            )
        )
        first_row = 1
        for chunk in chunks:
            if first_row == 1 and csv and (problem := separator_problem(chunk, source)):
                raise DataError(problem)
            if problem := beyond_64_bits(chunk, source, first_row):
                raise DataError(problem)
            first_row += len(chunk)
            yield chunk


def _table_file(path: str | Path, hint: str) -> Path:
    source = _existing(path, hint)
    suffix = source.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise DataError(
            f"Cannot read {source}: unsupported file type {suffix!r}. "
            f"Use one of {', '.join(TABLE_SUFFIXES)}."
        )
    if source.stat().st_size == 0:  # pandas' words for it: "No columns to parse from file"
        raise DataError(
            f"File is empty (0 bytes): {source}. Write the table into it (a header line and its "
            "rows) or point at another file."
        )
    return source


@contextmanager
def _read_errors(source: Path) -> Iterator[None]:
    """pandas and pyarrow raise many types for a corrupt file: one DataError for all."""
    kind = source.suffix.lower()[1:]
    try:
        yield
    except DataError:
        raise
    except Exception as exc:
        raise DataError(
            f"Cannot read {source} as {kind}: {sentence(exc)}. Check that the file is a valid "
            f"{kind} table."
        ) from exc


def beyond_64_bits(frame: pd.DataFrame, source: str | Path, first_row: int = 1) -> str | None:
    """Why a table cannot be stored: a whole number beyond 64 bits, which pandas keeps as a
    Python int in an object column (Parquet and numpy hold 64 bits). None if there is none."""
    for name in frame.columns[[dtype == object for dtype in frame.dtypes]]:  # noqa: E721
        for position, value in enumerate(frame[name].to_numpy()):
            if _whole(value) and not -(2**63) <= value < 2**63:
                return (
                    f"{source}: column {name!r} holds {value} (data row "
                    f"{first_row + position}), a whole number beyond 64 bits, which gitml "
                    "cannot store. If the column is a code or an identifier, make it text "
                    "(dtype: str in the contract); otherwise fix the value."
                )
    return None


def ungroup_numbers(frame: pd.DataFrame, thousands: str, columns: Iterable[str]) -> pd.DataFrame:
    """`frame` with numbers written in groups (`75,083`) read as numbers in `columns`.

    Only values that `grouped_number` matches (spaces around them aside) lose their
    separators. A column whose values are then all numbers becomes numeric, as pandas would
    have read it; one that still holds other text (`12,5`, `cheap`) stays text, with its
    grouped numbers written plainly, so that the contract's type check reports those other
    values alone.
    """
    import pandas as pd

    pattern, tidied = grouped_number(thousands), {}
    for name in columns:
        if name not in frame.columns:
            continue
        column = frame[name]
        if not (pd.api.types.is_string_dtype(column) or pd.api.types.is_object_dtype(column)):
            continue
        text = column.astype("str").str.strip().where(column.notna())  # missing stays missing
        grouped = text.str.fullmatch(pattern).fillna(False).astype(bool)
        if not grouped.any():
            continue
        plain = text.mask(grouped, text.str.replace(thousands, "", regex=False))
        numbers = pd.to_numeric(plain, errors="coerce")
        tidied[name] = numbers if numbers.notna().sum() == plain.notna().sum() else plain
    return frame.assign(**tidied) if tidied else frame


def separator_problem(frame: pd.DataFrame, source: str | Path) -> str | None:
    """Why a CSV read as one column whose header holds `;`, tab or `|`, and how to convert it."""
    header = str(frame.columns[0]) if len(frame.columns) == 1 else ""
    for separator, name in OTHER_SEPARATORS.items():
        if separator in header:
            # as text, so that codes keep their leading zeros and no value is rewritten
            decimal = (
                " (if numbers are written 1,5, use decimal=',' in place of dtype=str, "
                "keep_default_na=False, and name code columns as text, e.g. "
                "dtype={'zip': str}, so that 007 keeps its zeros)"
                if separator == ";"
                else ""
            )
            return (
                f"{source} looks {name}-separated ({separator!r} in its header {header!r}); "
                "gitml reads comma-separated CSV or Parquet. Convert it, e.g.: uv run python -c "
                f'"import pandas as pd; pd.read_csv({str(source)!r}, sep={separator!r}, '
                f'dtype=str, keep_default_na=False).to_csv({str(source)!r}, index=False)"'
                f"{decimal}, then `uv run dvc add {source}` again so that DVC tracks the "
                "converted file."
            )
    return None


def _whole(value: Any) -> bool:
    """A whole number as Python holds it: an int, or a whole Decimal (Parquet's decimals)."""
    if isinstance(value, Decimal):
        return value.is_finite() and value == value.to_integral_value()
    return isinstance(value, int) and not isinstance(value, bool)


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sentence(error: Exception) -> str:
    """An exception's text to go inside a sentence: no trailing newline or full stop."""
    return str(error).strip().rstrip(".")


def _existing(path: str | Path, hint: str = "") -> Path:
    source = Path(path)
    if not source.is_file():
        fix = hint or "Run the stage that produces it (`dvc repro`) or fix the path."
        what = "is a directory, not a file" if source.is_dir() else "not found"
        raise DataError(f"File {what}: {source}. {fix}")
    return source


def _json_default(value: Any) -> Any:
    # a failed value of a nullable column (pd.NA, NaT) is missing: null
    if type(value).__name__ in ("NAType", "NaTType"):
        return None
    if hasattr(value, "isoformat"):  # a date or time, e.g. a failed pd.Timestamp
        return value.isoformat()
    if isinstance(value, Decimal):  # a Parquet decimal: whole numbers stay exact
        return int(value) if _whole(value) else float(value)
    # numpy scalars and arrays reach the reports; turn them into plain JSON values
    if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", 1) == 0:
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"Cannot serialise {type(value).__name__} to JSON")


def _finite(value: Any) -> Any:
    """Replace NaN/inf with None: JSON has no such numbers and DVC's parsers reject them."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        return _finite(value.item())
    return value
