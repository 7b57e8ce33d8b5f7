"""mkdocs hook: the reference pages written from the code, so they cannot drift from it.

A page marks where generated text goes with `<!-- generated: NAME -->`:
- `config-keys`: every key of params.yaml, from the pydantic models' JSON schema, with the
  comments that conf/ writes beside each key;
- `cli`: every `gitml` command and option, from the argparse parser in gitml.cli;
- `make-targets`: every Makefile target with its `## help` text;
- `exit-codes`: the exit code of each error class in gitml.errors;
- `error-messages`: every message a `raise SomeError(...)` in src/gitml can give.
API pages (`reference/api/<package>.md`, one per package, mkdocstrings) are added as files.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "src" / "gitml"
CONF = ROOT / "conf"
MARKER = re.compile(r"<!-- generated: ([a-z-]+) -->")
API_DIR = "reference/api"
TOP_MODULES = ("cli", "errors", "io")  # the package's top level, on one API page


# --- config keys ----------------------------------------------------------------------------


@dataclass
class Section:
    key: str  # dotted, with <placeholders> for mapping keys
    model: str  # the pydantic class
    intro: str = ""
    rows: list[tuple[str, str, str, str, str]] = field(default_factory=list)


PLACEHOLDERS = {"data.columns": "<column>", "gate.rules": "<task>", "gate.rules.<task>": "<metric>"}


def config_sections(schema: dict[str, Any], notes: dict[str, str]) -> list[Section]:
    """One section per model in the params tree, its rows in field order."""
    defs = schema.get("$defs", {})
    sections: list[Section] = []

    def resolve(ref: str) -> tuple[str, dict[str, Any]]:
        name = ref.rsplit("/", 1)[1]
        return name, defs[name]

    def visit(key: str, name: str, model: dict[str, Any], variant: str = "") -> None:
        section = Section(f"{key}{variant}", name, model.get("description", ""))
        sections.append(section)
        required = set(model.get("required", ()))
        for prop, spec in model.get("properties", {}).items():
            dotted = f"{key}.{prop}" if key else prop
            default = "required" if prop in required else _value(spec.get("default"))
            note = notes.get(dotted, "")
            section.rows.append((dotted, _type(spec), default, _limits(spec), note))
            for child_key, child in _children(dotted, spec):
                if "oneOf" in child:
                    tag = child["discriminator"]["propertyName"]
                    for value, ref in child["discriminator"]["mapping"].items():
                        child_name, child_model = resolve(ref)
                        visit(child_key, child_name, child_model, f" ({tag}: {value})")
                elif "$ref" in child:
                    visit(child_key, *resolve(child["$ref"]))

    visit("", "Params", schema)
    return sections


def _children(key: str, spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Models nested under a key: directly, as list items, or as mapping values."""
    if "$ref" in spec or "oneOf" in spec:
        yield key, spec
    elif isinstance(spec.get("items"), dict):
        yield from _children(f"{key}[]", spec["items"])
    elif isinstance(spec.get("additionalProperties"), dict):
        yield from _children(
            f"{key}.{PLACEHOLDERS.get(key, '<key>')}", spec["additionalProperties"]
        )


def _type(spec: dict[str, Any]) -> str:  # noqa: PLR0911 -- one return per JSON-schema form
    if "$ref" in spec:
        return "table: " + spec["$ref"].rsplit("/", 1)[1]
    if "oneOf" in spec:
        return "table, by " + spec["discriminator"]["propertyName"]
    if "const" in spec:
        return f"`{spec['const']}`"
    if "enum" in spec:
        return " \\| ".join(f"`{value}`" for value in spec["enum"])
    if "anyOf" in spec:
        return " or ".join(_type(member) for member in spec["anyOf"])
    kind = spec.get("type", "any")
    if kind == "array":
        return f"list of {_type(spec.get('items', {}))}"
    if kind == "object":
        values = spec.get("additionalProperties")
        return f"mapping of {_type(values)}" if isinstance(values, dict) else "mapping"
    names = {"integer": "int", "number": "float", "string": "str", "boolean": "bool"}
    return names.get(kind, str(kind))


LIMITS = {
    "minimum": "≥ {}",
    "maximum": "≤ {}",
    "exclusiveMinimum": "> {}",
    "exclusiveMaximum": "< {}",
    "minLength": "at least {} character(s)",
    "minItems": "at least {} item(s)",
    "minProperties": "at least {} entries",
}


def _limits(spec: dict[str, Any]) -> str:
    found = [text.format(spec[name]) for name, text in LIMITS.items() if name in spec]
    for member in spec.get("anyOf", ()):
        found += [part for part in [_limits(member)] if part]
    return ", ".join(found)


