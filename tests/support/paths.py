"""Where the project is, and params whose outputs live somewhere else."""

from __future__ import annotations

from pathlib import Path

from gitml.config.params import Params

ROOT = Path(__file__).resolve().parents[2]


def with_paths(params: Params, root: Path) -> Params:
    """The same params with every output path moved under `root`."""
    paths = {key: str(root / value) for key, value in params.paths.model_dump().items()}
    return params.model_copy(update={"paths": params.paths.model_copy(update=paths)})
