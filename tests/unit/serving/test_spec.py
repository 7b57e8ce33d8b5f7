"""The serving spec is written and read through one typed model."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitml.config.params import Params
from gitml.errors import ConfigError
from gitml.serving.spec import build_spec, read_spec, spec_json, spec_path, with_version
from tests.support.model_meta import BINARY_META

META = BINARY_META


def test_a_written_spec_reads_back_the_same(params: Params, tmp_path: Path) -> None:
    spec = with_version(build_spec(params, META, {"roc_auc": 0.9}, "ab" * 32, "1234abcd"), "v9")
    (tmp_path / "serving.json").write_text(spec_json(spec))
    assert read_spec(tmp_path / "serving.json") == spec
    assert spec.model_tag == "gitml-model:" + ("ab" * 32)[:20]
    assert spec.info.model_version == "v9"
    assert spec_json(spec) == spec_json(read_spec(tmp_path / "serving.json"))  # stable bytes


def test_a_spec_that_is_not_one_says_to_rebuild_the_bento(tmp_path: Path) -> None:
    (tmp_path / "serving.json").write_text('{"model_tag": "x"}')
    with pytest.raises(
        ConfigError,
        match=r"is not a serving spec this gitml can serve \(data: Field required\)\. Rebuild",
    ):
        read_spec(tmp_path / "serving.json")


def test_a_bento_without_the_variable_finds_the_spec_at_the_package_root(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # `gitml package` writes gitml/serving.json; a container starts with no GITML_SERVING_SPEC
    monkeypatch.delenv("GITML_SERVING_SPEC", raising=False)
    import gitml

    assert spec_path() == Path(gitml.__file__).resolve().parent / "serving.json"
