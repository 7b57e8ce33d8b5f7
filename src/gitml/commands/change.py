"""The change loop's commands: the stages, compose, infer-contract, pull, report, gate,
comment. Each handler imports what its command needs when it runs (docs/adr/0003)."""

from __future__ import annotations

import argparse
import logging
import os

logger = logging.getLogger(__name__)


def run_stage(args: argparse.Namespace) -> None:
    from importlib import import_module

    from gitml.config.params import load_params

    params = load_params(args.params)
    import_module(f"gitml.pipeline.{args.command}").run(params)


def repro(args: argparse.Namespace) -> int:
    from gitml.warm.repro import reproduce

    return reproduce(args.dvc_args)


def compose(args: argparse.Namespace) -> None:
    from gitml.config.compose import compose_params, missing_source, stale_diff, write_params
    from gitml.contract.schema import build_schema
    from gitml.errors import ConfigError

    text, params = compose_params(args.conf, args.overrides)
    if params.data.checks:  # the row checks run on the contract's column types
        build_schema(params.data)
    if args.check:
        diff = stale_diff(text, args.params)
        if diff:
            raise ConfigError(
                f"{args.params} is stale: it differs from what conf/ composes to.\n{diff}"
                "Run `gitml compose` (or move the experiment's overrides into conf/) and commit."
            )
        logger.info("%s is up to date with conf/", args.params)
        return
    from pathlib import Path

    from gitml.io import refuse_overwrite

    conf = {f"conf file {path}": path for path in sorted(Path(args.conf).rglob("*.yaml"))}
    refuse_overwrite("compose", conf, {"--params": args.params})
    changed = write_params(text, args.params)
    logger.info("%s %s", args.params, "written" if changed else "unchanged")
    if warning := missing_source(params.data):
        logger.warning("%s", warning)


def infer_contract(args: argparse.Namespace) -> None:
    from gitml.contract.infer.draft import run

    destination = run(
        args.path, args.target, args.name, args.task, args.output, args.force, args.id_column
    )
    logger.info(
        "Drafted %s. Review it, then `gitml compose data=%s` and `dvc repro`.",
        destination,
        destination.stem,
    )


def pull(args: argparse.Namespace) -> None:
    from pathlib import Path

    from gitml.pipeline.remote import run

    targets = None
    if args.model:
        from gitml.config.params import load_params

        targets = [load_params(args.params).paths.model]
    outcome = run(Path.cwd(), args.fork, targets)
    (logger.warning if outcome.status == "no credentials" else logger.info)("%s", outcome.message)


def report(args: argparse.Namespace) -> None:
    from pathlib import Path

    from gitml.config.params import load_params
    from gitml.report.build import build_report, write_report

    params = load_params(args.params)
    report = build_report(Path.cwd(), args.baseline, params)
    write_report(report, Path(args.output_dir))
    for warning in report.verdict.warnings:
        logger.warning("%s", warning)
    logger.info(
        "report: %s against %s → %s/report.md (%d characters; full: report-full.md)",
        report.verdict.status.upper(),
        args.baseline,
        args.output_dir,
        len(report.comment),
    )


def gate(args: argparse.Namespace) -> None:
    from pathlib import Path

    from gitml.config.params import load_params
    from gitml.report.gate import enforce

    verdict = enforce(Path.cwd(), Path(args.summary), load_params(args.params))
    for warning in verdict.warnings:
        logger.warning("%s", warning)
    for note in verdict.notes:
        logger.info("%s", note)
    logger.info("The gate passes (%s).", verdict.status)


def comment(args: argparse.Namespace) -> None:
    from gitml.report.comment import run

    run(
        args.report,
        repository=args.repo,
        number=args.pr,
        sha=args.sha,
        label=args.watermark_title,
        author=args.author,
        env=os.environ,
    )
