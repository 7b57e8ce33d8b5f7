"""`gitml compose`: conf/ (Hydra) → params.yaml, the one file every stage reads.

The text is produced exactly as DVC's Hydra integration writes it on `dvc exp run -S ...`
(OmegaConf's YAML in composition order), so both paths give byte-identical files and a
diff of params.yaml only ever shows real changes.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from gitml.config.params import PARAMS_FILE, DataParams, Params, parse_params
from gitml.errors import ConfigError
from gitml.io import load_yaml, write_with

if TYPE_CHECKING:
    from omegaconf import DictConfig

CONF_DIR = "conf"
CONFIG_NAME = "config"


def compose_text(conf_dir: str | Path = CONF_DIR, overrides: list[str] | None = None) -> str:
    """Compose conf/ with Hydra overrides and return params.yaml's text, validated."""
    return compose_params(conf_dir, overrides)[0]


def compose_params(
    conf_dir: str | Path = CONF_DIR, overrides: list[str] | None = None
) -> tuple[str, Params]:
    """params.yaml's text composed as `compose_text` does, and the params it holds (read
    once: the YAML of a wide contract takes a while even in libyaml)."""
    from hydra.errors import HydraException
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    directory = Path(conf_dir).resolve()
    if not (directory / f"{CONFIG_NAME}.yaml").is_file():
        raise ConfigError(
            f"{directory / CONFIG_NAME}.yaml not found. Run gitml from the project root."
        )
    try:
        config = _compose(directory, overrides or [])
        OmegaConf.resolve(config)
        text = OmegaConf.to_yaml(config)
    except (HydraException, OmegaConfBaseException) as exc:
        raise ConfigError(_explain(exc, directory, overrides or [])) from None
    except yaml.YAMLError as exc:  # a file in conf/ that does not parse, or has a key twice
        where = " ".join(line.strip() for line in str(exc).splitlines())
        raise ConfigError(
            f"A file in conf/ is not valid YAML: {where}. Fix it there (indentation, an "
            "unclosed quote or bracket, a key given twice) and run `gitml compose` again."
        ) from None
    except ValueError as exc:  # Hydra's defaults list, e.g. `data=2024` parses as a number
        raise ConfigError(
            f"Cannot compose conf/ with overrides {overrides or []}: {exc}. A group option "
            "that reads as a number, true/false or null needs quotes: \"data='2024'\"."
        ) from None
    unset = sorted(OmegaConf.missing_keys(config))
    if unset:
        raise ConfigError(_unset_message(unset, directory, overrides or []))
    return text, parse_params(load_yaml(text), origin="the composed config")


def _unset_message(unset: list[str], directory: Path, overrides: list[str]) -> str:
    """Where a ??? value is and how to set it for good: a command-line override lasts for
    one compose, while `make run`, `dvc exp run` and CI compose conf/ as it is."""
    key = unset[0]
    group, _, leaf = key.partition(".")
    option = _chosen_option(group, directory, overrides)
    where = f"conf/{group}/{option}.yaml" if option else "conf/"
    lines = [f"{', '.join(unset)} must be set (it is ??? in {where})."]
    if option:
        lines.append(
            f"To make it the project's default, which `make run`, every `dvc exp run` and CI "
            f"compose, set `{leaf}: <value>` in {where} and `- {group}: {option}` in the "
            "defaults list of conf/config.yaml, then run `gitml compose`."
        )
    lines.append(
        f"For one try only: `gitml compose {' '.join([*overrides, f'{key}=<value>'])}` (the "
        "next compose without it forgets it)."
    )
    return " ".join(lines)


def _chosen_option(group: str, directory: Path, overrides: list[str]) -> str | None:
    """The option of config group `group` that a compose with `overrides` selects."""
    for override in reversed(overrides):
        name, _, value = override.partition("=")
        if name.lstrip("+~") == group and value:
            return value
    try:
        root = yaml.safe_load((directory / f"{CONFIG_NAME}.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    for entry in (root or {}).get("defaults", []):
        if isinstance(entry, dict) and group in entry:
            return str(entry[group])
    return None


def _compose(directory: Path, overrides: list[str]) -> DictConfig:
    from hydra import compose, initialize_config_dir

    with initialize_config_dir(str(directory), version_base=None):
        return compose(config_name=CONFIG_NAME, overrides=overrides)


def _explain(error: Exception, directory: Path, overrides: list[str]) -> str:
    """Hydra's error, made to say what to do: a mistyped key gets the keys it could be."""
    from omegaconf import DictConfig, OmegaConf

    text = str(error).split("\nConfig search path:")[0].strip()
    typo = re.search(r"Could not override '([^']+)'", text)
    spaced = [o for o in overrides if re.search(r"[\s'\"]", o.split("=", 1)[0])]
    if spaced and "LexerNoViableAlt" in text:
        return (
            f"Cannot override {spaced[0]!r}: Hydra's override grammar cannot name a key with "
            "spaces or quotes in it, such as a column called 'monthly charges'. Change the "
            "value in conf/ (conf/data/<name>.yaml for a column's rules), then run `gitml "
            "compose`."
        )
    if not typo:
        return f"Cannot compose conf/ with overrides {overrides}: {text}"
    key = typo.group(1)
    parent, _, leaf = key.rpartition(".")
    others = [o for o in overrides if o.split("=", 1)[0].lstrip("+~") != key]
    try:
        node = OmegaConf.select(_compose(directory, others), parent) if parent else None
    except Exception:  # the other overrides fail too: Hydra's own words will do
        node = None
    if not isinstance(node, DictConfig):
        return f"Cannot compose conf/ with overrides {overrides}: {text}"
    chosen = f" ({parent}={node['name']})" if "name" in node else ""
    return (
        f"{key!r} is not a setting of {parent}{chosen}: it has "
        f"{', '.join(str(k) for k in node)}. Check the spelling of {leaf!r}."
    )


def missing_source(data: DataParams) -> str | None:
    """A warning when the composed data source is a file that is not there (yet), or None.

    DVC checks a stage's deps before it runs it, so `dvc repro` would stop with its own
    "No such file or directory" and no word on which setting to fix.
    """
    path = data.source.path
    if data.source.kind != "file" or Path(path).exists():
        return None
    return (
        f"data.source.path {path!r} (conf/data/{data.name}.yaml) does not exist: "
        "`dvc repro` will stop at ingest. Fix the path there, or `dvc pull` the file if DVC "
        "tracks it."
    )


def write_params(text: str, path: str | Path = PARAMS_FILE) -> bool:
    """Write params.yaml if its text changed; return whether it did."""
    target = Path(path)
    if target.is_file() and target.read_text(encoding="utf-8") == text:
        return False
    write_with(target, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return True


def stale_diff(text: str, path: str | Path = PARAMS_FILE) -> str:
    """Unified diff from the file on disk to the composed text ('' when up to date)."""
    target = Path(path)
    current = target.read_text(encoding="utf-8") if target.is_file() else ""
    lines = difflib.unified_diff(
        current.splitlines(keepends=True),
        text.splitlines(keepends=True),
        fromfile=f"{target} (on disk)",
        tofile=f"{target} (composed from conf/)",
    )
    return "".join(lines)
