"""The report checker itself: it must pass sound charts and tables and catch broken ones.

A checker that never fails proves nothing, so every check here has a case that must fail.
Rendering tests skip without Chromium/mermaid locally and fail under CI=true.
"""

from __future__ import annotations

import pytest

from tests.support.render import (
    find_mermaid_blocks,
    in_ci,
    invalid_tables,
    render_mermaid,
    report_problems,
    require_renderer,
)

PALETTE = '%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "#1f77b4, #d62728"}}}}%%'

ROC = f"""{PALETTE}
xychart-beta
  title "ROC: model vs baseline (AUC 0.91)"
  x-axis "FPR" 0 --> 1
  y-axis "TPR" 0 --> 1
  line [0, 0.55, 0.8, 0.92, 1]
  line [0, 0.25, 0.5, 0.75, 1]"""

IMPORTANCE = """xychart-beta horizontal
  title "Permutation importance"
  x-axis ["age", "income", "credit score"]
  y-axis "AUC drop" 0 --> 0.5
  bar [0.1, 0.3, 0.2]"""

PIE = """pie title Class balance
  "positive" : 30
  "negative" : 70"""

FLOWCHART = """flowchart LR
  data[Data] --> train(Train) --> gate{Gate}"""

BROKEN = """xychart-beta
  x-axis [a, b
  line [1, 2]"""

REPORT = f"""# Report

```mermaid
{ROC}
```

| metric | value |
| --- | --- |
| AUC | 0.91 |

~~~~mermaid
{PIE}
~~~~

```python
print("not a chart")
```
"""


@pytest.fixture(scope="module")
def rendered() -> dict[str, str | None]:
    """Every case in one browser start, as the report check does."""
    require_renderer()
    cases = {
        "roc": ROC,
        "importance": IMPORTANCE,
        "pie": PIE,
        "flowchart": FLOWCHART,
        "broken": BROKEN,
        "unknown": "not a diagram",
        "sci": "xychart-beta\n  line [1e-3, 2]",
        "count": "xychart-beta\n  x-axis [a, b, c]\n  bar [1, 2]",
        "unequal": "xychart-beta\n  line [0, 0.5, 1]\n  line [0, 1]",
        "off_axis": "xychart-beta\n  y-axis 0 --> 1\n  line [0.2, 5]",
        "bad_directive": PALETTE[:-3] + "%%\nxychart-beta\n  line [1, 2]",
    }
    return dict(zip(cases, render_mermaid(list(cases.values())), strict=True))


@pytest.mark.parametrize("name", ["roc", "importance", "pie", "flowchart"])
def test_sound_diagrams_render(rendered: dict[str, str | None], name: str) -> None:
    assert rendered[name] is None


def test_syntax_error_names_the_problem(rendered: dict[str, str | None]) -> None:
    error = rendered["broken"]
    assert error is not None
    assert "Parse error on line 2" in error
    assert "SQUARE_BRACES_END" in error


def test_unknown_diagram_type_fails(rendered: dict[str, str | None]) -> None:
    assert "No diagram type detected" in (rendered["unknown"] or "")


def test_scientific_notation_is_a_parse_error(rendered: dict[str, str | None]) -> None:
    # Python's repr(0.00001) is '1e-05': the report generator must format numbers itself.
    assert "Parse error" in (rendered["sci"] or "")


def test_category_count_mismatch_is_caught(rendered: dict[str, str | None]) -> None:
    # mermaid renders this without complaint, but with NaN coordinates.
    assert "NaN" in (rendered["count"] or "")


def test_series_of_different_lengths_are_caught(rendered: dict[str, str | None]) -> None:
    # mermaid accepts this and spreads each series over the full x-axis: a wrong chart.
    assert "different lengths [2, 3]" in (rendered["unequal"] or "")


def test_value_off_the_axis_is_caught(rendered: dict[str, str | None]) -> None:
    assert "outside" in (rendered["off_axis"] or "")


def test_malformed_init_directive_is_caught(rendered: dict[str, str | None]) -> None:
    # mermaid silently ignores a directive that is not valid JSON: the palette is lost.
    assert "did not apply" in (rendered["bad_directive"] or "")


def test_report_problems_names_each_broken_part() -> None:
    require_renderer()
    assert report_problems(REPORT) == []
    broken = REPORT + f"\n```mermaid\n{BROKEN}\n```\n\n| a |\n| --- |\n| 1 | 2 |\n"
    problems = report_problems(broken)
    assert len(problems) == 2
    assert problems[0].startswith("mermaid block 3: Parse error on line 2")
    assert problems[1].startswith("table: line ")


def test_no_blocks_needs_no_browser() -> None:
    assert render_mermaid([]) == []


def test_require_renderer_fails_instead_of_skipping_in_ci(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("tests.support.render.chromium_path", lambda: None)
    monkeypatch.setenv("CI", "true")
    assert in_ci()
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        require_renderer()
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match="chromium not found"):
        require_renderer()


def test_find_mermaid_blocks() -> None:
    assert find_mermaid_blocks(REPORT) == [ROC, PIE]
    assert find_mermaid_blocks("no charts") == []


def test_find_mermaid_blocks_ignores_shorter_closing_fence() -> None:
    text = '````mermaid\npie\n```\n  "a" : 1\n````\n'
    assert find_mermaid_blocks(text) == ['pie\n```\n  "a" : 1']


def test_good_tables_pass() -> None:
    assert invalid_tables(REPORT) == []
    assert invalid_tables("| a | b \\| c |\n|---|---|\n| 1 | `x \\| y` |\n") == []


def test_wrong_cell_count_is_flagged() -> None:
    problems = invalid_tables("| a | b |\n| --- | --- |\n| 1 | 2 | 3 |\n| 4 |\n")
    assert problems == [
        "line 3: 3 cells, header has 2: '| 1 | 2 | 3 |'",
        "line 4: 1 cells, header has 2: '| 4 |'",
    ]


def test_row_outside_any_table_is_flagged() -> None:
    # No delimiter row: markdown-it renders a paragraph of pipes, not a table.
    problems = invalid_tables("| a | b |\n| 1 | 2 |\n")
    assert len(problems) == 2
    assert all("not in any table" in problem for problem in problems)


def test_header_delimiter_mismatch_is_flagged() -> None:
    problems = invalid_tables("| a | b |\n| --- |\n| 1 | 2 |\n")
    assert any("line 1" in problem for problem in problems)


def test_text_absorbed_into_table_is_flagged() -> None:
    problems = invalid_tables("| a | b |\n| --- | --- |\n| 1 | 2 |\nnext | para\n")
    assert problems == ["line 4: absorbed into the table above: 'next | para'"]


def test_pipes_in_code_blocks_are_not_rows() -> None:
    assert invalid_tables("```\n| not | a table |\n```\n") == []
