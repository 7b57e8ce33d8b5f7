"""The served OpenAPI document: BentoML's, made to say what the API does."""

from __future__ import annotations

from typing import Any

from gitml.serving.openapi import api_document


def _bentoml_like() -> dict[str, Any]:
    body = {"type": "object", "title": "Input", "properties": {"records": {"type": "array"}}}
    return {
        "paths": {
            "/predict": {
                "post": {
                    "x-bentoml-name": "predict",
                    "requestBody": {"content": {"application/json": {"schema": dict(body)}}},
                    "responses": {"200": {"description": "ok"}},
                }
            },
            "/livez": {"get": {"responses": {"200": {"description": "ok"}}}},
        },
        "components": {"schemas": {"predict__Input": dict(body), "InvalidArgument": {}}},
    }


def test_the_request_body_is_required_and_has_no_other_top_level_key() -> None:
    document = api_document(_bentoml_like())
    request = document["paths"]["/predict"]["post"]["requestBody"]
    assert request["required"] is True
    assert request["content"]["application/json"]["schema"]["additionalProperties"] is False
    assert document["components"]["schemas"]["predict__Input"]["additionalProperties"] is False


def test_refusals_info_and_card_are_documented_and_the_input_is_unchanged() -> None:
    given = _bentoml_like()
    document = api_document(given)
    responses = document["paths"]["/predict"]["post"]["responses"]
    assert {"408", "413", "415", "431", "503", "504"} <= set(responses)
    assert "408" not in document["paths"]["/livez"]["get"]["responses"]  # a probe
    assert "200" in document["paths"]["/info"]["get"]["responses"]
    card = document["paths"]["/card"]["get"]["responses"]
    assert set(card["200"]["content"]) == {"text/markdown"}
    assert set(card["404"]["content"]) == {"text/plain"}
    assert given == _bentoml_like()
