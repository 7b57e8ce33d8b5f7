"""The traffic log's format, shared by its writer (the service) and its reader (`gitml monitor`).

One JSON object per line. A scored record:
`{"time": ..., "request_id": ..., "model": ..., "status": 200, "index": 0,
  "record": {<column>: <value>, ...}, "prediction": ..., "probabilities": {...} | null}`;
a refused request (any status but 200), once per request:
`{"time": ..., "request_id": ..., "model": ..., "status": 400, "records": 3, "error": "..."}`.
`time` is ISO 8601 in UTC with milliseconds; `records` is null when the body was not JSON.
"""

from __future__ import annotations

FILE_PREFIX = "traffic-"
FILE_SUFFIX = ".jsonl"
FILE_GLOB = f"{FILE_PREFIX}*{FILE_SUFFIX}"
SCORED = 200  # the status of a request whose records were scored
