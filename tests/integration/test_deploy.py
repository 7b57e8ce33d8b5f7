"""deploy/: both overlays render with kustomize and are valid Kubernetes objects."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import pytest
import yaml

from gitml.config.params import Params
from tests.support.paths import ROOT

OVERLAYS = ("staging", "production")
KUBERNETES_VERSION = "1.30.0"


def _render(overlay: str) -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:  # .ci/run installs it; a laptop may not have it
        pytest.skip("kubectl not installed (CI installs it in .ci/run)")
    version = subprocess.run(
        [kubectl, "version", "--client"], capture_output=True, text=True, check=False
    ).stdout
    if "Kustomize Version: v5" not in version:  # overlays use kustomize v5 syntax
        pytest.skip(f"kubectl's kustomize is older than v5: {version.strip()!r}")
    result = subprocess.run(
        [kubectl, "kustomize", str(ROOT / "deploy" / "overlays" / overlay)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_renders_valid_objects(overlay: str) -> None:
    import kubernetes_validate

    objects = _render(overlay)
    assert sorted(o["kind"] for o in objects) == [
        "Deployment",
        "HorizontalPodAutoscaler",
        "Service",
    ]
    for obj in objects:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        assert obj["metadata"]["namespace"] == f"gitml-{overlay}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_deployment_probes_resources_and_pinned_image(overlay: str) -> None:
    objects = {o["kind"]: o for o in _render(overlay)}
    container = objects["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/livez"
    assert set(container["resources"]) == {"requests", "limits"}
    assert "@sha256:" in container["image"]  # deploy by digest, never a moving tag
    hpa = objects["HorizontalPodAutoscaler"]["spec"]
    assert hpa["scaleTargetRef"]["name"] == objects["Deployment"]["metadata"]["name"]
    assert 1 <= hpa["minReplicas"] <= hpa["maxReplicas"]
    selector = objects["Service"]["spec"]["selector"]
    labels = objects["Deployment"]["spec"]["template"]["metadata"]["labels"]
    assert selector.items() <= labels.items()


def test_the_pods_grace_period_holds_the_services_drain(params: Params) -> None:
    # the base manifest, unrendered: no overlay changes it, and this needs no kubectl
    deployment = yaml.safe_load((ROOT / "deploy" / "base" / "deployment.yaml").read_text())
    grace = deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    # the drain, then the worker's cleanup (up to 2 s writing the traffic log) and exit
    assert grace >= params.serve.drain_timeout_s + 5, grace
