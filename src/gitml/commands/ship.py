"""The ship loop's commands: package, serve, predict."""

from __future__ import annotations

import argparse
import logging

logger = logging.getLogger(__name__)


def package(args: argparse.Namespace) -> None:
    from gitml.config.params import load_params
    from gitml.serving.package import run

    packaged = run(load_params(args.params), args.output)
    print(packaged.bento_tag)  # stdout: for scripts and CI (`bentoml containerize "$tag"`)


def serve(args: argparse.Namespace) -> None:
    from gitml.config.params import load_params
    from gitml.serving.package import run
    from gitml.serving.runtime import check_port_free, serve_bento

    check_port_free(args.host, args.port)  # before packaging, which takes seconds
    serve_bento(run(load_params(args.params), None).bento_tag, args.host, args.port)


def predict(args: argparse.Namespace) -> None:
    from gitml.config.params import load_params
    from gitml.serving.batch import run

    params = load_params(args.params)
    keep = tuple(name.strip() for name in args.keep.split(",") if name.strip())
    run(
        params,
        args.input,
        args.output,
        args.rejects,
        args.chunk_rows,
        params_file=args.params,
        keep=keep,
    )
