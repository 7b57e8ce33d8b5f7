from __future__ import annotations

from pathlib import Path

import pytest

from gitml.errors import GitmlError
from gitml.report.baseline import Artifacts
from gitml.report.pairing import need, not_comparable

FRAUD = {"task": "binary", "target": "fraud", "classes": ["no", "yes"]}


@pytest.mark.parametrize(
    ("theirs", "why"),
    [
        (FRAUD, ""),
        (FRAUD | {"target": "churned"}, "the target changed from `churned` to `fraud`"),
        (FRAUD | {"task": "multiclass"}, "the task changed from `multiclass` to `binary`"),
        (
            FRAUD | {"classes": ["N", "Y"]},
            "the classes of `fraud` changed from `[N, Y]` to `[no, yes]`",
        ),
        # a params.yaml `data` section knows no classes: they are not compared
        ({"task": "binary", "target": "fraud"}, ""),
    ],
)
def test_not_comparable_names_the_first_thing_that_changed(
    theirs: dict[str, object], why: str
) -> None:
    assert not_comparable(FRAUD, theirs) == why


def test_classes_compare_as_text_and_a_long_list_is_cut() -> None:
    assert not_comparable(FRAUD | {"classes": [0, 1]}, FRAUD | {"classes": ["0", "1"]}) == ""
    many = FRAUD | {"classes": list(range(12))}
    assert not_comparable(many, FRAUD) == (
        "the classes of `fraud` changed from `[no, yes]` to `[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, …]`"
    )


def test_need_returns_the_file_or_says_to_run_the_pipeline(tmp_path: Path) -> None:
    params = {"paths": {"predictions": "data/predictions.parquet"}}
    side = Artifacts("main", "0" * 40, params, {}, {"metrics": tmp_path / "metrics.json"})
    assert need(side, "metrics") == tmp_path / "metrics.json"
    with pytest.raises(GitmlError) as error:
        need(side, "predictions")
    assert str(error.value) == (
        "The main has no predictions file (data/predictions.parquet). Run `dvc repro` first."
    )
