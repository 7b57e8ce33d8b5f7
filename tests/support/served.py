"""The packaged Bento served on 127.0.0.1, started once per test session (per xdist worker).

test_service and test_monitor only send requests to it and read its log and metrics, so they
share one server: packaging and starting one takes 7-18 s of a core. BentoML's home is a
temporary directory, so nothing touches the user's model store.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import yaml

from gitml.config.params import Params
from gitml.ml.model import load_model
from tests.support.pipeline import TrainedPipeline

GITML = [sys.executable, "-m", "gitml"]
# a stalled head or body is refused in 2 s, not 10: the tests that stall wait that long
FAST_TIMEOUTS = ("serve.read_timeout_s=2", "serve.header_timeout_s=2")


@dataclass
class Served:
    url: str
    params: Params
    root: Path
    env: dict[str, str]
    test: pd.DataFrame
    expected: np.ndarray  # in-process predict_proba of `test` rows


def records(frame: pd.DataFrame, params: Params) -> list[dict[str, Any]]:
    """Feature columns as JSON records with plain Python values and null for missing."""
    columns = {
        name: [None if pd.isna(value) else value for value in frame[name].tolist()]
        for name in params.data.feature_columns
    }
    return [dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def package_copy(
    compose_params: Callable[..., Params],
    trained_pipeline: TrainedPipeline,
    workdir: Path,
    *overrides: str,
) -> tuple[Params, Path, dict[str, str]]:
    """The session's model copied under `workdir` and packaged there: params, root, env.

    `overrides` (`serve.key=value`) replace FAST_TIMEOUTS and the conf/ defaults.
    """
    # its own copy: packaging writes params.yaml and a BentoML store beside the artifacts
    root = workdir / "project"
    settings = dict(override.split("=", 1) for override in (*FAST_TIMEOUTS, *overrides))
    serve_params = trained_pipeline.composed.model_copy(
        update={"serve": compose_params(*(f"{k}={v}" for k, v in settings.items())).serve}
    )
    params = trained_pipeline.copy_to(root, serve_params)
    (root / "params.yaml").write_text(yaml.safe_dump(params.model_dump(mode="json")))
    env = os.environ | {
        "BENTOML_HOME": str(root / "bentoml"),
        "BENTOML_DO_NOT_TRACK": "True",
        "LOG_LEVEL": "INFO",
    }
    packaged = subprocess.run(
        [*GITML, "package"], check=False, cwd=root, env=env, capture_output=True, text=True
    )
    assert packaged.returncode == 0, packaged.stderr  # the reason, in CI's log
    return params, root, env


def start_server(root: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """`gitml serve` in `root` on a free port, once /readyz answers: the process and its URL.

    Its output goes to `root`/server.log; it is the leader of its own process group.
    """
    port = _free_port()
    with (root / "server.log").open("w") as log:
        server = subprocess.Popen(
            [*GITML, "serve", "--port", str(port)],
            cwd=root,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped whole by stop_server
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise AssertionError((root / "server.log").read_text())
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    return server, url
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        raise AssertionError(f"server not ready:\n{(root / 'server.log').read_text()}")
    except BaseException:
        stop_server(server)
        raise


def stop_server(server: subprocess.Popen[bytes], grace_s: float = 5) -> None:
    """SIGTERM to the server's process group, then SIGKILL for what is left after `grace_s`.

    The server stops within serve.drain_timeout_s (after test_service: exit 0 in 0.5 s, where
    an abandoned upload held it 30 s before); the fallback is for one that does not.
    """
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=20)


@contextmanager
def serve(
    compose_params: Callable[..., Params], trained_pipeline: TrainedPipeline, workdir: Path
) -> Iterator[Served]:
    """Package the session's model under `workdir` and serve it; stopped whole on exit."""
    params, root, env = package_copy(compose_params, trained_pipeline, workdir)
    server, url = start_server(root, env)
    try:
        test = pd.read_parquet(params.paths.test).head(300)
        pipeline = load_model(params.paths.model)
        expected = pipeline.predict_proba(test[list(params.data.feature_columns)])
        yield Served(url, params, root, env, test, expected)
    finally:
        stop_server(server)
