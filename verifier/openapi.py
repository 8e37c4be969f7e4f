"""The web app's OpenAPI 3.1 description, served at /api/v1/openapi.json: every route
`elicence serve` answers (the verifier's API and counter page here, the claim exchange and
the wallet in openapi_holder).

Built as data here (not generated from the code), so it is reviewed like the API it
describes; tests/web/test_openapi_routes.py fails when a route of the app is missing or an
error reason of the web edge is not listed, and tests/web/test_openapi_schemathesis.py
holds the live app's answers to it (docs/decisions/0230).
"""

from __future__ import annotations

from typing import Any

from licence.vocabulary import LicenceState, Outcome, Verdict

from . import openapi_holder
from .alerts.detectors import AlertKind
from .openapi_parts import errors as _errors
from .openapi_parts import json_content as _json
from .openapi_parts import ref as _ref

# Every error reason the API can answer (reason codes are API: add, never rename).
ERROR_REASONS = (
    "bad_request", "bad_json", "unsupported_media_type", "too_large", "rate_limited",
    "image_unreadable", "image_too_large", "qr_not_found", "device_key_invalid",
    "request_time_invalid", "signature_invalid", "index_unavailable", "not_found",
    "method_not_allowed", "internal_error", "operator_token_invalid", "counter_token_invalid",
    "request_timeout", "image_type_unsupported", "licence_not_genuine",
    # the claim exchange and the wallet
    "challenge_invalid", "challenge_expired", "claim_code_malformed", "possession_unproven",
    "claim_code_unknown", "claim_code_used", "claim_code_expired", "licence_not_active",
    "copy_revoked", "copy_unknown", "licence_unknown", "issuer_unavailable", "schema_unknown",
    "key_unavailable", "key_unknown", "request_replayed", "export_type_unsupported",
    "export_algorithm_unsupported",
    # answered by the reverse proxy (elicence.nginx): busy, or no replica answering
    "service_unavailable",
)

VERDICTS = tuple(v.value for v in Verdict)


_SIGNED = {
    "device_key": {"type": "string", "description": "base64url of the 33-byte compressed "
                   "P-256 device key the licence copy is bound to."},
    "time": {"type": "integer", "description": "Unix seconds; within 120 s of the server."},
    "signature": {"type": "string", "description": (
        "base64url of the 64-byte ES256 signature (r||s) over b\"elicence/receipts/v1\\0\" "
        "+ word + b\"\\0\" + time (8 bytes, big-endian) + device_key, where word is \"list\" "
        "(query) or \"delete\" (delete).")},
}

_SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["reason", "message", "message_zh"], "properties": {
            "reason": {"type": "string", "enum": list(ERROR_REASONS)},
            "message": {"type": "string"}, "message_zh": {"type": "string"}}}}},
    "Check": {"type": "object", "properties": {
        "name": {"type": "string"}, "result": {"enum": [o.value for o in Outcome]},
        "reason": {"type": "string"}, "message": {"type": "string"},
        "message_zh": {"type": "string"}}},
    "AsOf": {"type": ["object", "null"], "properties": {
        "block": {"type": "integer"}, "time": {"type": "integer"},
        "synced_at": {"type": "integer"}}},
    "Verification": {"type": "object", "required": ["verdict", "reason", "checks"],
                     "properties": {
        "verdict": {"enum": list(VERDICTS)},
        "reason": {"type": ["string", "null"],
                   "description": "Reason code of the check that decided the verdict."},
        "checks": {"type": "array", "items": _ref("Check")},
        "claims": {"type": "object", "description": "Disclosed claims (only when the "
                   "signature verified); dates as ISO 8601."},
        "authority": {"type": ["object", "null"], "properties": {
            "number": {"type": "integer"}, "id": {"type": "string"},
            "name_zh": {"type": "string"}, "name_en": {"type": "string"},
            "jurisdiction": {"type": "string"}}},
        "licence_type": {"type": ["object", "null"], "properties": {
            "code": {"type": "integer"}, "name": {"type": "string"},
            "title_en": {"type": "string"}, "title_zh": {"type": "string"}}},
        "status_as_of": _ref("AsOf"),
        "presentation": {"enum": ["printed", "live", None]},
        "status": {"type": "object", "description": "When revoked, suspended or superseded."},
        "warnings": {"type": "array", "description": "A valid licence's warnings to read out "
                     "(e.g. its authority is suspended and a grace period runs until `until`).",
                     "items": {"type": "object", "properties": {
                         "check": {"type": "string"}, "reason": {"type": "string"},
                         "message": {"type": "string"}, "message_zh": {"type": "string"},
                         "until": {"type": ["integer", "null"]}}}},
        "delegation": {"type": "object", "description": "Only for an agent's accepted live "
                       "code: presented by an authorised agent on behalf of `on_behalf_of` "
                       "(the holder's name, null when not disclosed) until `until_time`.",
                       "properties": {"agent": {"type": "boolean"},
                                      "on_behalf_of": {"type": ["string", "null"]},
                                      "until": {"type": "string"},
                                      "until_time": {"type": "integer"},
                                      "id": {"type": "string", "description": "hex id of "
                                             "the delegation (what a revocation names)"}}},
    }},
    "Status": {"type": "object", "properties": {
        "status": {"enum": [s.value for s in LicenceState]},
        "status_reason": {"type": "string"},
        "until": {"type": ["integer", "null"]},
        "reason": {"type": ["object", "null"], "properties": {
            "code": {"type": "integer"}, "en": {"type": "string"}, "zh": {"type": "string"}}},
        "successor": {"type": ["string", "null"], "description": "hex status reference"},
        "status_as_of": _ref("AsOf")}},
    "Change": {"type": "object", "properties": {
        "event": {"type": "string", "description": "revoked, suspended, reinstated, "
                  "superseded or batch_withdrawn"},
        "time": {"type": "integer"}, "block": {"type": "integer"},
        "reason_class": {"type": "string", "description": "The public class only."},
        "reason_en": {"type": "string"}, "reason_zh": {"type": "string"},
        "by": {"enum": ["authority", "council"]},
        "until": {"type": "integer", "description": "Suspensions: until when."},
        "successor": {"type": "string", "description": "Supersessions: the replacing "
                      "licence's status reference (hex)."}}},
    "Anchoring": {"type": ["object", "null"], "properties": {
        "batch": {"type": "string", "description": "hex batch root"},
        "block": {"type": "integer"}, "time": {"type": "integer"},
        "region": {"type": "string"}, "tx": {"type": "string"}}},
    "History": {"type": "object", "properties": {
        "authority": {"type": ["object", "null"]},
        "status_ref": {"type": "string"},
        "anchored": _ref("Anchoring"),
        "changes": {"type": "array", "items": _ref("Change")},
        "replaced": {"type": "array", "description": "The licences this one replaced, "
                     "nearest first", "items": {"type": "object", "properties": {
                         "status_ref": {"type": "string"},
                         "changes": {"type": "array", "items": _ref("Change")}}}},
        "superseded_by": {"type": "array", "description": "The licences that replaced it, "
                          "in order", "items": {"type": "object"}},
        "copy": {"type": "object", "description": "A phone copy (live code): its own "
                 "status reference, when it was added, and its changes.", "properties": {
                     "status_ref": {"type": "string"}, "added": _ref("Anchoring"),
                     "changes": {"type": "array", "items": _ref("Change")}}},
        "presentation": {"enum": ["printed", "live"]},
        "as_of": _ref("AsOf")}},
    "Receipt": {"type": "object", "properties": {
        "id": {"type": "string"}, "time": {"type": "integer"},
        "counter_id": {"type": "string", "description": "The counter that verified: the "
                       "one its counter token proved, else the installation's own; its "
                       "names below (config.json counters, decision 0288)."},
        "counter_name_zh": {"type": "string"},
        "counter_name_en": {"type": "string"}, "licence_type": {"type": ["string", "null"]},
        "authority": {"type": ["string", "null"]},
        "disclosed": {"type": "array", "items": {"type": "string"},
                      "description": "Names of the disclosed claims (never values)."},
        "verdict": {"enum": list(VERDICTS)}}},
    "Alert": {"type": "object", "required": ["id", "time", "kind", "subject", "evidence"],
              "properties": {
        "id": {"type": "string"}, "time": {"type": "integer"},
        "kind": {"enum": [k.value for k in AlertKind]},
        "subject": {"type": "string", "description": "What the alert is about: a salted "
                    "licence reference, client:<salted address>, counter:<id> or an "
                    "authority number."},
        "evidence": {"type": "object", "description": "Counts, counters, times and salted "
                     "references (no personal data); docs/deployment.md \"Alerts\"."},
        "delivered": {"type": "boolean", "description": "Posted to the webhook."}}},
    "Health": {"type": "object", "properties": {
        "status": {"enum": ["ok", "stale"]}, "chain_reachable": {"type": "boolean"},
        "reason": {"type": ["string", "null"],
                   "description": "Why verdicts would be unknown (docs/verifying.md)."},
        "last_sync": {"type": ["integer", "null"]},
        "last_attempt": {"type": ["integer", "null"]},
        "sync_error": {"type": ["string", "null"]},
        "witnesses_unreachable": {"type": "integer"},
        "index": {"type": ["object", "null"], "properties": {
            "block": {"type": "integer"}, "block_hash": {"type": "string"},
            "block_time": {"type": "integer"}, "head_age": {"type": "integer"},
            "synced_at": {"type": "integer"}, "lag_blocks": {"type": ["integer", "null"]},
            "lag_seconds": {"type": "integer"}, "checked_at": {"type": ["integer", "null"]},
            "checked_block": {"type": ["integer", "null"]},
            "problem": {"type": ["string", "null"]}}},
        "max_staleness": {"type": "integer"}, "max_head_age": {"type": "integer"}}},
}


