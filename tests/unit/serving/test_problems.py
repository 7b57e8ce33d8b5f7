"""serving/problems.py: the cheap look at a body's shape, and how validation problems read."""

from __future__ import annotations

import json

from gitml.serving.problems import MAX_ERRORS, SHOWN_CHARS, shape_problems, trimmed


def test_a_body_that_is_not_a_json_object_is_left_to_the_contracts_validation() -> None:
    for body in (b'{"records": [', b"[1, 2]", b'"records"', b"[" * 100_000):
        assert shape_problems(body, max_records=3, max_record_keys=2) == (0, [])


def test_every_problem_is_counted_and_the_first_max_errors_are_listed() -> None:
    body = json.dumps({f"k{index}": 0 for index in range(MAX_ERRORS + 10)}).encode()
    count, problems = shape_problems(body, max_records=3, max_record_keys=2)
    assert count == MAX_ERRORS + 10
    assert len(problems) == MAX_ERRORS
    assert problems[0] == {
        "type": "extra_forbidden",
        "loc": ["k0"],
        "msg": "unknown top-level key 'k0': the body is {\"records\": [...]}",
    }


def test_a_clients_long_key_is_quoted_back_cut_short() -> None:
    key = "x" * 10_000
    _, problems = shape_problems(json.dumps({key: 1}).encode(), 3, 2)
    assert f"'{'x' * SHOWN_CHARS}...'" in problems[0]["msg"]
    assert len(problems[0]["msg"]) < SHOWN_CHARS + 100


def test_many_allowed_keys_are_pointed_to_rather_than_listed() -> None:
    keys = tuple(f"feature_{index:03d}" for index in range(100))
    body = json.dumps({"records": [dict.fromkeys([*keys, "colour"], 0)]}).encode()
    _, problems = shape_problems(body, max_records=3, max_record_keys=100, record_keys=keys)
    assert problems[0]["msg"].endswith(
        "not contract columns: 'colour' (the 100 keys a record may have: GET /docs.json)"
    )


def test_an_answer_that_is_not_a_list_of_problems_is_passed_on_as_it_is() -> None:
    for body in (b"not json", b'{"error": "x"}', b'{"detail": "x"}', b'{"detail": [1]}'):
        assert trimmed(body) == body
