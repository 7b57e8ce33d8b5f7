"""GitHub-flavoured markdown pieces, and fitting a report into one comment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

ARTIFACT_NOTE = "the full report is in the workflow artifact `gitml-report`"
_CUT = f"_Cut to fit one comment: {ARTIFACT_NOTE}._\n"


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
    """The whole document. Over `max_chars`, sections are cut (replaced by a note): the least
    important one whose cut alone is enough, else the least important, until it fits."""
    kept = list(sections)
    text = _join(title, kept, footer)
    while max_chars is not None and len(text) > max_chars:
        uncut = sorted(
            (i for i, s in enumerate(kept) if not s.body.startswith(_CUT)),
            key=lambda i: -kept[i].priority,
        )
        if not uncut:  # only the title and footer are left
            return text[: max_chars - 200] + f"\n\n_Report truncated: {ARTIFACT_NOTE}._\n"
        excess = len(text) - max_chars
        enough = [i for i in uncut if len(kept[i].body) - len(_CUT) > excess]
        index = enough[0] if enough else uncut[0]
        section = kept[index]
        kept[index] = Section(section.title, _CUT, section.priority, section.collapsed)
        text = _join(title, kept, footer)
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
