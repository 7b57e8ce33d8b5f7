from __future__ import annotations

from pathlib import Path

from gitml.ml.traffic_format import FILE_GLOB, FILE_PREFIX, FILE_SUFFIX, SCORED


def test_the_glob_finds_the_files_the_writer_names_and_nothing_else(tmp_path: Path) -> None:
    written = tmp_path / f"{FILE_PREFIX}2026-12-07T11-00-00{FILE_SUFFIX}"
    for path in (written, tmp_path / "traffic.jsonl.tmp", tmp_path / "notes.jsonl"):
        path.write_text("{}\n")
    assert sorted(tmp_path.glob(FILE_GLOB)) == [written]


def test_a_scored_request_has_status_200() -> None:
    assert SCORED == 200
