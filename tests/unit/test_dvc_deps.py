"""Each DVC stage lists exactly the gitml modules its code can import, so that editing one
re-runs the stages it can change and no others (issue: 'each with exact deps')."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

from tests.support.paths import ROOT

SRC = ROOT / "src"
STAGES = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
PARAMS = yaml.safe_load((ROOT / "params.yaml").read_text())

# Imports that cannot change a stage's outputs, with the reason.
NOT_OUTPUT_AFFECTING = {
    "gitml.errors": "exception classes and their messages only",
    "gitml.config.messages": "the message for params that fail validation only",
    "gitml.progress": "a progress bar on a terminal, drawn on stderr only",
}
# Every cmd is `python -m gitml <stage>`: gitml.__main__ and gitml.cli parse the command line,
# load params.yaml (config, listed) and call the stage module, where tracing starts.
EDGES_NOT_FOLLOWED: dict[tuple[str, str], str] = {}


def module_path(name: str) -> Path:
    path = SRC / Path(*name.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def imported(name: str) -> set[str]:
    """gitml modules `name` imports when it runs, including inside functions."""
    found: set[str] = set()
    tree = ast.parse(module_path(name).read_text())
    # imports under `if TYPE_CHECKING:` are for annotations only: they never run
    type_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
        for inner in ast.walk(node)
    }
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # `from gitml.pipeline import x` imports the submodule x
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return {m for m in found if m.startswith("gitml.") and module_path(m).exists()}


def reachable(start: str) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        current = todo.pop()
        for name in imported(current):
            if name in seen or (current, name) in EDGES_NOT_FOLLOWED:
                continue
            seen.add(name)
            todo.append(name)
    return seen - set(NOT_OUTPUT_AFFECTING)


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_stage_lists_exactly_the_modules_its_code_imports(stage: str) -> None:
    # the default data's source path is the generator module (src/gitml/ml/synthetic.py)
    deps = [re.sub(r"\$\{([\w.]+)\}", interpolate, dep) for dep in STAGES[stage]["deps"]]
    listed = {
        dep.removeprefix("src/").removesuffix(".py").replace("/", ".")
        for dep in deps
        if dep.startswith("src/gitml/")
    }
    needed = reachable(f"gitml.pipeline.{stage}")
    missing, unused = sorted(needed - listed), sorted(listed - needed)
    assert not missing, f"dvc.yaml: add {missing} to {stage}'s deps"
    assert not unused, f"dvc.yaml: {stage} lists {unused}, which its code never imports"


def interpolate(match: re.Match[str]) -> str:
    value = PARAMS
    for key in match[1].split("."):
        value = value[key]
    return str(value)
