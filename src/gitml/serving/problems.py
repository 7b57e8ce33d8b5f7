"""What a refused request is told: the cheap look at a body's shape that comes before the
contract's validation, and the wording of the validation's own problems (a 400's `error`
names the first few; `detail` keeps at most MAX_ERRORS).

Problems are reported as pydantic reports its own (`type`, `loc`, `msg`), so a client reads
one format whichever check refused it.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import Any

BODY_KEY = "records"  # the request body is {"records": [...]}: the API method's parameter
MAX_ERRORS = 50  # problems listed in a 400 answer
SHOWN_CHARS = 60  # of a client's key or header value quoted back in a message
SHOWN_KEYS = 5  # a record's unknown keys named in a message
KEYS_CHARS = 400  # a record's allowed keys listed in a message up to this length
NAMED_ERRORS = 3  # validation problems named in a 400's `error` (all are in `detail`)


def shape_problems(
    body: bytes,
    max_records: int,
    max_record_keys: int,
    record_keys: Collection[str] = (),
    left_out: Mapping[str, str] | None = None,
) -> tuple[int, list[dict[str, Any]]]:
    """(how many, the first MAX_ERRORS) problems a cheap look finds in a body's shape.

    Reported as pydantic reports its own. JSON that does not parse, or is not an object, is
    left to the contract's validation, which names the problem as well: this only counts
    top-level keys, records and each record's keys (and names those not in `record_keys`).
    """
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        return 0, []
    if not isinstance(payload, dict):
        return 0, []
    unknown = [key for key in payload if key != BODY_KEY]
    shape = f'the body is {{"{BODY_KEY}": [...]}}'
    problems = [
        _problem([key], "extra_forbidden", f"unknown top-level key {shown(key)!r}: {shape}")
        for key in unknown[:MAX_ERRORS]
    ]
    records = payload.get(BODY_KEY)
    if not isinstance(records, list):
        return len(unknown), problems
    if len(records) > max_records:
        message = f"{len(records)} records, at most {max_records} (serve.max_records) per request"
        return len(unknown) + 1, [*problems, _problem([BODY_KEY], "too_long", message)]
    wide = [
        index
        for index, record in enumerate(records)
        if isinstance(record, dict) and len(record) > max_record_keys
    ]
    problems += [
        _problem(
            [BODY_KEY, index],
            "too_many_keys",
            f"record {index} has {len(records[index])} keys, at most {max_record_keys} "
            f"(one per feature, and the id){_unknown_keys(records[index], record_keys, left_out)}",
        )
        for index in wide[: MAX_ERRORS - len(problems)]
    ]
    return len(unknown) + len(wide), problems


def _unknown_keys(
    record: dict[str, Any], record_keys: Collection[str], left_out: Mapping[str, str] | None
) -> str:
    """'; not contract columns: 'colour' (a record's keys are: ...)' for a record's keys not
    in `record_keys`; those in `left_out` (the contract's other columns) said to be such."""
    if not record_keys:
        return ""
    known, left_out = set(record_keys), left_out or {}
    unknown = [repr(shown(key)) for key in record if key not in known and key not in left_out]
    contract = [f"{shown(key)!r} ({left_out[key]})" for key in record if key in left_out]
    parts = []
    if unknown:
        parts.append(f"not contract columns: {_listed(unknown)}")
    if contract:
        parts.append(f"contract columns that a record leaves out: {_listed(contract)}")
    return f"; {'; '.join(parts)} {_keys_are(record_keys)}" if parts else ""


def _listed(shown: list[str]) -> str:
    more = f" and {len(shown) - SHOWN_KEYS:,} more" if len(shown) > SHOWN_KEYS else ""
    return ", ".join(shown[:SHOWN_KEYS]) + more


def _keys_are(record_keys: Collection[str]) -> str:
    """The allowed keys, when they are few enough to read in a message."""
    listed = ", ".join(record_keys)
    if len(listed) > KEYS_CHARS:
        return f"(the {len(record_keys)} keys a record may have: GET /docs.json)"
    return f"(a record's keys are: {listed})"


def trimmed(
    body: bytes, record_keys: Collection[str] = (), left_out: Mapping[str, str] | None = None
) -> bytes:
    try:
        payload = json.loads(body)
    except ValueError:
        return body
    detail = payload.get("detail") if isinstance(payload, dict) else None
    if not isinstance(detail, list) or not all(isinstance(item, dict) for item in detail):
        return body
    error = str(payload.get("error", "")) + named_problems(detail, left_out)
    if record_keys and any(_is_unknown_key(item) for item in detail):
        error = f"{error} {_keys_are(record_keys)}"
    if len(detail) > MAX_ERRORS:
        payload["detail"] = detail[:MAX_ERRORS]
        error = f"{error} (the first {MAX_ERRORS} of {len(detail)} shown in detail)"
    payload["error"] = error
    return json.dumps(payload).encode()


def named_problems(detail: list[dict[str, Any]], left_out: Mapping[str, str] | None = None) -> str:
    """': records.0.plan: Input should be ...; +2 more': the first NAMED_ERRORS problems of a
    400's `detail`, whose `error` from BentoML says only how many there are ('' for none)."""
    named = [_named(item, left_out or {}) for item in detail[:NAMED_ERRORS]]
    if not named:
        return ""
    more = f"; +{len(detail) - len(named):,} more" if len(detail) > len(named) else ""
    return f": {'; '.join(named)}{more}"


def _named(item: dict[str, Any], left_out: Mapping[str, str]) -> str:
    """One validation problem as `records.0.colour: ...`, an unknown key said as such."""
    loc = item.get("loc")
    where = ".".join(map(str, loc)) if isinstance(loc, list) and loc else "(body)"
    if _is_unknown_key(item):
        key = str(item["loc"][-1])
        if key in left_out:
            why = left_out[key]
            return f"{where}: {shown(key)!r} is a contract column that a record leaves out ({why})"
        return f"{where}: unknown key {shown(key)!r}, not a contract column"
    return f"{where}: {item.get('msg', item.get('type', 'invalid'))}"


def _is_unknown_key(item: dict[str, Any]) -> bool:
    """pydantic's problem for a key a record may not have (loc: records, <index>, <key>)."""
    loc = item.get("loc")
    return item.get("type") == "extra_forbidden" and isinstance(loc, list) and len(loc) == 3


def _problem(loc: list[str | int], kind: str, message: str) -> dict[str, Any]:
    return {"type": kind, "loc": loc, "msg": message}


def shown(text: str) -> str:
    return text if len(text) <= SHOWN_CHARS else f"{text[:SHOWN_CHARS]}..."
