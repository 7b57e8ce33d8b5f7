from __future__ import annotations

from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gitml.config.messages import problem_lines


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Split(_Strict):
    test_size: float = Field(gt=0, lt=1)
    seed: int = 0


class _Forest(_Strict):
    name: Literal["forest"]
    n_estimators: int = 100


class _Linear(_Strict):
    name: Literal["linear"]
    c: float = 1.0


class _Root(_Strict):
    split: _Split
    model: _Forest | _Linear = Field(discriminator="name")
    tags: list[str] | dict[str, str] = []


def _lines(raw: dict[str, object]) -> list[str]:
    with pytest.raises(ValidationError) as error:
        _Root.model_validate(raw)
    return problem_lines(error.value, _Root).splitlines()


def test_a_bad_value_names_its_dotted_key_and_the_value() -> None:
    lines = _lines({"split": {"test_size": 1.5}, "model": {"name": "forest"}})
    assert lines == ["  split.test_size: Input should be less than 1 (got 1.5)"]


def test_an_unknown_key_lists_the_keys_its_section_takes() -> None:
    lines = _lines({"split": {"test_size": 0.2, "sede": 1}, "model": {"name": "forest"}})
    assert lines == [
        "  split.sede: Extra inputs are not permitted; the keys here are test_size, seed"
    ]


def test_an_unknown_tag_names_the_tag_key_and_the_choices() -> None:
    lines = _lines({"split": {"test_size": 0.2}, "model": {"name": "xgboost"}})
    assert lines == ["  model.name: unknown 'xgboost'; choose one of 'forest', 'linear'"]


def test_a_key_of_a_tagged_model_drops_the_tag_and_lists_that_models_keys() -> None:
    lines = _lines({"split": {"test_size": 0.2}, "model": {"name": "linear", "n_estimators": 5}})
    assert lines == [
        "  model.n_estimators: Extra inputs are not permitted; the keys here are name, c"
    ]


def test_every_problem_gets_its_own_line_and_a_missing_key_no_value() -> None:
    lines = _lines({"split": {"seed": "x"}, "model": {"name": "forest"}})
    assert lines == [
        "  split.test_size: Field required",
        "  split.seed: Input should be a valid integer, unable to parse string as an integer"
        " (got 'x')",
    ]


def test_a_value_that_fits_no_member_of_a_union_is_one_line() -> None:
    lines = _lines({"split": {"test_size": 0.2}, "model": {"name": "forest"}, "tags": 3})
    assert len(lines) == 1
    assert lines[0].startswith("  tags: Input should be a valid list or ")
    assert lines[0].endswith("(got 3)")
