"""Prove the PR report renders: Mermaid blocks in real mermaid + headless Chromium, GFM tables.

A broken chart or table in a PR comment is a bug nobody sees until a reviewer opens the PR, so
the tests render every ```mermaid block with the pinned `mermaid` npm package
(tests/support/mermaid, installed by `npm ci --prefix tests/support/mermaid`) inside Debian's
`chromium`, all blocks in one browser start. Nothing touches the network: the page and the
script are file:// URLs, a Content-Security-Policy forbids every other origin, and Chromium's
host resolver maps every name to NOTFOUND.

`require_renderer()` holds the skip policy: skip when Chromium or mermaid is missing on a
developer's machine, fail when CI=true so CI can never pass by skipping.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

MERMAID_DIR = Path(__file__).resolve().parent / "mermaid"
MERMAID_JS = MERMAID_DIR / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
RESULT_ID = "gitml-mermaid-result"
PENDING = "PENDING"

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})[ \t]*mermaid[ \t]*$")
_SERIES = re.compile(r"^\s*(line|bar)\b", re.MULTILINE)
_SERIES_VALUES = re.compile(r"^\s*(?:line|bar)\b[^\[\n]*\[([^\]\n]*)\]", re.MULTILINE)
_PALETTE = re.compile(r"""plotColorPalette["']?\s*:\s*["']([^"']*)["']""")
_PLOT_COLOUR = re.compile(
    r'<g class="line-plot-(\d+)"><path\b[^>]*?\bstroke="([^"]+)"'
    r'|<g class="bar-plot-(\d+)"><rect\b[^>]*?\bfill="([^"]+)"'
)
# The page may load only the local script: no other origin, so no network, whatever a block says.
_CSP = (
    "default-src 'none'; script-src file: 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data:; font-src data:"
)
_VIEWBOX = re.compile(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) ([\d.]+)"')
_LINE_PATH = re.compile(r'<g class="line-plot-\d+"><path d="([^"]*)"')
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")


class RenderError(RuntimeError):
    """The browser run itself failed (not one block): no result, timeout, Chromium crash."""


def chromium_path() -> str | None:
    """The Chromium executable on PATH (CHROMIUM=/path overrides), or None."""
    override = os.environ.get("CHROMIUM")
    if override:
        return override if Path(override).is_file() else shutil.which(override)
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium_available() -> bool:
    return chromium_path() is not None


def mermaid_available() -> bool:
    return MERMAID_JS.is_file()


def missing_renderer() -> str | None:
    """Why rendering cannot run here, with the command that fixes it; None when it can."""
    problems = []
    if not chromium_available():
        problems.append("chromium not found (apt-get install -y --no-install-recommends chromium)")
    if not mermaid_available():
        problems.append(f"{MERMAID_JS} missing (npm ci --prefix tests/support/mermaid)")
    return "; ".join(problems) or None


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def require_renderer() -> None:
    """Skip the calling test when Chromium/mermaid are missing, except under CI=true: fail there.

    CI installs both in .ci/run; a CI run that lacks them has a broken install step, and
    skipping would let every chart go unchecked while CI stays green.
    """
    reason = missing_renderer()
    if reason is None:
        return
    if in_ci():
        pytest.fail(f"CI=true but the Mermaid renderer is unavailable: {reason}", pytrace=False)
    pytest.skip(f"Mermaid renderer unavailable: {reason}")


def find_mermaid_blocks(markdown: str) -> list[str]:
    """The bodies of the ```mermaid (or ~~~mermaid) fenced blocks, in order.

    Follows CommonMark fences: the closing fence uses the same character, at least as long as
    the opening one; a block left open runs to the end of the document.
    """
    blocks: list[str] = []
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if match is None:
            i += 1
            continue
        fence = match["fence"]
        indent = len(match["indent"])
        closing = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        body: list[str] = []
        i += 1
        while i < len(lines) and not closing.match(lines[i]):
            line = lines[i]
            strip = min(indent, len(line) - len(line.lstrip(" ")))
            body.append(line[strip:])
            i += 1
        blocks.append("\n".join(body))
        i += 1
    return blocks


@dataclass(frozen=True)
class Rendered:
    """What the page measured for one block."""

    ok: bool
    error: str | None
    diagram_type: str | None
    svg_chars: int
    series_drawn: int
    has_nan: bool
    svg: str = field(default="", repr=False)


