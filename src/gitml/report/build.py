"""`gitml report`: compare the work tree with a baseline ref; report/gate.py judges it.

The report writes three files: `report.md` (the PR comment, kept under GitHub's size limit),
`report-full.md` (nothing cut: the workflow artifact) and `report.json` (the verdict's
inputs, which `gitml gate` re-judges so the check and the comment always agree).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from gitml.config.params import Params
from gitml.io import file_sha256, read_json
from gitml.ml.meta import MODEL_LIBRARIES, ModelMeta
from gitml.render.markdown import ARTIFACT_NOTE, Section, render
from gitml.report import data_section, sections
from gitml.report.baseline import Artifacts, baseline_artifacts, branch_artifacts
from gitml.report.compare import ModelComparison, compare_models
from gitml.report.data_diff import DataDiff, diff_data
from gitml.report.gate import Verdict, fingerprint, judge_summary
from gitml.report.lock import branch_lock, remote_outcome
from gitml.report.pairing import model_meta_of
from gitml.report.rules import Rules, judging_rules
from gitml.report.summary import (
    BaselineRef,
    BranchRef,
    RecordedRules,
    ReportSummary,
    write_summary,
)

logger = logging.getLogger(__name__)

REPORT, FULL_REPORT, SUMMARY = "report.md", "report-full.md", "report.json"
FOOTER = (
    "\n<sub>gitml · gate rules: `conf/gate/` · bootstrap and drift thresholds: `conf/report/` · "
    f"{ARTIFACT_NOTE}</sub>\n"
)
# the stages a model's lineage depends on: when one is out of date, so is the model
MODEL_STAGES = ("ingest", "validate", "split", "train")
LIBRARIES = ("python", *MODEL_LIBRARIES)


@dataclass(frozen=True)
class Compared:
    """What the report compared: both sides, the ref, the data's diff, the models' (None
    when the contract broke or the work tree is stale) and the stale stages."""

    branch: Artifacts
    baseline: Artifacts | None
    ref: str
    data: DataDiff
    model: ModelComparison | None
    stale: list[str]


@dataclass(frozen=True)
class Report:
    comment: str
    full: str
    summary: ReportSummary
    verdict: Verdict


def build_report(root: Path, ref: str, params: Params) -> Report:
    """Compare the work tree's pipeline outputs with those of `ref`."""
    branch = branch_artifacts(root)
    with baseline_artifacts(root, ref) as baseline:  # resolves the ref first: fails fast
        stale = pipeline_changes(root)
        data = diff_data(branch, baseline, params, stale)
        contract_ok = data.validation is None or bool(data.validation.get("passed"))
        rules = judging_rules(
            params.gate,
            params.report.confidence,
            baseline.params if baseline else None,
            ref,
            params.data.name,
        )
        model = None
        if contract_ok and not stale:
            settings = params.report.model_copy(update={"confidence": rules.confidence})
            model = compare_models(branch, baseline, settings, params.evaluate, params.seeds.report)
        compared = Compared(branch, baseline, ref, data, model, stale)
        summary = _summary(params, compared)
        lock = asdict(branch_lock(root, list(params.paths.model_dump().values())))
        recorded = RecordedRules(
            gate=rules.gate,
            confidence=rules.confidence,
            source=ref if baseline else "branch",
            warning=rules.warning,
            seed_sd=params.report.seed_sd,
        )
        summary = summary.model_copy(
            update={
                "rules": recorded,
                "lock": lock,
                "remote": remote_outcome(root),
                "fingerprint": fingerprint(root, params),
            }
        )
        verdict = judge_summary(summary, params)
        summary = summary.model_copy(update={"verdict": asdict(verdict)})
        headline = _headline(branch, baseline, ref, model, params) + _lock_line(lock)
        title = sections.verdict(verdict, headline)
        documents = []
        for limit, max_chars in (
            (None, None),
            (params.report.max_table_rows, params.report.max_chars),
        ):
            parts = _sections(params, rules, compared, limit=limit)
            documents.append(render(title, parts, FOOTER, max_chars))
    full, comment = documents
    return Report(comment, full, summary, verdict)


def write_report(report: Report, directory: Path) -> None:
    from gitml.io import atomic_path

    for name, text in ((REPORT, report.comment), (FULL_REPORT, report.full)):
        with atomic_path(directory / name) as path:
            path.write_text(text, encoding="utf-8")
    write_summary(directory / SUMMARY, report.summary)


def _lock_line(lock: dict[str, Any]) -> str:
    """Whether the branch's committed dvc.lock is what CI's reproduction left."""
    if not lock["judged"]:
        return f" Committed dvc.lock: {lock['note']}"
    if lock["stages"]:
        return f" Committed dvc.lock: stale (CI re-ran {', '.join(lock['stages'])})."
    return " Committed dvc.lock: matches what CI reproduced."


def pipeline_changes(root: Path) -> list[str]:
    """Stages whose work-tree files or params differ from dvc.lock (as `dvc status` reports,
    except outputs that are merely missing from the cache: the work tree still has them)."""
    from dvc.repo import Repo

    with Repo(str(root)) as repo:
        status = repo.status()
    stale = []
    for name, changes in status.items():
        for change in changes:
            if isinstance(change, dict):
                states = [s for group in change.values() for s in dict(group).values()]
                if all(state == "not in cache" for state in states):
                    continue
            stale.append(str(name).rsplit(":", 1)[-1])
            break
    return sorted(stale)