def _static(summary: str) -> dict[str, Any]:
    return {"get": {"summary": summary, "parameters": [
        {"name": "filename", "in": "path", "required": True,
         "schema": {"type": "string", "minLength": 1}}],
        "responses": {"200": {"description": "The file", "content": {"*/*": {}}},
                      **_errors(404)}}}


# The counter token's part in the policy (docs/decisions/0285-per-counter-policies.md).
_COUNTER_POLICY = (
    "A request carrying a counter token (`Authorization: Counter <id>.<mac>`, from "
    "`elicence counter-token ID`) is judged under that counter's policy when config.json "
    "`counter_policies` has one, else under the installation's; a token that does not check "
    "is answered 401 (reason counter_token_invalid).")


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "elicence", "version": "1.0.0", "description": (
            "Verify electronic licences against the local status index (no verification "
            "makes a call to the chain node); claim licences into the web wallet and serve "
            "it. Every error answers {\"error\": {reason, message, message_zh}}.")},
        "paths": {
            "/api/v1/verify": {"post": {
                "summary": "Verify a scanned licence QR code (text or photo).",
                "description": _COUNTER_POLICY,
                "requestBody": {"required": True, "content": {
                    "application/json": {"schema": {"type": "object", "required": ["qr"],
                                                    "properties": {
                        "qr": {"type": "string", "description": "ELC1:/ELP1: text."},
                        "challenge": {"type": "string",
                                      "description": "base64url challenge a live code "
                                      "must answer (optional)."}}}},
                    "multipart/form-data": {"schema": {"type": "object", "properties": {
                        "image": {"type": "string", "format": "binary",
                                  "description": "PNG/JPEG photo, ≤ 8 MiB, ≤ 40 MP."},
                        "qr": {"type": "string"}}}}}},
                "responses": {"200": {"description": "The verification result (any verdict)",
                                      **_json(_ref("Verification"))},
                              **_errors(400, 413, 415, 500, 503)}}},
            "/api/v1/history": {"post": {
                "summary": "A licence's life from the chain: anchoring, status changes with "
                           "their public reason class, replacements both ways, and a phone "
                           "copy's addition. The QR code is the key: no lookup by number.",
                "requestBody": {"required": True, **_json({
                    "type": "object", "required": ["qr"], "properties": {
                        "qr": {"type": "string", "description": "ELC1:/ELP1: text."}}})},
                "responses": {"200": {"description": "The history", **_json(_ref("History"))},
                              **_errors(400, 413, 415, 422, 500)}}},
            "/api/v1/challenge": {"get": {
                "summary": "This counter's current challenge, for the wallet to sign into "
                           "its live code (shown on the counter page).",
                "description": "`policy` is the challenge setting of the counter whose token "
                               "came with the request, else the installation's. "
                               + _COUNTER_POLICY,
                "responses": {"200": {"description": "The challenge", **_json({
                    "type": "object", "properties": {
                        "challenge": {"type": "string", "description": "base64url, 4 bytes"},
                        "text": {"type": "string", "pattern": "^[0-9A-Z]{6}$"},
                        "qr": {"type": "string", "description": "data: URL of an SVG QR"},
                        "refresh_at": {"type": "integer"}, "expires_at": {"type": "integer"},
                        "policy": {"enum": ["required", "preferred", "off"]}}})},
                              **_errors()}}},
            "/api/v1/counter": {"get": {
                "summary": "Which counter is asking: its names and region, for the counter "
                           "page's heading (decision 0291).",
                "description": "With a counter token, that counter as config.json `counters` "
                               "describes it (`configured`: it has an entry there; names it "
                               "leaves out are the installation's); without, the "
                               "installation's own counter. A token that does not check is "
                               "answered 401 (reason counter_token_invalid).",
                "responses": {"200": {"description": "The counter", **_json({
                    "type": "object",
                    "required": ["counter_id", "name_zh", "name_en", "region", "configured"],
                    "properties": {
                        "counter_id": {"type": "string"},
                        "name_zh": {"type": "string"}, "name_en": {"type": "string"},
                        "region": {"type": ["string", "null"],
                                   "description": "Region code of 2, 4 or 6 digits."},
                        "configured": {"type": "boolean"}}})},
                              **_errors(401)}}},
            "/api/v1/status": {"get": {
                "summary": "A licence's status from the index (for a wallet's card).",
                "parameters": [
                    {"name": "authority", "in": "query", "required": True,
                     "schema": {"type": "integer", "minimum": 1}},
                    {"name": "ref", "in": "query", "required": True,
                     "schema": {"type": "string", "pattern": "^[0-9a-fA-F]{32}$"}}],
                "responses": {"200": {"description": "Status", **_json(_ref("Status"))},
                              **_errors(400, 503)}}},
            "/api/v1/receipts/query": {"post": {
                "summary": "The device's usage records at this counter, newest first.",
                "requestBody": {"required": True, **_json({
                    "type": "object", "required": list(_SIGNED), "properties": _SIGNED})},
                "responses": {"200": {"description": "Receipts", **_json({
                    "type": "object", "properties": {"receipts": {
                        "type": "array", "items": _ref("Receipt")}}})},
                    **_errors(400, 401, 413, 415)}}},
            "/api/v1/receipts/delete": {"post": {
                "summary": "Delete the device's usage records (ids; empty list: all).",
                "requestBody": {"required": True, **_json({
                    "type": "object", "required": list(_SIGNED), "properties": {
                        **_SIGNED, "ids": {"type": "array", "maxItems": 1000, "items": {
                            "type": "string", "maxLength": 64}}}})},
                "responses": {"200": {"description": "How many were deleted", **_json({
                    "type": "object", "properties": {"deleted": {"type": "integer"}}})},
                    **_errors(400, 401, 413, 415)}}},
            "/api/v1/delegations/revoke": {"post": {
                "summary": "The holder ends a delegation before its date: the delegation as "
                           "the wallet stored it and the holder device's signature over its "
                           "revocation message (docs/wallet.md).",
                "requestBody": {"required": True, **_json({
                    "type": "object", "required": ["delegation", "signature"], "properties": {
                        "delegation": {"type": "string",
                                       "description": "base64url of cbor([body, signature])"},
                        "signature": {"type": "string", "description": "base64url r||s"}}})},
                "responses": {"200": {"description": "Revoked at every replica", **_json({
                    "type": "object", "properties": {
                        "revoked": {"type": "boolean"}, "id": {"type": "string"},
                        "until": {"type": "integer"}}})},
                    **_errors(400, 401, 413, 415)}}},
            "/api/v1/alerts": {"get": {
                "summary": "The installation's alerts (cloned licences, replayed live codes, "
                           "bursts of failures, status enumeration, an authority's key "
                           "trouble), oldest first; for operators.",
                "security": [{"operatorToken": []}],
                "parameters": [
                    {"name": "since", "in": "query", "required": False,
                     "schema": {"type": "integer", "minimum": 0},
                     "description": "Unix seconds; alerts raised at or after."},
                    {"name": "limit", "in": "query", "required": False,
                     "schema": {"type": "integer", "minimum": 1, "maximum": 1000}}],
                "responses": {"200": {"description": "Alerts", **_json({
                    "type": "object", "properties": {"alerts": {
                        "type": "array", "items": _ref("Alert")}}})},
                    "401": {"description": "Without the operator token "
                            "(reason operator_token_invalid)", **_json(_ref("Error"))},
                    **_errors(400)}}},
            "/api/v1/schemas": {"get": {
                "summary": "Licence types with the bilingual titles of their claims.",
                "responses": {"200": {"description": "Schemas", **_json({"type": "object"})},
                              **_errors()}}},
            "/api/v1/openapi.json": {"get": {
                "summary": "This document.",
                "responses": {"200": {"description": "OpenAPI 3.1", **_json(
                    {"type": "object"})}, **_errors()}}},
            "/healthz": {"get": {
                "summary": "Index lag, chain reachability and last sync.",
                "responses": {"200": {"description": "The index is fresh",
                                      **_json(_ref("Health"))},
                              "503": {"description": "The index is not provably fresh "
                                      "(verdicts would be unknown; `reason` says why)",
                                      **_json(_ref("Health"))}, **_errors()}}},
            "/verify": {"get": {
                "summary": "The counter page (HTML): camera scanning, paste and photo upload.",
                "responses": {"200": {"description": "HTML page",
                                      "content": {"text/html": {}}}, **_errors()}}},
            "/static/counter/{filename}": _static("The counter page's script and styles."),
            "/static/vendor/{filename}": _static("The counter page's QR reader (jsQR)."),
            "/static/voice/{filename}": _static("A spoken verdict or key word (espeak-ng clip) for "
                                                "browsers without a voice in the page's language."),
            **openapi_holder.paths(),
        },
        "components": {
            "schemas": {**_SCHEMAS, **openapi_holder.SCHEMAS},
            "securitySchemes": {"operatorToken": {
                "type": "http", "scheme": "bearer",
                "description": "The installation's ELICENCE_OPERATOR_TOKEN."}}},
    }
