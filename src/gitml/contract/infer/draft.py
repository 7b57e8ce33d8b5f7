"""`gitml infer-contract`: draft conf/data/<name>.yaml from a table, for a person to review."""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import ValidationError

from gitml.config.params import DataParams
from gitml.contract.findings import ID_FIX, repeated_ids
from gitml.contract.infer.columns import (
    CsvText,
    column_rules,
    csv_text,
    non_features,
    range_reason,
    weight_kind,
)
from gitml.contract.infer.target import positive_class, require_target, shape_target, target_task
from gitml.contract.leakage import find_leaks, leak_warning
from gitml.errors import ConfigError, ContractError, DataError
from gitml.io import CsvReading, read_table, refuse_overwrite, write_with

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)

HYDRA_KEYWORDS = frozenset({"true", "false", "null", "nan", "inf"})  # parsed as values
# values conf/ cannot hold: OmegaConf reads ${...} as a reference to another setting (an escaped
# \${ is resolved back into one when params.yaml is composed) and ??? as one still to be set
HYDRA_UNSAFE = re.compile(r"\$\{|^\?\?\?$")


def draft_contract(  # noqa: PLR0912 (each branch is one rule of the draft)
    frame: pd.DataFrame,
    name: str,
    target: str,
    source_path: str,
    task: str | None = None,
    text: CsvText | None = None,
    id_column: str | None = None,
) -> dict[str, Any]:
    """A data contract that `frame` passes: dtypes, nullability, valid ranges, allowed values.

    Identifiers (repeated ones too), free text, empty columns and dates are drafted
    `feature: false` (see `columns.non_features`); one log line per column says whether it is
    kept, its dtype and its bounds, and why. Ranges say what is valid (`columns.valid_range`).
    Identifiers get no range (new rows bring new ids) and `unique: true` only without gaps.
    The target is never nullable; a binary task gets an explicit `positive_class`. `text`
    (what the CSV's text said, see `read_sample`) sets how the source is read.

    Raises:
        DataError: the target is missing, empty, constant or a date; no feature is left; a
            value conf/ cannot hold.
        ConfigError: `task` does not fit the target; `id_column` is not a column.
        ContractError: `id_column` (the user's --id-column) repeats.
    """
    text = text or CsvText()
    require_target(frame, target, source_path)
    columns = {str(column): column_rules(frame[column]) for column in frame.columns}
    task = target_task(frame[target], columns[target]["dtype"], task, source_path)
    shape_target(frame[target], columns[target], task, source_path)
    roles, constants = non_features(frame, columns, target)
    for column in text.not_numbers:
        if column != target and column not in roles and columns[column]["dtype"] == "str":
            roles[column] = "text that looks like numbers: see the warning above"
    if id_column is not None:
        roles[_chosen_id(frame, id_column, target, source_path)] = "identifier: --id-column"
    ids = sorted(
        (column for column, role in roles.items() if role.startswith("identifier")),
        key=lambda column: column != id_column,  # the user's first
    )
    for column in roles:
        spec = columns[column]
        if "identifier" in roles[column]:
            for rule in ("min", "max", "allowed"):  # the next rows bring ids never seen
                spec.pop(rule, None)
        if column in ids:
            if spec["nullable"]:  # pandera would count the gaps as duplicates
                roles[column] += f"; {int(frame[column].isna().sum())} missing, so not unique"
            else:
                spec["unique"] = True
        spec["feature"] = False
    if len(roles) + 1 == len(columns):
        reasons = ", ".join(f"{column} ({role})" for column, role in roles.items())
        raise DataError(
            f"{source_path} has no column to learn from besides the target {target!r}"
            f"{': ' + reasons if reasons else ''}. Add feature columns to the file, or pick "
            "another --target."
        )
    _log_columns(frame, columns, roles, constants, target)
    contract: dict[str, Any] = {"name": name, "task": task, "target": target}
    if task == "binary":
        contract["positive_class"] = positive_class(frame[target], columns[target]["dtype"])
    if ids:
        contract["id_column"] = ids[0]
    if weights := [column for column, role in roles.items() if role.startswith("sample weight")]:
        contract["weight_column"] = weights[0]  # fitted and scored as row weights
    for column in columns:
        if (
            column != target
            and weight_kind(column, frame[column], columns[column]["dtype"]) == "maybe"
        ):
            logger.info(
                "Column %s holds positive numbers and is called weight: if it is a survey or "
                "sample weight, not a measurement, set weight_column: %s in the draft.",
                column,
                column,
            )
    contract["source"] = {"kind": "file", "path": source_path}
    if text.na_values:
        contract["source"]["na_values"] = text.na_values_by_column
    if text.thousands:
        contract["source"]["thousands"] = text.thousands
    contract["columns"] = columns
    contract["checks"] = []
    _unlist_hydra_unsafe(columns)
    _validate(contract, source_path)
    _refuse_hydra_unsafe(contract, source_path)
    features = [c for c, spec in columns.items() if spec.get("feature", True) and c != target]
    leaks = find_leaks(frame, features, target, task)
    if warning := leak_warning(leaks, target, "the draft"):
        logger.warning("%s", warning)
    return contract


