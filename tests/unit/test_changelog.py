"""CHANGELOG.md is what `make changelog` (git-cliff with cliff.toml) makes of the history."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from tests.support.paths import ROOT

GIT_CLIFF = str(Path(sys.executable).parent / "git-cliff")
CONFIG = ROOT / "cliff.toml"


def cliff(repository: Path) -> str:
    result = subprocess.run(
        [GIT_CLIFF, "--config", str(CONFIG), "--repository", str(repository)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def groups_of_config() -> list[str]:
    parsers = tomllib.loads(CONFIG.read_text())["git"]["commit_parsers"]
    ordered = sorted(p["group"] for p in parsers if "group" in p)  # as the comments sort them
    return [re.sub(r"<!--.*?-->", "", group).strip() for group in ordered]


def parse(changelog: str) -> tuple[str, list[tuple[str, str]], str]:
    """The text before the first release, every (group, entry), and the text after the last."""
    header, _, rest = changelog.partition("\n## ")
    body, _, footer = rest.partition("\n<!--")
    entries, group = [], ""
    for line in ("## " + body).splitlines():
        if line.startswith("### "):
            group = line.removeprefix("### ")
        elif line.startswith("- "):
            entries.append((group, line.removeprefix("- ")))
        else:
            assert line == "" or re.fullmatch(r"## (Unreleased|\d+\.\d+\.\d+ \(.+\))", line), line
    return header, entries, footer


def shallow() -> bool:
    result = subprocess.run(
        ["git", "rev-parse", "--is-shallow-repository"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip() != "false"


@pytest.mark.skipif(shallow(), reason="a shallow clone lacks the history (fetch-depth: 0)")
def test_regenerating_keeps_every_committed_entry_in_its_group() -> None:
    # given the committed changelog, when it is made again from the history
    committed = parse((ROOT / "CHANGELOG.md").read_text())
    regenerated = parse(cliff(ROOT))

    # then it has the same header and footer, and every committed entry, in the same group:
    # later commits only add entries (run `make changelog` to list them)
    assert committed[0] == regenerated[0]
    assert committed[2] == regenerated[2]
    missing = Counter(committed[1]) - Counter(regenerated[1])
    assert not missing, f"entries cliff.toml no longer makes (run make changelog): {missing}"
    # and its groups are cliff.toml's, in cliff.toml's order
    groups = list(dict.fromkeys(group for group, _ in committed[1]))
    known = groups_of_config()
    assert set(groups) <= set(known)
    assert groups == sorted(groups, key=known.index)


def test_area_variants_share_one_name_and_group_and_merges_are_skipped(tmp_path: Path) -> None:
    # given a history whose subjects spell one area several ways, and a merge
    def git(*argv: str) -> None:
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@t", *argv],
            cwd=tmp_path,
            check=True,
            capture_output=True,
        )

    git("init", "-q", "-b", "main")
    subjects = [
        "Report: one",
        "report, gate: two",
        "make pytest: three",
        "Integration tests: four",
        "Service: five",
        "bench README: six",
        "dvc.lock: seven",
        "no area at all",
    ]
    for subject in subjects:
        git("commit", "-q", "--allow-empty", "-m", subject)
        if subject.startswith("Service"):
            git("tag", "v0.1.0")  # a release: its entries under "## 0.1.0 (date)"
    git("switch", "-q", "-c", "side")
    git("commit", "-q", "--allow-empty", "-m", "tests: eight")
    git("switch", "-q", "main")
    git("merge", "-q", "--no-ff", "side", "-m", "Merge branch 'side'")

    # when the changelog is made
    _, entries, _ = parse(cliff(tmp_path))

    # then each variant has the area's one name, in its group, and the merge is not listed
    assert sorted(entries) == sorted(
        [
            ("Report and gate", "report: one"),
            ("Report and gate", "report: two"),
            ("Tests", "tests: three"),
            ("Tests", "tests: four"),
            ("Tests", "tests: eight"),
            ("Serving and ship", "serving: five"),
            ("Benchmarks", "bench: six"),
            ("Pipeline", "dvc.lock: seven"),
            ("Other", "no area at all"),
        ]
    )
