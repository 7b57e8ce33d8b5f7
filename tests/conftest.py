"""Shared fixtures: params composed from the real conf/, one trained pipeline, one served
Bento, no telemetry."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator

import pytest
import yaml

from gitml.cli import StderrHandler
from gitml.config.compose import compose_text
from gitml.config.params import Params, parse_params
from tests.support.paths import ROOT
from tests.support.pipeline import TrainedPipeline, train_pipeline
from tests.support.served import Served, serve


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist there is a worker per core already: one OpenMP thread each
    (scikit-learn's gradient boosting, in the worker and in every stage it starts). A team of
    threads per worker spins against the other workers' on a 2-core box (train on 240 rows:
    median 1.2x the CPU, up to 2.4x, of one thread); the fitted models do not depend on it.
    Set before the test modules import scikit-learn, whose OpenMP runtime reads it on load."""
    if "PYTEST_XDIST_WORKER" in os.environ:
        os.environ.setdefault("OMP_NUM_THREADS", "1")


@pytest.fixture(autouse=True)
def _no_cli_logging_left() -> Iterator[None]:
    """`gitml.cli.main` sets up gitml's stderr handler for its process; in tests it would
    outlive the test (or module fixture) that called main and print later tests' log lines
    into their stderr, which some assert is empty."""
    yield
    package_logger = logging.getLogger("gitml")
    for handler in [h for h in package_logger.handlers if isinstance(h, StderrHandler)]:
        package_logger.removeHandler(handler)
    package_logger.setLevel(logging.NOTSET)


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


@pytest.fixture(scope="session")
def trained_pipeline(
    compose_params: Callable[..., Params], tmp_path_factory: pytest.TempPathFactory
) -> TrainedPipeline:
    """Every stage run once on 3000 synthetic rows and the default model; read-only.

    A test that writes beside these artifacts takes `trained_pipeline.copy_to(tmp_path)`.
    """
    composed = compose_params("data.source.n_rows=3000")
    return train_pipeline(composed, tmp_path_factory.mktemp("trained-pipeline"))


@pytest.fixture(scope="session")
def served(
    compose_params: Callable[..., Params],
    trained_pipeline: TrainedPipeline,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Served]:
    """The session's model packaged and served on 127.0.0.1 (test_service, test_monitor);
    read-only: tests send it requests and read its log and metrics."""
    with serve(compose_params, trained_pipeline, tmp_path_factory.mktemp("served")) as running:
        yield running
