"""The OpenAPI document describes the whole app `elicence serve` runs: every route of its
URL map with exactly its methods (a new route fails here until it is described), nothing
that is not served, every error answer as the shared Error document, and every reason the
web edge can answer."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from flask import Flask

from elicence.web_errors import STATUS
from tests.support.serving import claims_app
from verifier.openapi import ERROR_REASONS, document

# Methods Flask answers on every route by itself (HEAD as GET, OPTIONS with Allow).
IMPLIED = {"head", "options"}


def openapi_path(rule: str) -> str:
    """Werkzeug's /wallet/schemas/<name>.json as OpenAPI's /wallet/schemas/{name}.json."""
    return re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule)


@pytest.fixture(scope="module")
def serve_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The app as `elicence serve` builds it, claim exchange included."""
    with claims_app(tmp_path_factory.mktemp("serve-home")) as app:
        yield app


def routes(app: Flask) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        methods = {m.lower() for m in rule.methods or ()} - IMPLIED
        out.setdefault(openapi_path(rule.rule), set()).update(methods)
    return out


def test_openapi_path_conversion() -> None:
    assert openapi_path("/static/vendor/<path:filename>") == "/static/vendor/{filename}"
    assert openapi_path("/wallet/schemas/<name>.json") == "/wallet/schemas/{name}.json"
    assert openapi_path("/api/v1/claims") == "/api/v1/claims"


def test_every_route_of_the_app_is_described(serve_app: Flask) -> None:
    described = {path: set(item) for path, item in document()["paths"].items()}
    served = routes(serve_app)
    missing = sorted(set(served) - set(described))
    assert not missing, f"routes without a description in verifier/openapi.py: {missing}"
    stale = sorted(set(described) - set(served))
    assert not stale, f"described but not served: {stale}"
    for path, methods in served.items():
        assert described[path] == methods, path


def test_the_served_document_is_the_description(serve_app: Flask) -> None:
    served = serve_app.test_client().get("/api/v1/openapi.json")
    assert served.status_code == 200
    assert served.get_json() == json.loads(json.dumps(document()))
    assert served.get_json()["openapi"] == "3.1.0"


def test_every_error_answer_is_the_error_document() -> None:
    error = {"$ref": "#/components/schemas/Error"}
    for path, item in document()["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            assert "default" in responses, (path, method)
            for status, response in responses.items():
                if (path, status) == ("/healthz", "503"):
                    continue  # not an error: the health document, saying "stale"
                if status == "default" or int(status) >= 400:
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == error, (path, method, status)


def test_every_reason_of_the_web_edge_is_listed() -> None:
    listed = document()["components"]["schemas"]["Error"]["properties"]["error"]
    assert set(listed["properties"]["reason"]["enum"]) == set(ERROR_REASONS)
    assert set(STATUS) <= set(ERROR_REASONS), sorted(set(STATUS) - set(ERROR_REASONS))
    assert len(ERROR_REASONS) == len(set(ERROR_REASONS))
