"""Strict: what every params model refuses (a typo, a coerced value) and that it never changes."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from gitml.config.base import Strict


class Example(Strict):
    count: int
    name: str = "x"


def test_an_unknown_key_is_refused_by_name() -> None:
    with pytest.raises(ValidationError, match=r"cont\n  Extra inputs are not permitted"):
        Example.model_validate({"count": 1, "cont": 2})


@pytest.mark.parametrize(
    ("value", "expected"), [("3", "valid integer"), (3.0, "valid integer"), (True, "valid integer")]
)
def test_values_are_not_coerced(value: object, expected: str) -> None:
    with pytest.raises(ValidationError, match=expected):
        Example.model_validate({"count": value})
    assert Example.model_validate({"count": 3}).count == 3


def test_a_params_object_never_changes_once_read() -> None:
    example = Example(count=1)
    with pytest.raises(ValidationError, match="frozen"):
        example.count = 2  # type: ignore[misc]
    assert example.count == 1
