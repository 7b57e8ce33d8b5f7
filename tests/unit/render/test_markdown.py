from markdown_it import MarkdownIt

from gitml.render.markdown import Section, render, table


def parsed_tables(text: str) -> list[list[list[str]]]:
    """Each table as rows of cell texts, as a GFM parser sees them."""
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    tables: list[list[list[str]]] = []
    rows: list[list[str]] = []
    row: list[str] = []
    for token in tokens:
        if token.type == "table_open":
            rows = []
        elif token.type == "tr_open":
            row = []
        elif token.type == "inline" and rows is not None:
            row.append(token.content)
        elif token.type == "tr_close":
            rows.append(row)
        elif token.type == "table_close":
            tables.append(rows)
    return tables


def test_a_long_table_is_cut_with_a_note_and_stays_a_valid_table() -> None:
    rows = [[f"key{i}", "a|b", i] for i in range(50)]

    text = table(["name", "value", "n"], rows, limit=10, what="parameters")

    [parsed] = parsed_tables(text)
    assert len(parsed) == 11  # header + 10 rows
    assert parsed[1] == ["key0", "a|b", "0"]  # the pipe is escaped, not a new cell
    assert "40 more parameters not shown" in text


def test_a_report_over_budget_cuts_its_least_important_sections_first() -> None:
    sections = [
        Section("Metrics", "important\n", priority=1),
        Section("Huge", "x" * 80_000 + "\n", priority=5),
        Section("Lineage", "small\n", priority=7),
    ]

    text = render("## title\n", sections, "footer\n", max_chars=65_536)

    assert len(text) <= 65_536
    assert "important" in text
    assert "small" in text  # cutting the huge section was enough
    assert "Cut to fit one comment" in text
    assert render("## title\n", sections, "footer\n", max_chars=None).count("x" * 1000) > 0


def test_a_report_that_cannot_fit_is_truncated_with_a_note() -> None:
    sections = [Section("Only", "y" * 100_000, priority=1)]

    text = render("## title\n", sections, "footer\n", max_chars=10_000)

    assert len(text) <= 10_000
    assert "full report is in the workflow artifact" in text