def _value(value: Any) -> str:
    if isinstance(value, dict) and value:
        return "see below"
    return "`" + json.dumps(value, ensure_ascii=False).replace("|", "\\|") + "`"


def conf_notes(conf: Path) -> tuple[dict[str, str], dict[str, str]]:
    """The comments of conf/: per dotted params key, and per group file (its header)."""
    keys: dict[str, list[str]] = {}
    headers: dict[str, str] = {}
    for path in sorted(conf.rglob("*.yaml")):
        group = path.parent.relative_to(conf).as_posix()
        prefix = "" if group == "." else group.replace("/", ".")
        where = path.relative_to(conf.parent).as_posix()
        header, pending, stack = [], [], []  # stack: (indent, key)
        for line in path.read_text(encoding="utf-8").splitlines():
            comment = re.fullmatch(r"\s*#\s?(.*)", line)
            if comment:
                (pending if stack or not header or pending else header).append(comment[1])
                continue
            entry = re.fullmatch(r"(\s*)([A-Za-z_][\w]*):([^#]*)(?:#\s?(.*))?", line)
            if not entry:
                if not line.strip() and not stack:
                    header, pending = header or pending, []
                continue
            indent = len(entry[1])
            while stack and stack[-1][0] >= indent:
                stack.pop()
            stack.append((indent, entry[2]))
            if not header and pending:  # a file whose first comment sits on its first key
                header, pending = pending, []
            dotted = ".".join(part for part in [prefix, *(k for _, k in stack)] if part)
            said = [*pending, *([entry[4]] if entry[4] else [])]
            if said:
                keys.setdefault(dotted, []).append(f"{' '.join(said)} ({where})")
            pending = []
        headers[where] = " ".join(header)
    return {key: "; ".join(texts) for key, texts in keys.items()}, headers


def render_config_keys() -> str:
    from gitml.config import params

    notes, headers = conf_notes(CONF)
    lines: list[str] = []
    for section in config_sections(params.Params.model_json_schema(), notes):
        title = f"`{section.key}`" if section.key else "Top level"
        model = getattr(params, section.model)  # defined in its section's module
        lines += [f"### {title}", "", f"Model: `{model.__module__}.{section.model}`.", ""]
        group = section.key.split(".")[0].split(" ")[0]
        files = sorted(CONF.glob(f"{group}/*.yaml")) if group else []
        if files and "." not in section.key:
            options = ", ".join(f"`{path.stem}`" for path in files)
            lines += [f"Set in `conf/{group}/<option>.yaml` (options: {options}).", ""]
        if section.intro:
            lines += [" ".join(section.intro.split()), ""]
        lines += ["| key | type | default | limits | in conf/ |", "|---|---|---|---|---|"]
        lines += [
            "| " + " | ".join([f"`{key}`", kind, default, limits, _cell(note)]) + " |"
            for key, kind, default, limits, note in section.rows
        ]
        lines.append("")
    lines += ["### What each file in conf/ is for", "", "| file | its header comment |"]
    lines += ["|---|---|"] + [f"| `{path}` | {_cell(text)} |" for path, text in headers.items()]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;")


# --- the command line -----------------------------------------------------------------------


def render_cli() -> str:
    from gitml import cli

    parser = cli._parser()
    commands = next(
        action
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)  # argparse has no public accessor
    )
    lines: list[str] = []
    for name, command in commands.choices.items():
        formatter = argparse.HelpFormatter(command.prog, width=100)
        formatter.add_usage(command.usage, command._actions, command._mutually_exclusive_groups)
        lines += [f"### `gitml {name}`", "", str(command.description), ""]
        lines += ["```text", formatter.format_help().strip(), "```", ""]
        lines += ["| argument | required | default | help |", "|---|---|---|---|"]
        for action in command._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            names = ", ".join(action.option_strings) or str(action.dest)
            default = "" if action.default in (None, False, []) else f"`{action.default}`"
            choices = f" (one of {', '.join(map(str, action.choices))})" if action.choices else ""
            help_text = formatter._expand_help(action) if action.help else ""
            required = "yes" if action.required or not action.option_strings else ""
            if action.nargs in ("*", "?"):
                required = ""
            lines.append(f"| `{names}` | {required} | {default} | {_cell(help_text)}{choices} |")
        lines.append("")
    return "\n".join(lines)


