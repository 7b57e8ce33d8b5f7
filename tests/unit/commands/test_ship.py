"""The ship loop's commands through `gitml ...`: package, serve and predict's handlers."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from gitml import cli
from gitml.config.params import Params
from gitml.errors import DataError
from gitml.serving import batch, package, runtime
from tests.support.paths import ROOT


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The cwd: the project's params.yaml, nothing trained."""
    shutil.copy(ROOT / "params.yaml", tmp_path / "params.yaml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_package_prints_only_the_bento_tag_on_stdout(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    archives: list[str | None] = []

    def build(params: Params, archive: str | None, root: Path = Path()) -> package.Packaged:
        archives.append(archive)
        return package.Packaged("gitml_churn:m1", "gitml_churn_service:b1", None)

    monkeypatch.setattr(package, "run", build)

    assert cli.main(["package", "--output", "dist/bento.bentomodel"]) == 0

    assert capsys.readouterr().out == "gitml_churn_service:b1\n"  # `bentoml containerize "$tag"`
    assert archives == ["dist/bento.bentomodel"]


def test_package_without_a_trained_model_says_to_reproduce_and_prints_no_tag(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["package"]) == DataError.exit_code

    out, err = capsys.readouterr()
    assert out == ""
    assert (
        "ERROR No trained model at models/model.skops (with models/model.json). Run `dvc repro` "
        "(or `dvc pull`) first."
    ) in err


def test_serve_checks_the_port_before_packaging_then_serves_that_bento(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[Any, ...]] = []

    def build(params: Params, archive: str | None) -> package.Packaged:
        calls.append(("package", archive))
        return package.Packaged("m:1", "s:1", None)

    monkeypatch.setattr(runtime, "check_port_free", lambda host, port: calls.append(("port", port)))
    monkeypatch.setattr(package, "run", build)
    monkeypatch.setattr(runtime, "serve_bento", lambda *served: calls.append(("serve", *served)))

    assert cli.main(["serve", "--host", "127.0.0.1", "--port", "3917"]) == 0

    assert calls == [("port", 3917), ("package", None), ("serve", "s:1", "127.0.0.1", 3917)]


def test_predict_passes_the_kept_names_trimmed_and_its_files(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: dict[str, Any] = {}

    def score(params: Params, *files: Any, **options: Any) -> tuple[int, int]:
        asked.update(files=files, **options)
        return 10, 0

    monkeypatch.setattr(batch, "run", score)
    argv = ["predict", "--input", "new.csv", "--output", "scores.parquet", "--chunk-rows", "50"]

    assert cli.main([*argv, "--keep", " customer_id, region ,,"]) == 0

    assert asked == {
        "files": ("new.csv", "scores.parquet", None, 50),
        "params_file": "params.yaml",
        "keep": ("customer_id", "region"),
    }
