"""One trained pipeline for the whole session: every stage run once, in process, on real params.

Tests read its artifacts through `TrainedPipeline.params`; a test that writes next to them
(packages a Bento, rewrites a model, runs a stage again) takes its own copy with `copy_to`.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from gitml.config.params import Params
from gitml.pipeline import evaluate, ingest, split, train, validate
from tests.support.paths import with_paths

STAGES = (ingest, validate, split, train, evaluate)


def run_pipeline(params: Params) -> None:
    """ingest → validate → split → train → evaluate, in process, as `dvc repro` orders them."""
    for stage in STAGES:
        stage.run(params)


@dataclass(frozen=True)
class TrainedPipeline:
    """The artifacts of one full run under `root`; `composed` keeps the paths relative."""

    root: Path
    composed: Params

    @property
    def params(self) -> Params:
        return with_paths(self.composed, self.root)

    def copy_to(self, target: Path, composed: Params | None = None) -> Params:
        """A private copy of every artifact under `target`, with params pointing at it.

        `composed` may change settings that no stage read (`serve.*`, say); the copy's
        artifacts are still the session's.
        """
        shutil.copytree(self.root, target)
        return with_paths(composed or self.composed, target)


def train_pipeline(composed: Params, root: Path) -> TrainedPipeline:
    trained = TrainedPipeline(root, composed)
    run_pipeline(trained.params)
    return trained
