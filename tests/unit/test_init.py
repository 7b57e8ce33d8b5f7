"""gitml.__version__: pyproject.toml's version, read from the installed package's metadata."""

from __future__ import annotations

import importlib.metadata
import tomllib

import pytest

import gitml
from tests.support.paths import ROOT


def test_version_is_the_one_pyproject_declares() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert gitml.__version__ == declared["project"]["version"]


def test_a_copy_without_metadata_says_its_version_is_unknown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given the package's source without its install metadata, as inside a Bento
    def not_installed(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    # then its version says so instead of failing the import
    assert gitml.__version__ == gitml.UNKNOWN_VERSION


def test_other_attributes_are_still_missing() -> None:
    with pytest.raises(AttributeError, match="no attribute 'versoin'"):
        _ = gitml.versoin
