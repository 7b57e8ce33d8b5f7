"""Raw params (what params.yaml holds) from valid ones, with one value changed."""

from __future__ import annotations

from typing import Any

from gitml.config.params import Params


def with_value(params: Params, dotted: str, value: object) -> dict[str, Any]:
    """`params` as a raw mapping, with the key at `dotted` (e.g. 'serve.workers') set."""
    raw = params.model_dump()
    *parents, last = dotted.split(".")
    node = raw
    for part in parents:
        node = node[part]
    node[last] = value
    return raw
