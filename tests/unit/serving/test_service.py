"""The service's own routes (/info, /card) without starting a server.

The module reads the serving spec when it is imported and patches BentoML's batcher, so it
is imported in a child process of its own, with a spec written here; nothing is packaged and
no port is opened (tests/integration/test_service.py serves the real Bento).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from gitml.config.params import Params
from gitml.serving.card import CARD_FILE
from gitml.serving.spec import SPEC_ENV, build_spec, spec_json, with_version
from tests.support.model_meta import BINARY_META

META = BINARY_META
PROBE = """
import json, warnings
warnings.simplefilter("ignore")
from starlette.testclient import TestClient
from gitml.serving import service
client = TestClient(service.info_app)
answers = {path: client.get(path) for path in ("/info", "/card", "/nowhere")}
shown = {p: [r.status_code, r.headers.get("content-type"), r.text] for p, r in answers.items()}
print(json.dumps(shown))
"""


def _routes(params: Params, root: Path) -> dict[str, list[object]]:
    spec = with_version(build_spec(params, META, {"roc_auc": 0.9}, "ab" * 32, "1234abcd"), "v9")
    (root / "serving.json").write_text(spec_json(spec))
    env = os.environ | {SPEC_ENV: str(root / "serving.json"), "BENTOML_HOME": str(root / "bento")}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    answers: dict[str, list[object]] = json.loads(result.stdout.splitlines()[-1])
    return answers


def test_info_serves_the_specs_model_information(params: Params, tmp_path: Path) -> None:
    status, kind, text = _routes(params, tmp_path)["/info"]
    assert (status, kind) == (200, "application/json")
    info = json.loads(str(text))
    assert info["model_version"] == "v9"
    assert info["git_commit"] == "1234abcd"
    assert info["classes"] == [0, 1]
    assert info["metrics"] == {"roc_auc": 0.9}


def test_the_card_is_served_as_markdown_or_its_absence_said(params: Params, tmp_path: Path) -> None:
    assert _routes(params, tmp_path)["/card"] == [
        404,
        "text/plain; charset=utf-8",
        "This Bento has no model card: package it again.",
    ]
    (tmp_path / CARD_FILE).write_text("# Model card\n\nchurn, v9\n", encoding="utf-8")
    routes = _routes(params, tmp_path)
    assert routes["/card"] == [200, "text/markdown; charset=utf-8", "# Model card\n\nchurn, v9\n"]
    assert routes["/nowhere"][0] == 404
