"""pydantic's validation errors as one line per bad key: its dotted name, what is wrong,
the value when short, and for an unknown key the keys that section takes."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ValidationError

# pydantic names the member of an untagged union (`list[str] | dict[...]`) in the location
UNION_MEMBER = re.compile(r"^((list|dict|tuple|set|literal)\[.*\]|constrained-\w+|int|float|str)$")


def problem_lines(error: ValidationError, root: type[BaseModel]) -> str:
    """Every problem of `error`, raised validating `root`, one indented line each."""
    return "\n".join(_problem(problem, root) for problem in _one_union_member(error.errors()))


def _one_union_member(errors: list[Any]) -> list[Any]:
    """A value that fits no member of a union fails each: report the member it came closest
    to (the deepest failure, e.g. an empty string in a list), all of them if none did."""
    groups: dict[tuple[Any, ...], list[Any]] = {}
    kept = []
    for error in errors:
        loc = tuple(error["loc"])
        cut = next((i for i, part in enumerate(loc) if UNION_MEMBER.match(str(part))), None)
        if cut is None:
            kept.append(error)
        else:
            groups.setdefault(loc[:cut], []).append(error)
    for key, members in groups.items():
        if len(members) == 1:  # no union after all (a column named `int`, say): as it is
            kept += members
            continue
        depth = max(len(error["loc"]) for error in members)
        closest = [error for error in members if len(error["loc"]) == depth]
        if len(closest) > 1:  # equally far: one line saying every shape it could take
            first, *others = (str(error["msg"]) for error in closest)
            message = " or ".join([first, *(m.removeprefix("Input should be ") for m in others)])
            closest = [closest[0] | {"msg": message}]
        kept += [error | {"loc": key + tuple(error["loc"][len(key) + 1 :])} for error in closest]
    return kept


def _problem(error: Any, root: type[BaseModel]) -> str:
    where = _dotted(error["loc"], root)
    if error["type"] == "union_tag_invalid":  # pydantic's words name neither key nor choices
        context = error["ctx"]
        key = ".".join(filter(None, [where, str(context["discriminator"]).strip("'")]))
        return f"  {key}: unknown {context['tag']!r}; choose one of {context['expected_tags']}"
    reason = _reason(error)
    if error["type"] == "extra_forbidden" and (keys := _keys_at(error["loc"][:-1], root)):
        reason += f"; the keys here are {', '.join(keys)}"
    if error["loc"][-1:] == ("[key]",) and error["type"] == "string_type":
        reason += (
            ": conf/ read this name as a number or a boolean (as it reads 1e5, 2.0, true); "
            "quote it in the YAML file, e.g. '1e5':"
        )
    return f"  {where}: {reason}" if where else f"  {reason}"


def _keys_at(loc: tuple[int | str, ...], root: type[BaseModel]) -> list[str]:
    """The keys the params model takes at `loc` (a section, a column, a model), or []."""
    from types import NoneType, UnionType
    from typing import Union, get_args, get_origin

    node: Any = root
    for part in loc:
        if get_origin(node) in (Union, UnionType):  # a tagged model or source: pick by the tag
            options = [arg for arg in get_args(node) if arg is not NoneType]
            tagged = [o for o in options if part in _tags(o)]
            node = tagged[0] if tagged else options[0]
            if tagged:
                continue
        if get_origin(node) is dict:
            node = get_args(node)[1]
        elif isinstance(node, type) and issubclass(node, BaseModel) and part in node.model_fields:
            node = node.model_fields[str(part)].annotation
        else:
            return []
    if get_origin(node) in (Union, UnionType):
        node = next((arg for arg in get_args(node) if arg is not NoneType), None)
    return list(node.model_fields) if isinstance(node, type) and issubclass(node, BaseModel) else []


def _tags(model: Any) -> tuple[Any, ...]:
    """The literal values of a tagged union member's `name` or `kind` field."""
    from typing import get_args

    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return ()
    fields = model.model_fields
    tag = fields.get("name") or fields.get("kind")
    return get_args(tag.annotation) if tag else ()


def _dotted(loc: tuple[int | str, ...], root: type[BaseModel]) -> str:
    from typing import get_args

    parts = [str(part) for part in loc]
    # discriminated unions add the tag to the location (model.random_forest.max_depth); drop it
    model = root.model_fields.get("model")
    names = {tag for member in get_args(model.annotation) for tag in _tags(member)} if model else ()
    if len(parts) > 2 and parts[0] == "model" and parts[1] in names:
        del parts[1]
    if len(parts) > 3 and parts[:2] == ["data", "source"] and parts[2] in ("synthetic", "file"):
        del parts[2]
    return ".".join(parts)  # empty for a rule over the whole file: its message names keys


def _reason(error: Any) -> str:
    message = str(error["msg"]).removeprefix("Value error, ")
    shown = repr(error.get("input"))
    if error["type"] in ("missing", "extra_forbidden") or len(shown) > 80:
        return message  # a whole section as "input" would bury the message
    return f"{message} (got {shown})"
