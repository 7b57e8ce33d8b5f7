"""The docs site builds offline in strict mode: a broken link, a page missing from the nav or
a reference generator that fails is a warning, and any warning fails the build."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.paths import ROOT


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)]
    env = {"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(command, check=False, cwd=ROOT, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr, result.stderr
    # the generated reference pages hold what the code says
    config = (tmp_path / "reference/config/index.html").read_text(encoding="utf-8")
    assert "split.test_size" in config
    assert "serve.batch_wait_ms" in config
    cli = (tmp_path / "reference/cli/index.html").read_text(encoding="utf-8")
    assert "gitml infer-contract" in cli
    assert "--chunk-rows" in cli
    errors = (tmp_path / "reference/errors/index.html").read_text(encoding="utf-8")
    assert "ContractError" in errors
    assert "Run `gitml compose` to write it from conf/." in errors
