from gitml.report import sections
from gitml.report.gate import Verdict

WARNING = "Not compared with main: the target changed from `churned` to `fraud`, so …"


def test_a_verdict_that_is_not_comparable_says_so_in_its_title_and_why() -> None:
    verdict = Verdict("not comparable", warnings=[WARNING])

    text = sections.verdict(verdict, "Branch `abc` against `main`.")

    assert text.startswith("## ⚠️ gitml report: NOT COMPARABLE\n")
    assert f"- ⚠️ {WARNING}" in text


def test_a_failing_verdict_lists_its_reasons_before_its_warnings() -> None:
    verdict = Verdict("fail", ["roc_auc is 0.7000, below its minimum 0.75."], [], [WARNING])

    lines = sections.verdict(verdict, "Branch `abc` against `main`.").splitlines()

    assert lines[0] == "## ❌ gitml report: FAIL"
    assert lines[-2:] == ["- ❌ roc_auc is 0.7000, below its minimum 0.75.", f"- ⚠️ {WARNING}"]


def test_the_slice_table_says_each_slice_is_scored_over_its_classes() -> None:
    moved = [
        {
            "feature": "plan",
            "value": "a",
            "rows": 40,
            "metric": "accuracy",
            "baseline": 0.9,
            "branch": 1.0,
            "delta": 0.1,
        }
    ]
    assert "each slice scored over the classes it holds" in sections.slices(moved, "main")


def test_params_against_no_baseline_list_every_key_and_no_empty_one() -> None:
    text = sections.params_diff(
        {}, {"model": {"name": "linear"}, "report": {"seed_sd": {}}}, "main", None
    )

    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert rows == [
        '| `model.name` | (absent) | `"linear"` |',
        "| `report.seed_sd` | (absent) | `{}` |",  # an empty mapping inside is a value
    ]


def test_params_diff_shows_non_ascii_values_as_written() -> None:
    # given a category and a column name with non-ASCII letters, as own data brings
    old = {"data": {"columns": {"clinic": {"allowed": ["North"]}}}}
    new = {"data": {"columns": {"clinic": {"allowed": ["North", "Zürich"]}, "Région": {}}}}

    # when
    text = sections.params_diff(old, new, "main", None)

    # then the reader sees the letters, not JSON escapes
    assert '| `data.columns.clinic.allowed` | `["North"]` | `["North", "Zürich"]` |' in text
    assert "`data.columns.Région`" in text
    assert "\\u00" not in text


def test_unchanged_params_say_so() -> None:
    same = {"model": {"name": "linear"}}
    assert sections.params_diff(same, same, "main", None) == "No parameter changed.\n"
