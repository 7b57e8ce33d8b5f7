"""Shared fixtures: typed params composed from the real conf/, small frames, no telemetry."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from gitml.config.compose import compose_text
from gitml.config.params import Params, parse_params

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _no_telemetry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DVC_NO_ANALYTICS", "1")
    monkeypatch.setenv("DVC_NO_UPDATE_CHECK", "1")
    monkeypatch.setenv("BENTOML_DO_NOT_TRACK", "True")


@pytest.fixture(scope="session")
def compose_params() -> Callable[..., Params]:
    """Params from the project's conf/ with Hydra overrides, e.g. compose('model=linear')."""

    def compose(*overrides: str) -> Params:
        return parse_params(yaml.safe_load(compose_text(ROOT / "conf", list(overrides))))

    return compose


@pytest.fixture(scope="session")
def params(compose_params: Callable[..., Params]) -> Params:
    return compose_params("data.source.n_rows=2000")


def with_paths(params: Params, root: Path) -> Params:
    """The same params with every output path moved under `root`."""
    paths = {key: str(root / value) for key, value in params.paths.model_dump().items()}
    return params.model_copy(update={"paths": params.paths.model_copy(update=paths)})
