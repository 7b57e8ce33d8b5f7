"""The service's OpenAPI document (`/docs.json`): BentoML's, made true to the API as served.

BentoML 1.4 documents a 400's `detail` as a string where it sends pydantic's list of
problems, leaves a request body open to other top-level keys (the guard refuses them), leaves
out the answers that come from before its handler (the request guard's 408, 413 and 415, the
connection's 431), from its own traffic control (503, 504), and every route of a mounted app
(`GET /info`, `GET /card`). schemathesis checks the served document against the server.
"""

from __future__ import annotations

import copy
from typing import Any

from gitml.serving.spec import ServingInfo

REF = "#/components/schemas/{model}"
PROBLEM = {
    "title": "Problem",
    "type": "object",
    "description": "one problem, as pydantic reports it: where (`loc`), what (`msg`), its type",
    "properties": {
        "type": {"type": "string"},
        "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
        "msg": {"type": "string"},
        "url": {"type": "string"},
    },
    "required": ["type", "loc", "msg"],
}
ERROR = {
    "title": "Error",
    "type": "object",
    "properties": {"error": {"type": "string", "description": "what failed and how to fix it"}},
    "required": ["error"],
}
# answers every API operation may give besides BentoML's 200, 400, 404 and 500
REFUSALS = {
    "408": "Request head or body not received within serve.header_timeout_s / read_timeout_s",
    "413": "Request body over serve.max_request_kb",
    "415": "Not `Content-Type: application/json`, or a Content-Encoding other than identity",
    "431": "Request line and headers over serve.max_header_kb",
    "503": "Shed: the batch queue would not be served within serve.max_latency_ms",
    "504": "Not answered within the service's request timeout",
}


def api_document(bentoml_document: dict[str, Any]) -> dict[str, Any]:
    """BentoML's document with closed bodies, the 400 as sent, every refusal, /info and /card."""
    document = copy.deepcopy(bentoml_document)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"], schemas["Error"] = PROBLEM, ERROR
    # BentoML names its 400 body InvalidArgument; `detail` is the list pydantic reports
    schemas["InvalidArgument"] = {
        **schemas.get("InvalidArgument", {}),
        "properties": {
            "error": {"type": "string", "description": "how many problems, and the first"},
            "detail": {"type": "array", "items": {"$ref": REF.format(model="Problem")}},
        },
        "required": ["error"],
    }
    error = {"application/json": {"schema": {"$ref": REF.format(model="Error")}}}
    for path in document.get("paths", {}).values():
        for operation in path.values():
            if "requestBody" in operation:  # an API operation, not a probe
                _close_body(operation, schemas)
                operation["responses"] |= {
                    status: {"description": description, "content": error}
                    for status, description in REFUSALS.items()
                }
    info = ServingInfo.model_json_schema(ref_template=REF)
    schemas[info["title"]] = info
    json_info = {"application/json": {"schema": {"$ref": REF.format(model=info["title"])}}}
    document["paths"]["/info"] = _get(
        "gitml__info", ServingInfo.__doc__, {"200": _answer("Successful Response", json_info)}
    )
    markdown = {"text/markdown": {"schema": {"type": "string"}}}
    plain = {"text/plain": {"schema": {"type": "string"}}}
    document["paths"]["/card"] = _get(
        "gitml__card",
        "The model card of the served model, in Markdown, as `gitml package` wrote it.",
        {
            "200": _answer("The model card", markdown),
            "404": _answer("This Bento was packaged without a model card", plain),
        },
    )
    return document


def _close_body(operation: dict[str, Any], schemas: dict[str, Any]) -> None:
    """Say a body is required and has no top-level keys but the API's parameters.

    BentoML leaves both open; the guard refuses a missing body (415: no Content-Type) and
    other keys (400).

    BentoML inlines the body's schema in the operation and keeps a copy in components
    (`<api name>__Input`); both are closed.
    """
    operation["requestBody"]["required"] = True
    inputs = [media.get("schema", {}) for media in operation["requestBody"]["content"].values()]
    inputs.append(schemas.get(f"{operation.get('x-bentoml-name')}__Input", {}))
    for schema in inputs:
        if schema.get("type") == "object":
            schema["additionalProperties"] = False


def _get(operation_id: str, description: str | None, responses: dict[str, Any]) -> dict[str, Any]:
    return {
        "get": {
            "tags": ["Infrastructure"],
            "description": description,
            "operationId": operation_id,
            "responses": responses,
        }
    }


def _answer(description: str, content: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": content}
