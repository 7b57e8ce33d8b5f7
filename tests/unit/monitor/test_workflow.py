"""monitor.yml: scheduled and on demand, read-only until action is due, then one PR."""

from __future__ import annotations

from tests.support.paths import ROOT
from tests.unit.test_workflows import load, steps


def test_it_runs_daily_and_on_demand_and_writes_only_when_action_is_due() -> None:
    workflow = load(ROOT / ".github/workflows/monitor.yml")

    assert set(workflow["on"]) == {"schedule", "workflow_dispatch"}
    monitor, retrain = workflow["jobs"]["monitor"], workflow["jobs"]["retrain"]
    assert monitor["permissions"] == {"contents": "read", "id-token": "write"}
    assert retrain["if"] == "needs.monitor.outputs.action == 'due'"
    assert retrain["permissions"]["pull-requests"] == "write"
    runs = [step.get("run", "") for step in steps(workflow)]
    assert any("make monitor" in run for run in runs)
    assert runs[-1] == "make retrain-pr"
    credentials = [s for s in steps(workflow) if "configure-aws-credentials" in s.get("uses", "")]
    assert [s["with"]["role-to-assume"] for s in credentials] == [
        "${{ vars.MONITOR_ROLE_ARN }}",
        "${{ vars.RETRAIN_ROLE_ARN }}",
    ]
