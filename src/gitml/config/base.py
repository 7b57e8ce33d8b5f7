"""The base of every params model: strict (no coercion), frozen, no unknown keys."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Task = Literal["binary", "multiclass", "regression"]


class Strict(BaseModel):
    """A typo is an error (`extra="forbid"`), "3" is no 3 (`strict`), and params never change
    once read (`frozen`)."""

    model_config = ConfigDict(strict=True, frozen=True, extra="forbid")
