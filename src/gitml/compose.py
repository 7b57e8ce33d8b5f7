"""`gitml compose`: conf/ (Hydra) → params.yaml, the one file every stage reads.

The text is produced exactly as DVC's Hydra integration writes it on `dvc exp run -S ...`
(OmegaConf's YAML in composition order), so both paths give byte-identical files and a
diff of params.yaml only ever shows real changes.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import yaml

from gitml.config import PARAMS_FILE, parse_params
from gitml.errors import ConfigError
from gitml.io import write_with

CONF_DIR = "conf"
CONFIG_NAME = "config"


def compose_text(conf_dir: str | Path = CONF_DIR, overrides: list[str] | None = None) -> str:
    """Compose conf/ with Hydra overrides and return params.yaml's text, validated."""
    from hydra import compose, initialize_config_dir
    from hydra.errors import HydraException
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    directory = Path(conf_dir).resolve()
    if not (directory / f"{CONFIG_NAME}.yaml").is_file():
        raise ConfigError(
            f"{directory / CONFIG_NAME}.yaml not found. Run gitml from the project root."
        )
    try:
        with initialize_config_dir(str(directory), version_base=None):
            config = compose(config_name=CONFIG_NAME, overrides=overrides or [])
        OmegaConf.resolve(config)
        text = OmegaConf.to_yaml(config)
    except (HydraException, OmegaConfBaseException) as exc:
        raise ConfigError(f"Cannot compose conf/ with overrides {overrides or []}: {exc}") from None
    parse_params(yaml.safe_load(text), origin="the composed config")
    return text


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
