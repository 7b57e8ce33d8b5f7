"""Stage `validate`: raw data checked against its contract → typed data + validation report."""

from __future__ import annotations

import logging

from gitml import progress
from gitml.config.params import Params
from gitml.contract.schema import validate_frame
from gitml.errors import ContractError
from gitml.io import read_table, write_json, write_parquet

logger = logging.getLogger(__name__)


def run(params: Params) -> None:
    raw = read_table(params.paths.raw)
    wanted = progress.wanted()  # chunks only for a bar: CI validates the frame whole, as before
    with progress.bar(len(raw), "validate: checking") as shown:
        typed, validation = validate_frame(raw, params.data, done=shown.update if wanted else None)
    # the report is written on failure too: it is what the PR report shows
    write_json(params.paths.validation_report, validation.as_report())
    if typed is None:
        raise ContractError(validation.summary(params.data.name))
    typed.index.name = "row_id"
    with progress.bar(len(typed), "validate: writing") as shown:
        write_parquet(params.paths.validated, typed, done=shown.update if wanted else None)
    logger.info(
        "validate: %d rows passed %s → %s", len(typed), params.data.name, params.paths.validated
    )