_PAGE = """<!doctype html>
<html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<title>mermaid check</title></head>
<body>
<pre id="{result_id}">{pending}</pre>
<div id="stage"></div>
<script src="{script}"></script>
<script>
const BLOCKS = {blocks};
function summarise(svg) {{
  const holder = document.createElement("div");
  holder.innerHTML = svg;
  const root = holder.querySelector("svg");
  let series = 0;
  if (root) {{
    for (const g of root.querySelectorAll("g[class^='line-plot-']")) {{
      const path = g.querySelector("path");
      if (path && (path.getAttribute("d") || "").length > 1) series += 1;
    }}
    for (const g of root.querySelectorAll("g[class^='bar-plot-']")) {{
      if (g.querySelectorAll("rect").length > 0) series += 1;
    }}
  }}
  return {{svgChars: root ? root.outerHTML.length : 0, series: series, hasNaN: /NaN/.test(svg)}};
}}
(async () => {{
  const out = [];
  if (typeof mermaid === "undefined") throw new Error("mermaid.min.js did not load");
  mermaid.initialize({{startOnLoad: false}});
  for (let i = 0; i < BLOCKS.length; i++) {{
    let type = null;
    try {{
      const parsed = await mermaid.parse(BLOCKS[i]);
      type = parsed && parsed.diagramType ? parsed.diagramType : null;
      const rendered = await mermaid.render("gitml-mermaid-" + i, BLOCKS[i]);
      const s = summarise(rendered.svg);
      out.push({{ok: true, error: null, type: type, svgChars: s.svgChars, series: s.series,
                 hasNaN: s.hasNaN, svg: rendered.svg}});
    }} catch (e) {{
      const message = e && e.message ? e.message : String(e);
      out.push({{ok: false, error: message, type: type, svgChars: 0, series: 0, hasNaN: false}});
    }}
    for (const stray of document.querySelectorAll("[id^='dgitml-mermaid-']")) stray.remove();
  }}
  return out;
}})().then(
  (out) => {{ document.getElementById("{result_id}").textContent = JSON.stringify(out); }},
  (e) => {{ document.getElementById("{result_id}").textContent =
              JSON.stringify({{fatal: String(e && e.message ? e.message : e)}}); }},
);
</script>
</body></html>
"""


def _page(blocks: list[str]) -> str:
    # "<" escaped so no block can close the <script> element early.
    payload = json.dumps(blocks).replace("<", "\\u003c")
    return _PAGE.format(
        csp=_CSP, result_id=RESULT_ID, pending=PENDING, script=MERMAID_JS.as_uri(), blocks=payload
    )


def _run_browser(command: list[str], timeout: float) -> tuple[str, str, int]:
    """Run Chromium in its own process group and kill that group when done or timed out.

    Chromium forks helpers that can outlive the browser process and hold its pipes open;
    killing only the browser (as subprocess.run does on timeout) could hang or leak them.
    """
    proc = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        _kill_group(proc.pid)
        proc.communicate()
        raise RenderError(f"chromium did not finish within {timeout:g} s") from exc
    finally:
        _kill_group(proc.pid)
    return stdout, stderr, proc.returncode


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def run_page(blocks: list[str], timeout: float = 60.0) -> list[Rendered]:
    """Render every block in one headless Chromium start; what the page measured, per block."""
    if not blocks:
        return []
    reason = missing_renderer()
    if reason is not None:
        raise RenderError(reason)
    chromium = chromium_path()
    assert chromium is not None
    # A Chromium helper may still be exiting when the profile is removed: never fail on that.
    with tempfile.TemporaryDirectory(prefix="gitml-mermaid-", ignore_cleanup_errors=True) as tmp:
        page = Path(tmp) / "page.html"
        page.write_text(_page(blocks), encoding="utf-8")
        command = [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--disable-dev-shm-usage",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={Path(tmp) / 'profile'}",
            # Virtual time only runs while the page is idle, so this is not a wall-clock wait:
            # the dump comes once the render promises settle.
            "--virtual-time-budget=60000",
            "--dump-dom",
            page.as_uri(),
        ]
        stdout, stderr, returncode = _run_browser(command, timeout)
    match = re.search(rf'<pre id="{RESULT_ID}">(.*?)</pre>', stdout, re.DOTALL)
    text = html.unescape(match[1]) if match else ""
    if not text or text == PENDING:
        tail = "\n".join(stderr.splitlines()[-15:])
        raise RenderError(f"no result from the page (chromium exit {returncode}):\n{tail}")
    data = json.loads(text)
    if isinstance(data, dict):
        raise RenderError(f"the page failed: {data.get('fatal')}")
    if len(data) != len(blocks):
        raise RenderError(f"{len(data)} results for {len(blocks)} blocks")
    return [
        Rendered(
            ok=bool(item["ok"]),
            error=item["error"],
            diagram_type=item["type"],
            svg_chars=int(item["svgChars"]),
            series_drawn=int(item["series"]),
            has_nan=bool(item["hasNaN"]),
            svg=str(item.get("svg") or ""),
        )
        for item in data
    ]


def _problem(block: str, result: Rendered) -> str | None:
    if not result.ok:
        return result.error or "mermaid failed without a message"
    if result.svg_chars == 0:
        return "mermaid returned no <svg>"
    if result.has_nan:
        return "the SVG contains NaN (a coordinate or size could not be computed)"
    if result.diagram_type == "xychart":
        expected = len(_SERIES.findall(block))
        if result.series_drawn != expected:
            return f"xychart declares {expected} line/bar series but draws {result.series_drawn}"
        return _xychart_problem(block, result.svg)
    return None


