"""`python -m gitml`: the module entry point DVC's stages call, and the exit code it returns."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def _gitml(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "gitml", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)


def test_a_user_error_exits_with_its_code_and_one_line(tmp_path: Path) -> None:
    result = _gitml("validate", cwd=tmp_path)
    assert result.returncode == 2  # ConfigError
    assert "params.yaml not found. Run `gitml compose` to write it from conf/." in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unknown_command_lists_the_known_ones(tmp_path: Path) -> None:
    result = _gitml("nosuch", cwd=tmp_path)
    assert result.returncode == 2
    assert "invalid choice: 'nosuch'" in result.stderr
    assert "'validate'" in result.stderr