def _summary(params: Params, compared: Compared) -> ReportSummary:
    branch, baseline, ref = compared.branch, compared.baseline, compared.ref
    data, model, stale = compared.data, compared.model, compared.stale
    return ReportSummary(
        task=params.data.task,
        baseline=BaselineRef(ref=ref, commit=baseline.commit, source=baseline.source)
        if baseline
        else None,
        branch=BranchRef(commit=branch.commit, dirty=branch.dirty),
        contract=data.validation,
        stale=stale,
        pairing=model.pairing if model else None,
        not_comparable=model.not_comparable if model else "",
        identical=bool(model and model.identical),
        metrics=[asdict(metric) for metric in model.metrics] if model else [],
        drifted_columns=[d.column for d in data.drift if d.is_drifted],
        changed_rows=asdict(data.changed) if data.changed else None,
        target_changed=data_section.target_changed(data, ref),
    )


def _sections(
    params: Params, rules: Rules, compared: Compared, *, limit: int | None
) -> list[Section]:
    """Every section in reading order; `limit` cuts long tables (None: nothing is cut)."""
    branch, baseline, ref = compared.branch, compared.baseline, compared.ref
    data, model, stale = compared.data, compared.model, compared.stale
    settings = params.report
    contract_broken = data.validation is not None and not data.validation.get("passed")
    parts = []
    if model is not None:
        metrics = sections.metrics(model, rules, ref, params.report.seed_sd)
        parts.append(Section("Metrics", metrics, priority=1))
    params_text = sections.params_diff(
        baseline.params if baseline else {}, branch.params, ref, limit
    )
    parts.append(Section("What the PR changed in params.yaml", params_text, priority=2))
    if model is not None and not model.identical:
        importance = {
            name: read_json(side.files["importance"])
            for name, side in (("branch", branch), ("baseline", baseline))
            if side is not None and "importance" in side.files
        }
        plots = sections.plots(model, importance, settings.top_features, ref)
        parts.append(Section("Plots", plots, priority=4))
        confusion = sections.confusion(model, limit=12)
        if confusion:
            parts.append(Section("Confusion matrix", confusion, priority=5, collapsed=True))
    drifted = any(d.is_drifted for d in data.drift)
    parts.append(
        Section(
            "Data: validation, rows and drift",
            data_section.data(data, ref, limit),
            priority=3,
            collapsed=not (contract_broken or drifted or (data.changed and data.changed.rows)),
        )
    )
    if model is not None and model.slices:
        parts.append(Section("Slices that moved most", sections.slices(model.slices, ref), 6, True))
    lineage = _lineage(branch, baseline, stale)
    parts.append(Section("Lineage", sections.lineage(lineage, ref), 7, True))
    return parts


def _headline(
    branch: Artifacts,
    baseline: Artifacts | None,
    ref: str,
    model: ModelComparison | None,
    params: Params,
) -> str:
    mine = f"`{branch.commit[:8] or 'work tree'}`" + (
        " + uncommitted changes" if branch.dirty else ""
    )
    if baseline is None:
        return f"Branch {mine}. No baseline: `{ref}` has no pipeline run (dvc.lock) yet."
    text = f"Branch {mine} against `{ref}` (`{baseline.commit[:8]}`, {baseline.source})"
    if model is not None and model.pairing in ("same rows", "rescored"):
        text += (
            f" · {model.rows:,} test rows, paired bootstrap of {params.report.resamples:,} "
            f"resamples (seed {params.seeds.report})"
        )
    return text + "."


def _training_time(side: Artifacts, meta: ModelMeta | None) -> str:
    """From the run's timings file when it trained this model (older models: their metadata)."""
    timing = read_json(side.files["timings"]) if "timings" in side.files else {}
    model = side.files.get("model")
    if meta and model and timing.get("model_sha256") == file_sha256(model):
        return f"{timing['training_seconds']:.1f} s"
    return f"{meta.training_seconds:.1f} s" if meta and meta.training_seconds else "—"


def _lineage(branch: Artifacts, baseline: Artifacts | None, stale: list[str]) -> list[list[str]]:
    sides = [side for side in (baseline, branch) if side is not None]
    # a model trained before its data, split or params changed is not the branch's model
    behind = [stage for stage in stale if stage in MODEL_STAGES]
    metas = [None if side is branch and behind else model_meta_of(side) for side in sides]
    columns: list[list[str]] = []
    for side, meta in zip(sides, metas, strict=True):
        model_file = side.files.get("model") if meta else None
        source = side.source
        if side is branch and stale:
            source += f", out of date (stages: {', '.join(stale)})"
        columns.append(
            [
                f"`{side.commit[:8]}`" + (" (dirty)" if side.dirty else ""),
                source,
                str(meta.model.get("name", "—")) if meta else "—",
                f"`{meta.train_data.sha256[:12]}`" if meta and meta.train_data else "—",
                f"{model_file.stat().st_size / 1e6:.2f} MB" if model_file else "—",
                _training_time(side, meta),
                *((meta.versions if meta else {}).get(lib, "—") for lib in LIBRARIES),
            ]
        )
    if baseline is None:
        columns.insert(0, ["—"] * len(columns[0]))
    names = [
        "commit",
        "artifacts from",
        "model",
        "training data sha256",
        "model size",
        "training time",
        *LIBRARIES,
    ]
    return [[name, *values] for name, *values in zip(names, *columns, strict=True)]
