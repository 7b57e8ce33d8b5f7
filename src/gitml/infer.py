"""`gitml infer-contract`: draft conf/data/<name>.yaml from a table, for a person to review."""

from __future__ import annotations

import logging
import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from gitml.column_profile import column_rules, non_features
from gitml.config import DataParams
from gitml.errors import ConfigError, DataError
from gitml.io import read_table, separator_problem, write_with

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)

MAX_CLASSES = 20
HYDRA_KEYWORDS = frozenset({"true", "false", "null", "nan", "inf"})  # parsed as values


def draft_contract(
    frame: pd.DataFrame, name: str, target: str, source_path: str, task: str | None = None
) -> dict[str, Any]:
    """A data contract that `frame` passes: dtypes, nullability, ranges, allowed values.

    Identifiers, free text, empty columns and dates are drafted `feature: false` (see
    `column_profile.non_features`); one log line lists them, and constant columns, with why.
    """
    if target not in frame.columns:
        hint = separator_problem(frame, source_path) if source_path.lower().endswith(".csv") else ""
        raise DataError(
            hint
            or f"Target column {target!r} is not in {source_path} (columns: "
            f"{', '.join(map(str, frame.columns))}). Pass --target with one of them."
        )
    if frame.empty:
        raise DataError(f"{source_path} has no rows; cannot infer a contract from it.")
    columns = {str(column): column_rules(frame[column]) for column in frame.columns}
    roles, constants = non_features(frame, columns, target)
    ids = [column for column, role in roles.items() if role.startswith("identifier")]
    for column in roles:
        if column in ids:
            columns[column]["unique"] = True
        columns[column]["feature"] = False
    _log_roles(roles, constants)
    task = task or _task(frame[target], columns[target]["dtype"])
    if task != "regression":
        columns[target].pop("min", None)
        columns[target].pop("max", None)
    contract: dict[str, Any] = {"name": name, "task": task, "target": target}
    if ids:
        contract["id_column"] = ids[0]
    contract["source"] = {"kind": "file", "path": source_path}
    contract["columns"] = columns
    contract["checks"] = []
    DataParams.model_validate(contract)  # the draft must be a valid contract
    return contract


def render_contract(contract: dict[str, Any], rows: int) -> str:
    header = (
        f"# Data contract for {contract['name']!r}, drafted by `gitml infer-contract` from "
        f"{rows} rows of {contract['source']['path']}.\n"
        "# Review it: ranges and allowed values are what the sample held, so widen them where\n"
        "# new data may legitimately go further; set nullable: false where a gap is a bug.\n"
        "# Use it with `gitml compose data=<name>` or `dvc exp run -S data=<name>`.\n"
    )
    return header + yaml.safe_dump(contract, sort_keys=False, allow_unicode=True)


def contract_name(stem: str) -> str:
    """An ASCII name for `data=<name>` overrides: `Données Clients` → `donnees_clients`."""
    ascii_stem = unicodedata.normalize("NFKD", stem.casefold()).encode("ascii", "ignore").decode()
    name = re.sub(r"[^a-z0-9]+", "_", ascii_stem).strip("_") or "dataset"
    # Hydra reads `data=2024` or `data=true` as a number or a boolean, not a config name
    return name if name[0].isalpha() and name not in HYDRA_KEYWORDS else f"data_{name}"


def run(
    path: str, target: str, name: str | None, task: str | None, output: str | None, force: bool
) -> Path:
    if name is not None and (
        not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", name) or name.lower() in HYDRA_KEYWORDS
    ):
        raise ConfigError(
            f"--name {name!r} cannot be selected with `gitml compose data=<name>`: use ASCII "
            f"letters, digits, _ or -, starting with a letter (e.g. --name {contract_name(name)})."
        )
    frame = read_table(path)
    name = name or contract_name(Path(path).stem)
    destination = Path(output or f"conf/data/{name}.yaml")
    if destination.exists() and not force:
        raise ConfigError(
            f"{destination} exists; pass --force to replace it or --output elsewhere."
        )
    contract = draft_contract(frame, name, target, path, task)
    text = render_contract(contract, len(frame))
    write_with(destination, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return destination


def _task(target: pd.Series, dtype: str) -> str:
    distinct = target.nunique(dropna=True)
    if distinct == 2:
        return "binary"
    if dtype in ("category", "str", "bool") or (dtype == "int" and distinct <= MAX_CLASSES):
        return "multiclass"
    return "regression"


def _log_roles(roles: dict[str, str], constants: dict[str, Any]) -> None:
    parts = []
    if roles:
        listed = ", ".join(f"{column} ({role})" for column, role in roles.items())
        parts.append(f"Drafted as feature: false: {listed}.")
    if constants:
        listed = ", ".join(f"{column} (always {value!r})" for column, value in constants.items())
        parts.append(f"Constant, kept as features: {listed}.")
    if parts:
        logger.info("%s Change `feature:` in the draft where that is wrong.", " ".join(parts))
