"""GitHub-flavoured markdown pieces, and fitting a report into one comment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

ARTIFACT_NOTE = "the full report is in the workflow artifact `gitml-report`"


@dataclass(frozen=True)
class Section:
    title: str
    body: str
    priority: int  # lower is more important; the least important are cut first
    collapsed: bool = False


def table(
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    limit: int | None = None,
    what: str = "rows",
    align: str = "",
) -> str:
    """A GFM table; with `limit`, rows past it are cut with a note saying how many."""
    shown = rows if limit is None else rows[:limit]
    marks = [":--" if i == 0 else (align or "--:") for i in range(len(header))]
    lines = [_row(header), _row(marks)] + [_row(row) for row in shown]
    if len(shown) < len(rows):
        lines.append(f"\n_{len(rows) - len(shown)} more {what} not shown: {ARTIFACT_NOTE}._")
    return "\n".join(lines) + "\n"


def render(title: str, sections: Sequence[Section], footer: str, max_chars: int | None) -> str:
    """The whole document; over `max_chars`, the least important sections are cut with a note."""
    kept = list(sections)
    order = sorted(range(len(kept)), key=lambda i: -kept[i].priority)
    text = _join(title, kept, footer)
    for index in order:
        if max_chars is None or len(text) <= max_chars:
            break
        section = kept[index]
        cut = f"_Cut to fit one comment: {ARTIFACT_NOTE}._\n"
        kept[index] = Section(section.title, cut, section.priority)
        text = _join(title, kept, footer)
    if max_chars is not None and len(text) > max_chars:  # only the title and footer are left
        text = text[: max_chars - 200] + f"\n\n_Report truncated: {ARTIFACT_NOTE}._\n"
    return text


def _join(title: str, sections: Sequence[Section], footer: str) -> str:
    parts = [title]
    for section in sections:
        if section.collapsed:
            parts.append(
                f"<details><summary><b>{section.title}</b></summary>\n\n{section.body}\n</details>\n"
            )
        else:
            parts.append(f"### {section.title}\n\n{section.body}")
    parts.append(footer)
    return "\n".join(parts)


def _row(cells: Sequence[object]) -> str:
    return "| " + " | ".join(_cell(cell) for cell in cells) + " |"


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ").strip() or " "