def render_make_targets() -> str:
    lines = ["| target | what it does |", "|---|---|"]
    for line in (ROOT / "Makefile").read_text(encoding="utf-8").splitlines():
        target = re.match(r"([a-z-]+):.*## (.*)", line)
        if target:
            lines.append(f"| `make {target[1]}` | {_cell(target[2])} |")
    return "\n".join(lines) + "\n"


# --- errors ---------------------------------------------------------------------------------


def error_classes() -> list[type[Exception]]:
    from gitml.errors import GitmlError

    found: list[type[Exception]] = [GitmlError]
    for cls in found:
        found += [sub for sub in cls.__subclasses__() if sub not in found]
    return found


def render_exit_codes() -> str:
    from gitml import cli

    lines = ["| exit | class | when |", "|---|---|---|"]
    for cls in sorted(error_classes(), key=lambda c: (getattr(c, "exit_code", 0), c.__name__)):
        doc = " ".join((cls.__doc__ or "").split())
        lines.append(f"| {getattr(cls, 'exit_code', '')} | `{cls.__name__}` | {_cell(doc)} |")
    lines.append(
        f"| {cli.UNEXPECTED_EXIT} | any other exception | a bug: one line naming it; "
        "`LOG_LEVEL=DEBUG` shows the traceback |"
    )
    lines.append(f"| {cli.INTERRUPTED_EXIT} | `KeyboardInterrupt` | interrupted (Ctrl-C) |")
    return "\n".join(lines) + "\n"


def raise_sites(source: Path, classes: set[str]) -> Iterator[tuple[str, str, str, str]]:
    """(error class, module, function, message template) for each `raise Error(...)`."""
    for path in sorted(source.rglob("*.py")):
        module = ".".join(path.relative_to(source.parent).with_suffix("").parts)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                call = node.exc if isinstance(node, ast.Raise) else None
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Name)
                    and call.func.id in classes
                    and call.args
                ):
                    yield call.func.id, module, function.name, _template(call.args[0])


def _template(node: ast.expr) -> str:
    if isinstance(node, ast.Constant):
        return str(node.value)
    if isinstance(node, ast.JoinedStr):
        return "".join(
            str(part.value) if isinstance(part, ast.Constant) else _template(part)
            for part in node.values
        )
    if isinstance(node, ast.FormattedValue):
        return "{" + ast.unparse(node.value) + "}"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _template(node.left) + _template(node.right)
    return "{" + ast.unparse(node) + "}"


def render_error_messages() -> str:
    classes = {cls.__name__: cls for cls in error_classes()}
    by_class: dict[str, list[tuple[str, str, str]]] = {}
    for name, module, function, message in raise_sites(SOURCE, set(classes)):
        by_class.setdefault(name, []).append((module, function, message))
    lines: list[str] = []
    for name, cls in classes.items():
        if name not in by_class:
            continue
        lines += [f"### `{name}` (exit {getattr(cls, 'exit_code', '')})", ""]
        for module, function, message in by_class[name]:
            text = " ".join(message.split())
            lines += [f"- `{module}.{function}`:", "", "    ```text", f"    {text}", "    ```", ""]
    return "\n".join(lines)


GENERATORS: dict[str, Callable[[], str]] = {
    "config-keys": render_config_keys,
    "cli": render_cli,
    "make-targets": render_make_targets,
    "exit-codes": render_exit_codes,
    "error-messages": render_error_messages,
}


# --- API pages ------------------------------------------------------------------------------


def api_pages(source: Path) -> dict[str, str]:
    """One page per package of src/gitml: its modules, each rendered by mkdocstrings."""
    pages = {"gitml": [f"gitml.{name}" for name in TOP_MODULES]}
    for package in sorted(p for p in source.iterdir() if (p / "__init__.py").is_file()):
        modules = sorted(
            ".".join(path.relative_to(source.parent).with_suffix("").parts)
            for path in package.rglob("*.py")
            if path.name != "__init__.py"
        )
        pages[f"gitml.{package.name}"] = modules
    return {
        name: f"# `{name}`\n\n" + "".join(f"::: {module}\n\n" for module in modules)
        for name, modules in pages.items()
        if modules
    }


def on_files(files: Files, config: MkDocsConfig) -> Files:
    for name, content in api_pages(SOURCE).items():
        page = name.removeprefix("gitml.") if name != "gitml" else "top-level"
        files.append(File.generated(config, f"{API_DIR}/{page}.md", content=content))
    return files


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    def generate(match: re.Match[str]) -> str:
        name = match[1]
        if name not in GENERATORS:
            raise ValueError(f"{page.file.src_uri}: no generator named {name!r}")
        return GENERATORS[name]()

    return MARKER.sub(generate, markdown)
