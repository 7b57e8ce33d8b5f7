"""The comparison server for bench/serving.py: what a user would write with FastAPI alone.

Same model file, request body (`{"records": [...]}`), record model (generated from the
contract) and response as the Bento, served by one uvicorn worker with no batching. The
endpoint is `async`, so model calls run one at a time on the event loop: with a plain `def`,
40 threads share the GIL and throughput at concurrency 32 falls to a fifth (measured here).
Run from a project directory: `python bench/fastapi_app.py --port 8000`.
"""

from __future__ import annotations

import argparse
import os
from typing import Annotated

os.environ.setdefault("OMP_NUM_THREADS", "1")  # as in the Bento: one thread per small call

import uvicorn
from fastapi import Body, FastAPI

from gitml.config.params import load_params
from gitml.contract.records import Prediction, record_model
from gitml.io import read_json
from gitml.ml.model import load_model
from gitml.serving.runtime import score

params = load_params("params.yaml")
pipeline = load_model(params.paths.model)
classes = read_json(params.paths.model_meta)["classes"]
Record = record_model(params.data)
app = FastAPI()


@app.post("/predict")
async def predict(records: Annotated[list[Record], Body(embed=True)]) -> list[Prediction]:  # type: ignore[valid-type]
    return score(pipeline, records, params.data, classes)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    uvicorn.run(app, host="127.0.0.1", port=parser.parse_args().port, log_level="warning")
