"""serving/connection.py: where a request head ends, counted before the parser sees it."""

from __future__ import annotations

import pytest

from gitml.serving.connection import head_part

HEAD = b"POST /predict HTTP/1.1\r\nHost: x\r\n\r\n"


def test_a_head_and_its_body_in_one_read_count_only_the_head() -> None:
    assert head_part(b"", HEAD + b'{"records": []}') == len(HEAD)


def test_a_read_without_the_blank_line_is_all_head() -> None:
    assert head_part(b"", HEAD[:-2]) == len(HEAD) - 2


@pytest.mark.parametrize("cut", [1, 2, 3])
def test_a_blank_line_split_across_reads_ends_the_head_in_the_later_read(cut: int) -> None:
    first, second = HEAD[:-cut], HEAD[-cut:] + b"body"
    assert head_part(first[-3:], second) == cut


def test_a_bare_lf_blank_line_ends_the_head_too() -> None:
    head = b"GET / HTTP/1.1\nHost: x\n\n"
    assert head_part(b"", head + b"rest") == len(head)


def test_a_blank_line_already_in_the_tail_does_not_end_this_read() -> None:
    # the tail is only for straddling marks: it never counts bytes of its own
    assert head_part(b"\n\n", b"more head") == len(b"more head")
