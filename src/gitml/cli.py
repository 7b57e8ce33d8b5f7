"""The `gitml` command: one thin entry point for people, DVC stages and CI."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from typing import Any

from gitml.commands import change, operate, ship
from gitml.errors import GitmlError

logger = logging.getLogger("gitml")

STAGES = ("ingest", "validate", "split", "train", "evaluate")
UNEXPECTED_EXIT = 70
INTERRUPTED_EXIT = 130  # 128 + SIGINT, as shells report a Ctrl-C


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args, rest = parser.parse_known_args(argv)
    if args.command == "repro":
        args.dvc_args = rest
    elif rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    debug = _configure_logging()
    try:
        code = args.handler(args)
    except GitmlError as exc:
        if debug:
            logger.exception("gitml %s failed", args.command)
        else:
            logger.error("%s", exc)
        return exc.exit_code
    except KeyboardInterrupt:
        logger.error("Interrupted; outputs are written atomically, so nothing was half-written.")
        return INTERRUPTED_EXIT
    except Exception as exc:
        if debug:
            raise
        logger.error(
            "gitml %s failed unexpectedly: %s: %s. Run with LOG_LEVEL=DEBUG for the traceback "
            "and report it.",
            args.command,
            type(exc).__name__,
            exc,
        )
        return UNEXPECTED_EXIT
    return code if isinstance(code, int) else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gitml", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(
        name: str, handler: Callable[[argparse.Namespace], None], help_: str
    ) -> argparse.ArgumentParser:
        command = commands.add_parser(name, help=help_, description=help_)
        command.set_defaults(handler=handler)
        command.add_argument(
            "--params", default="params.yaml", help="params file (default: %(default)s)"
        )
        return command

    for stage in STAGES:
        add(stage, change.run_stage, f"run the `{stage}` pipeline stage (normally via `dvc repro`)")

    repro = commands.add_parser(
        "repro",
        add_help=False,  # `gitml repro --help` is dvc repro's: every argument goes to it
        help="dvc repro, each stage forked from one warm process (arguments go to dvc repro)",
        description="`dvc repro [ARGS]` with the stages' imports paid once: each stage is still "
        "its own process, forked from a server that has imported pandas, scikit-learn and "
        "gitml. GITML_WARM=0 (or a system other than Linux): plain `dvc repro`.",
    )
    repro.set_defaults(handler=change.repro)

    compose = add(
        "compose", change.compose, "write params.yaml from conf/ with optional Hydra overrides"
    )
    compose.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. model=random_forest")
    compose.add_argument("--check", action="store_true", help="fail if params.yaml is stale")
    compose.add_argument("--conf", default="conf", help="config directory (default: %(default)s)")

    infer = add(
        "infer-contract",
        change.infer_contract,
        "draft conf/data/<name>.yaml from a CSV/Parquet file",
    )
    infer.add_argument("path", help="the data file (CSV or Parquet)")
    infer.add_argument("--target", required=True, help="the column to predict")
    infer.add_argument("--name", help="contract name (default: from the file name)")
    infer.add_argument(
        "--task", choices=("binary", "multiclass", "regression"), help="default: inferred"
    )
    infer.add_argument("--id-column", help="the column naming one row (default: inferred)")
    infer.add_argument("--output", help="where to write (default: conf/data/<name>.yaml)")
    infer.add_argument("--force", action="store_true", help="replace an existing file")

    report = add(
        "report", change.report, "compare the pipeline outputs with a baseline ref: report.md"
    )
    report.add_argument("--baseline", default="main", help="git ref (default: %(default)s)")
    report.add_argument("--output-dir", default="reports", help="default: %(default)s")

    gate = add(
        "gate", change.gate, "fail (exit 5) when the report's verdict fails, with every reason"
    )
    gate.add_argument(
        "--summary", default="reports/report.json", help="the report's JSON (default: %(default)s)"
    )

    comment = add(
        "comment", change.comment, "post or update the one PR report comment (CML's fallback)"
    )
    comment.add_argument("report", help="the markdown to post, e.g. reports/report.md")
    comment.add_argument("--pr", type=int, required=True, help="the pull request number")
    comment.add_argument("--sha", required=True, help="the commit the report is about")
    comment.add_argument("--repo", help="OWNER/NAME (default: $GITHUB_REPOSITORY)")
    comment.add_argument(
        "--watermark-title", default="gitml report", help="as CML's (default: %(default)s)"
    )
    comment.add_argument(
        "--author", default="github-actions[bot]", help="whose comment (default: %(default)s)"
    )

    pull = add(
        "pull", change.pull, "dvc pull from the default remote, with one clear message on failure"
    )
    pull.add_argument(
        "--fork", action="store_true", help="a fork's PR: record that CI had no credentials"
    )
    pull.add_argument(
        "--model", action="store_true", help="only the model (a release): fail if it is absent"
    )

    package = add(
        "package", ship.package, "import the model into BentoML's store and build the Bento"
    )
    package.add_argument("--output", help="also export the Bento to this archive path")
    serve = add("serve", ship.serve, "package (if needed) and serve the Bento locally")
    serve.add_argument("--host", default="127.0.0.1", help="(default: %(default)s)")
    serve.add_argument("--port", type=int, default=3000, help="(default: %(default)s)")
    _add_operate(add)
    predict = add("predict", ship.predict, "batch-score a CSV/Parquet file with the trained model")
    predict.add_argument("--input", required=True, help="CSV or Parquet file to score")
    predict.add_argument("--output", required=True, help="Parquet file for the predictions")
    predict.add_argument(
        "--rejects", help="write rows that break the contract here and go on (default: fail)"
    )
    predict.add_argument(
        "--chunk-rows", type=int, default=100_000, help="rows per chunk (default: %(default)s)"
    )
    predict.add_argument(
        "--keep",
        default="",
        metavar="COL[,COL...]",
        help="input columns to copy beside each score, to join scores back (the contract's "
        "id_column is always kept when the input has it)",
    )
    return parser


def _add_operate(add: Callable[..., argparse.ArgumentParser]) -> None:
    """The operate loop's commands: monitor, retrain-pr, card."""
    monitor = add(
        "monitor",
        operate.monitor,
        "compare live traffic with the training data (exit 1: action due)",
    )
    monitor.add_argument("--logs", help="traffic log folder (default: monitor.logs)")
    monitor.add_argument("--since", help="window start, ISO 8601 (default: window_hours ago)")
    monitor.add_argument("--until", help="window end, ISO 8601, exclusive (default: now)")
    monitor.add_argument("--labels", help="CSV/Parquet of id and target (default: monitor.labels)")
    monitor.add_argument("--output-dir", default="reports", help="default: %(default)s")
    retrain = add(
        "retrain-pr", operate.retrain_pr, "open the retraining pull request, or update the open one"
    )
    retrain.add_argument("--branch", default="retrain/monitor", help="(default: %(default)s)")
    retrain.add_argument("--base", default="main", help="(default: %(default)s)")
    retrain.add_argument("--title", default="Retrain: production traffic drifted")
    retrain.add_argument("--body", default="reports/monitor.md", help="(default: %(default)s)")
    card = add("card", operate.card, "write the model card (Markdown) from the pipeline's outputs")
    card.add_argument("--output", default="reports/model_card.md", help="default: %(default)s")


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """gitml's own stderr handler, so reconfiguring never touches anyone else's.

    It writes to `sys.stderr` as it is when a line is logged, not as it was when `main` ran:
    a caller that swaps stderr afterwards (pytest's capture, a redirect) gets the lines, and
    none go to a stream closed since ("ValueError: I/O operation on closed file").
    """

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _: Any) -> None:  # StreamHandler.__init__ sets it: always sys.stderr
        pass


def _configure_logging() -> bool:
    level_name = os.environ.get("LOG_LEVEL", "INFO").upper()
    level = logging.getLevelNamesMapping().get(level_name, logging.INFO)
    package_logger = logging.getLogger("gitml")
    for handler in [h for h in package_logger.handlers if isinstance(h, StderrHandler)]:
        package_logger.removeHandler(handler)
    handler = StderrHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    package_logger.addHandler(handler)
    package_logger.setLevel(level)
    logging.captureWarnings(True)
    return level <= logging.DEBUG
