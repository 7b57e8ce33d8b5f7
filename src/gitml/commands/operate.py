"""The operate loop's commands: monitor, retrain-pr, card."""

from __future__ import annotations

import argparse
import logging

logger = logging.getLogger(__name__)


def monitor(args: argparse.Namespace) -> None:
    from gitml.config.params import load_params
    from gitml.errors import ActionDue
    from gitml.monitor.render import too_little
    from gitml.monitor.run import run

    result = run(
        load_params(args.params),
        logs=args.logs,
        since=args.since,
        until=args.until,
        labels=args.labels,
        output_dir=args.output_dir,
    )
    written = f"{args.output_dir}/monitor.md"
    if result.action_due:
        raise ActionDue(f"Action due ({'; '.join(result.reasons)}). See {written}.")
    if result.enough:
        logger.info("monitor: no action (%d records) → %s", result.scored_records, written)
    else:
        logger.info("monitor: %s → %s", too_little(result), written)


def retrain_pr(args: argparse.Namespace) -> None:
    from pathlib import Path

    from gitml.errors import DataError
    from gitml.monitor.retrain_pr import GitHub, open_or_update

    report = Path(args.body)
    if not report.is_file():
        raise DataError(f"{report} not found. Run `gitml monitor` first.")
    body = report.read_text(encoding="utf-8")
    proposal = open_or_update(GitHub.from_env(), args.branch, args.base, args.title, body)
    logger.info("retrain-pr: %s #%d %s", proposal.action, proposal.number, proposal.url)


def card(args: argparse.Namespace) -> None:
    from gitml.config.params import load_params
    from gitml.io import write_with
    from gitml.serving.card import build_card

    text = build_card(load_params(args.params))
    write_with(args.output, lambda path: path.write_text(text, encoding="utf-8"))
    logger.info("card: %s", args.output)
