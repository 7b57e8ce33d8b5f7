"""The operate loop on a real Bento: traffic sent to the service on 127.0.0.1 is logged, and
`gitml monitor` reads the log and says no action for unshifted traffic, action due (exit 1)
for traffic shifted in chosen columns, flagging those columns."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from gitml.ml.synthetic import generate_churn
from gitml.monitor.simulate import shifted
from tests.support.served import Served, records

pytestmark = pytest.mark.slow
SHIFTS = {"noise_normal": 0.6, "tenure_months": -0.5}


def _send(served: Served, seed: int, shifts: dict[str, float], count: int = 800) -> None:
    frame = shifted(generate_churn(count, seed=seed), shifts, served.params.data, seed)
    rows = records(frame, served.params)
    for start in range(0, count, 10):
        response = httpx.post(
            f"{served.url}/predict", json={"records": rows[start : start + 10]}, timeout=30
        )
        assert response.status_code == 200, response.text


def _logged(root: Path) -> int:
    return sum(len(p.read_text().splitlines()) for p in (root / "logs/traffic").glob("*.jsonl"))


def _wait_for(root: Path, lines: int) -> None:
    deadline = time.monotonic() + 30
    while _logged(root) < lines and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _logged(root) >= lines, f"{_logged(root)} lines logged, expected {lines}"


def _monitor(served: Served, since: datetime, until: datetime) -> tuple[int, dict[str, Any]]:
    result = subprocess.run(
        [sys.executable, "-m", "gitml", "monitor", "--since", since.isoformat(),
         "--until", until.isoformat()],
        cwd=served.root, env=served.env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    summary = json.loads((served.root / "reports/monitor.json").read_text())
    return result.returncode, summary | {"stderr": result.stderr}


def test_shifted_traffic_is_flagged_and_unshifted_is_not(served: Served) -> None:
    before = _logged(served.root)
    start = datetime.now(UTC)
    # 1600 calm records: at 800 the sampling noise alone can cross the default Wasserstein
    # limit (0.1 of a standard deviation) in one column of forty draws
    _send(served, seed=101, shifts={}, count=1600)
    bad = httpx.post(f"{served.url}/predict", json={"records": [{"tenure_months": -1}]})
    assert bad.status_code == 400
    _wait_for(served.root, before + 1601)
    middle = datetime.now(UTC)
    _send(served, seed=202, shifts=SHIFTS)
    _wait_for(served.root, before + 2401)
    end = datetime.now(UTC)

    code, calm = _monitor(served, start, middle)
    assert code == 0, calm["stderr"]
    assert calm["status"] == "no action"
    assert (calm["scored_records"], calm["refused_requests"]) == (1600, 1)

    code, alarm = _monitor(served, middle, end)
    assert code == 1, alarm["stderr"]
    assert alarm["action_due"]
    assert set(alarm["drifted_columns"]) == set(SHIFTS)
    assert "Action due (2 feature column(s) drifted" in alarm["stderr"]
    assert "gitml_traffic_log_dropped_total" in httpx.get(f"{served.url}/metrics").text


def test_the_bento_serves_its_model_card(served: Served) -> None:
    response = httpx.get(f"{served.url}/card", timeout=10)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/markdown")
    assert response.text.startswith("# Model card: churn (binary, target `churned`)")
    assert "## Lineage" in response.text