def render_contract(contract: dict[str, Any], rows: int) -> str:
    header = (
        f"# Data contract for {contract['name']!r}, drafted by `gitml infer-contract` from "
        f"{rows} rows of {contract['source']['path']}.\n"
        "# Review it: min/max refuse a row (in validate, predict and the service), so they say\n"
        "# what is valid (a sign, a share's 100), not what the sample held: new values beyond\n"
        "# the sample's are drift, which the report shows. Allowed values are what the sample\n"
        "# held: add the ones new data may bring; set nullable: false where a gap is a bug.\n"
        "# Use it with `gitml compose data=<name>` or `dvc exp run -S data=<name>`.\n"
    )
    return header + yaml.dump(
        contract, Dumper=_ConfDumper, sort_keys=False, allow_unicode=True, width=100
    )


class _ConfDumper(yaml.SafeDumper):
    """PyYAML's safe dumper, quoting every text that conf/'s reader would take for another
    type: OmegaConf reads `1e5` (a column name in a wide table, a category) as a float, where
    YAML 1.1 and so PyYAML see text and leave it plain."""


@functools.cache
def _conf_loader() -> yaml.SafeLoader:
    from omegaconf._utils import get_yaml_loader  # the loader Hydra composes conf/ with

    loader: yaml.SafeLoader = get_yaml_loader()("")
    return loader


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    tag = _conf_loader().resolve(yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
    style = "'" if tag != "tag:yaml.org,2002:str" else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_ConfDumper.add_representer(str, _represent_text)


def read_sample(path: str) -> tuple[pd.DataFrame, CsvText]:
    """The table as the pipeline will read it with the drafted source, and what its CSV text
    said about how to read it (missing-value marks, thousands separators, leading zeros)."""
    hint = f"Check the path to your data file (from {Path.cwd()})."
    if not path.lower().endswith(".csv"):
        return read_table(path, hint=hint), CsvText()  # Parquet keeps its types
    text = csv_text(read_table(path, hint=hint, reading=CsvReading(all_text=True)))
    _log_reading(text)
    # as ingest will read it with the drafted source and contract (see
    # contract.reading.csv_reading); a tidy file gets no options, and is read as pandas reads it
    reading = CsvReading(
        text_columns=tuple(text.text_columns),
        na_values=text.na_values_by_column,
        thousands=text.thousands,
        number_columns=tuple(text.number_columns),
    )
    return read_table(path, hint=hint, reading=reading), text


def contract_name(stem: str) -> str:
    """An ASCII name for `data=<name>` overrides: `Données Clients` → `donnees_clients`."""
    ascii_stem = unicodedata.normalize("NFKD", stem.casefold()).encode("ascii", "ignore").decode()
    name = re.sub(r"[^a-z0-9]+", "_", ascii_stem).strip("_") or "dataset"
    # Hydra reads `data=2024` or `data=true` as a number or a boolean, not a config name
    return name if name[0].isalpha() and name not in HYDRA_KEYWORDS else f"data_{name}"


def run(
    path: str,
    target: str,
    name: str | None,
    task: str | None,
    output: str | None,
    force: bool,
    id_column: str | None = None,
) -> Path:
    if name is not None and (
        not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", name) or name.lower() in HYDRA_KEYWORDS
    ):
        raise ConfigError(
            f"--name {name!r} cannot be selected with `gitml compose data=<name>`: use ASCII "
            f"letters, digits, _ or -, starting with a letter (e.g. --name {contract_name(name)})."
        )
    name = name or contract_name(Path(path).stem)
    destination = Path(output or f"conf/data/{name}.yaml")
    refuse_overwrite("infer-contract", {"the data file": path}, {"--output": destination})
    if destination.exists() and not force:
        raise ConfigError(
            f"{destination} exists; pass --force to replace it or --output elsewhere."
        )
    frame, reading = read_sample(path)
    contract = draft_contract(frame, name, target, path, task, reading, id_column)
    text = render_contract(contract, len(frame))
    write_with(destination, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return destination


def _log_reading(text: CsvText) -> None:
    """Say what the CSV's text showed and how the draft reads it, so none of it is silent."""
    if text.na_values:
        seen = "; ".join(
            f"{value!r} in "
            + ", ".join(f"{column} ({_rows(rows)})" for column, rows in where.items())
            for value, where in text.na_values.items()
        )
        logger.info(
            "Drafted source.na_values %s: text that stands for a missing value among numbers "
            "or words: %s. Only those columns read it as missing; take a value out where it "
            "is real data.",
            text.na_values_by_column,
            seen,
        )
    if text.thousands:
        logger.info(
            "Drafted source.thousands %r: numbers written with thousands separators in %s, "
            "read as numbers. Only numbers grouped in threes are read so: 12,5 stays text and "
            "fails the contract.",
            text.thousands,
            ", ".join(f"{column} (e.g. {value!r})" for column, value in text.grouped.items()),
        )
    if text.leading_zeros:
        logger.info(
            "Read as text: %s: digits with leading zeros, which numbers would lose, so they are "
            "drafted as str or category. Where such a column is an amount, set its dtype: int.",
            ", ".join(f"{column} (e.g. {value!r})" for column, value in text.leading_zeros.items()),
        )
    for column, values in text.not_numbers.items():
        shown = ", ".join(f"{value!r} ({_rows(rows)})" for value, rows in list(values.items())[:5])
        logger.warning(
            "%s looks like numbers, but not all its values are read as numbers: %s%s. It is "
            "drafted as text. Fix those values in the file and run infer-contract again; or, if "
            "they mean missing, add them to source.na_values and set the column's dtype: float.",
            column,
            shown,
            ", ..." if len(values) > 5 else "",
        )


def _rows(count: int) -> str:
    return f"{count} row{'' if count == 1 else 's'}"


def _chosen_id(frame: pd.DataFrame, column: str, target: str, source_path: str) -> str:
    if column not in frame.columns or column == target:
        raise ConfigError(
            f"--id-column {column!r} is not a column of {source_path} besides the target "
            f"(columns: {', '.join(map(str, frame.columns))}). Name one of them."
        )
    if repeats := repeated_ids(frame[column]):
        raise ContractError(
            f"--id-column {column!r} is not unique in {source_path}: {repeats.count} rows share "
            f"a value (e.g. {', '.join(map(repr, repeats.samples))}); {ID_FIX}. Run "
            "infer-contract without --id-column to draft it as a group."
        )
    return column


def _log_columns(
    frame: pd.DataFrame,
    columns: dict[str, dict[str, Any]],
    roles: dict[str, str],
    constants: dict[str, Any],
    target: str,
) -> None:
    """One line per column: kept as a feature or not, its dtype and bounds, and why."""
    for column, spec in columns.items():
        if column == target:
            continue
        values = frame[column].dropna()
        kind = _dtype_reason(spec, values)
        if column in roles:
            verdict = f"dropped, feature: false ({roles[column]})"
        elif column in constants:
            verdict = f"kept as a feature, though constant (always {constants[column]!r})"
        else:
            verdict = "kept as a feature"
        rules = range_reason(spec, values) if spec["dtype"] in ("int", "float") else ""
        if "identifier" in roles.get(column, ""):
            rules = "no bounds: new rows bring new ids"
        elif "allowed" in spec and spec["dtype"] != "category":
            rules = f"allowed {spec['allowed']}"
        gaps = f"; nullable: {int(frame[column].isna().sum())} missing" if spec["nullable"] else ""
        logger.info(
            "Column %s: %s; %s%s%s.", column, verdict, kind, f"; {rules}" if rules else "", gaps
        )
    if roles or constants:
        logger.info("Change `feature:` in the draft where a column's role is wrong.")


def _dtype_reason(spec: dict[str, Any], values: pd.Series) -> str:
    dtype = spec["dtype"]
    if dtype == "int" and "allowed" in spec:
        return "int: a 0/1 flag"
    reasons = {
        "int": "int: whole numbers",
        "float": "float: numbers with fractions",
        "bool": "bool: true/false values",
        "datetime": "datetime: dates",
        "category": f"category: text with {_distinct(values)}, listed as allowed",
        "str": f"str: text with {_distinct(values)}, too many for a category",
    }
    return reasons[dtype]


def _distinct(values: pd.Series) -> str:
    count = values.nunique()
    return f"{count} distinct value{'' if count == 1 else 's'}"


def _unlist_hydra_unsafe(columns: dict[str, dict[str, Any]]) -> None:
    """A category whose values conf/ cannot hold gets no `allowed` list: the data keeps them."""
    for column, spec in columns.items():
        unsafe = [v for v in spec.get("allowed", []) if HYDRA_UNSAFE.search(str(v))]
        if unsafe:
            del spec["allowed"]
            logger.warning(
                "%s holds %s, which conf/ cannot hold (Hydra reads ${...} as a reference to "
                "another setting, and ??? as one still to be made), so the draft lists no allowed "
                "values for %s. The data keeps the values as they are.",
                column,
                ", ".join(map(repr, unsafe[:3])),
                column,
            )


def _refuse_hydra_unsafe(contract: dict[str, Any], source_path: str) -> None:
    places = _unsafe_places(contract)
    if places:
        shown = ", ".join(f"{value!r} (the draft's {where})" for where, value in places[:3])
        raise DataError(
            f"{source_path} holds {shown}, which conf/ cannot hold: Hydra reads ${{...}} as a "
            "reference to another setting and ??? as a setting still to be made. Replace it in "
            "the file (an empty field reads as missing) and run infer-contract again."
        )


def _unsafe_places(value: Any, at: str = "") -> list[tuple[str, str]]:
    """(dotted key, value) of the string values HYDRA_UNSAFE matches; keys are not resolved."""
    if isinstance(value, dict):
        return [
            place
            for key, item in value.items()
            for place in _unsafe_places(item, f"{at}.{key}".lstrip("."))
        ]
    if isinstance(value, list):
        return [place for item in value for place in _unsafe_places(item, at)]
    return [(at, value)] if isinstance(value, str) and HYDRA_UNSAFE.search(value) else []


def _validate(contract: dict[str, Any], source_path: str) -> None:
    """The draft must be a valid contract; the checks above cover every known way it is not."""
    try:
        DataParams.model_validate(contract)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, error['loc'])) or 'contract'}: "
            f"{str(error['msg']).removeprefix('Value error, ')}"
            for error in exc.errors()
        )
        raise ConfigError(
            f"The contract drafted from {source_path} is not valid: {problems}. Check the "
            "--target and --task options; if they are right, please report this."
        ) from None