def _xychart_problem(block: str, svg: str) -> str | None:
    """What mermaid draws wrong without an error: series of different lengths, a palette that
    did not apply (a malformed init directive is ignored silently), a point off the chart."""
    lengths = {len(values.split(",")) for values in _SERIES_VALUES.findall(block)}
    if len(lengths) > 1:
        # mermaid stretches every series over the whole x-axis, so this draws a wrong chart.
        return f"xychart series have different lengths {sorted(lengths)}: x positions differ"
    plots = [
        (int(line_index or bar_index), (line_colour or bar_colour).lower())
        for line_index, line_colour, bar_index, bar_colour in _PLOT_COLOUR.findall(svg)
    ]
    palette = _PALETTE.search(block)
    if palette is not None and plots:
        wanted = [c.strip().lower() for c in palette[1].split(",") if c.strip()]
        for index, colour in plots:
            if wanted and colour != wanted[index % len(wanted)]:
                return (
                    f"series {index} is drawn in {colour}, not plotColorPalette's "
                    f"{wanted[index % len(wanted)]}: the init directive did not apply"
                )
    box = _VIEWBOX.search(svg)
    if box is None:
        return "the xychart SVG has no viewBox"
    width, height = float(box[1]), float(box[2])
    for d in _LINE_PATH.findall(svg):
        numbers = [float(n) for n in _NUMBER.findall(d)]
        for x, y in zip(numbers[::2], numbers[1::2], strict=False):
            if not (-1 <= x <= width + 1 and -1 <= y <= height + 1):
                return (
                    f"a line point lies outside the {width:g}x{height:g} chart: value off the axis?"
                )
    return None


def render_mermaid(blocks: list[str], timeout: float = 60.0) -> list[str | None]:
    """None for each block that renders to a sound SVG, else what is wrong with it.

    Sound means: mermaid.parse and mermaid.render succeed, the SVG is non-empty and has no NaN,
    and an xychart draws one plot per `line`/`bar` statement. Raises RenderError when the
    browser run itself fails, so a broken harness is never mistaken for broken charts.
    """
    results = run_page(blocks, timeout=timeout)
    return [_problem(block, result) for block, result in zip(blocks, results, strict=True)]


def _split_row(line: str) -> list[str]:
    """Cells of a GFM table row: split on pipes not escaped with a backslash."""
    text = line.strip()
    cells: list[str] = []
    current: list[str] = []
    escaped = False
    for char in text:
        if char == "|" and not escaped:
            cells.append("".join(current))
            current = []
        else:
            current.append(char)
        escaped = char == "\\" and not escaped
    cells.append("".join(current))
    if text.startswith("|"):
        cells = cells[1:]
    if text.endswith("|") and not text.endswith("\\|") and len(text) > 1:
        cells = cells[:-1]
    return cells


def invalid_tables(markdown: str) -> list[str]:
    """Problems with the report's GFM tables, as markdown-it-py parses them; [] when sound.

    Flags a line that starts with `|` (outside code) but is not in any parsed table, a row whose
    cell count differs from its table's header (markdown-it silently pads or drops cells, so
    the raw line is counted), and a line without a leading `|` absorbed into a table whose
    header has one.
    """
    md = MarkdownIt("commonmark").enable("table")
    tokens = md.parse(markdown)
    lines = markdown.splitlines()
    in_table: set[int] = set()
    in_code: set[int] = set()
    problems: list[str] = []
    header_cells = 0
    header_piped = True
    in_header = False
    for token in tokens:
        if token.type in ("fence", "code_block", "html_block") and token.map:
            in_code.update(range(*token.map))
        elif token.type == "table_open" and token.map:
            in_table.update(range(*token.map))
        elif token.type == "thead_open":
            in_header = True
        elif token.type == "thead_close":
            in_header = False
        elif token.type == "tr_open" and token.map:
            number = token.map[0]
            line = lines[number]
            cells = len(_split_row(line))
            if in_header:
                header_cells = cells
                header_piped = line.lstrip().startswith("|")
            elif cells != header_cells:
                problems.append(
                    f"line {number + 1}: {cells} cells, header has {header_cells}: {line!r}"
                )
            elif header_piped and not line.lstrip().startswith("|"):
                problems.append(f"line {number + 1}: absorbed into the table above: {line!r}")
    for number, line in enumerate(lines):
        if line.lstrip().startswith("|") and number not in in_table and number not in in_code:
            problems.append(f"line {number + 1}: starts with | but is not in any table: {line!r}")
    return problems


def report_problems(markdown: str, timeout: float = 60.0) -> list[str]:
    """Everything wrong with a markdown report: each Mermaid block that fails, each bad table.

    The one call a report test needs (after `require_renderer()`); [] means it renders.
    """
    problems = [
        f"mermaid block {number}: {problem}"
        for number, problem in enumerate(
            render_mermaid(find_mermaid_blocks(markdown), timeout=timeout), start=1
        )
        if problem is not None
    ]
    return problems + [f"table: {problem}" for problem in invalid_tables(markdown)]
