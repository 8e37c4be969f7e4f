"""The pieces every path of the OpenAPI document is built from: references, JSON bodies and
the error answers, all in the shared error document (components/schemas/Error)."""

from __future__ import annotations

from typing import Any

ERROR_WORDS = {
    400: "Malformed request", 401: "Not authenticated (see the reason)",
    404: "Nothing found (see the reason)", 408: "The request body came too slowly",
    409: "The licence is not in a state that allows this",
    410: "Used, expired or withdrawn (see the reason)", 413: "Request too large",
    415: "Unsupported content type",
    422: "Not a genuine licence found on the chain (reason licence_not_genuine), or a "
         "licence that cannot go into the asked export format (export_type_unsupported, "
         "export_algorithm_unsupported)",
    429: "Rate limit exceeded (see Retry-After)",
    500: "A fault of the service (reason internal_error)",
    503: "Not available right now (the status index, the chain node or the issuer)",
}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def json_content(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def errors(*codes: int) -> dict[str, Any]:
    """The error answers of an operation: each listed status, 429 (every request spends a
    budget first) and, for any other error status, `default`; all as the Error document."""
    out: dict[str, Any] = {str(code): {"description": ERROR_WORDS[code],
                                       **json_content(ref("Error"))} for code in codes}
    out["429"] = {"description": ERROR_WORDS[429],
                  "headers": {"Retry-After": {"schema": {"type": "integer"},
                                              "description": "Seconds to wait."}},
                  **json_content(ref("Error"))}
    out["default"] = {"description": "Any other error (e.g. 405, 408, 413, or 500 for a "
                      "fault of the service, reason internal_error)",
                      **json_content(ref("Error"))}
    return out
