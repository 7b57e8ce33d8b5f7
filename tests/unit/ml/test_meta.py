"""models/model.json is read and written through one typed model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitml.errors import DataError
from gitml.ml.meta import ModelMeta, read_model_meta, write_model_meta

MINIMAL = {
    "task": "binary",
    "target": "churned",
    "features": [{"name": "tenure", "dtype": "int", "kind": "numeric"}],
    "classes": [0, 1],
    "positive_class": 1,
}


def test_what_is_written_reads_back_the_same(tmp_path: Path) -> None:
    meta = ModelMeta.model_validate(MINIMAL | {"versions": {"python": "3.11.7"}})
    write_model_meta(tmp_path / "model.json", meta)
    assert read_model_meta(tmp_path / "model.json") == meta
    assert json.loads((tmp_path / "model.json").read_text())["format"] == 1


def test_a_file_from_another_version_reads_its_keys_and_ignores_the_rest(tmp_path: Path) -> None:
    # given a file with a key this version does not know and without the ones it added since
    (tmp_path / "model.json").write_text(json.dumps(MINIMAL | {"retired_key": 3}))
    meta = read_model_meta(tmp_path / "model.json")
    assert meta.feature_names == ["tenure"]
    assert meta.id_column is None
    assert meta.train_data is None


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("{not json", "is not a gitml model's metadata (Expecting property name"),
        (
            json.dumps({"task": "binary"}),
            "is not a gitml model's metadata (target: Field required)",
        ),
        (json.dumps(MINIMAL | {"task": "ranking"}), "(task: Input should be 'binary'"),
    ],
)
def test_a_broken_file_is_named_with_its_first_problem_and_the_fix(
    tmp_path: Path, text: str, says: str
) -> None:
    (tmp_path / "model.json").write_text(text)
    with pytest.raises(DataError, match="Restore it with `dvc checkout`") as raised:
        read_model_meta(tmp_path / "model.json")
    assert says in str(raised.value)


def test_a_missing_file_says_how_to_make_it(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"Model metadata not found: .*model\.json\. Run `dvc"):
        read_model_meta(tmp_path / "model.json")
