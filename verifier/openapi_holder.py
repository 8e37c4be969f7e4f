"""The OpenAPI paths of what the holder's phone asks for: the issuer's claim exchange
(/api/v1/claims…, served on an authority's own servers) and the web wallet's shell, schemas
and key lookup (/wallet/…). Part of the one document verifier.openapi serves.

Data only: the verifier package describes these routes but never imports the issuer or the
wallet (one-way layering); tests/web/test_openapi_routes.py holds the app to this text.
"""

from __future__ import annotations

from typing import Any

from .openapi_parts import errors, json_content, ref

_B64URL = {"type": "string", "pattern": "^[A-Za-z0-9_-]*$", "maxLength": 512}

SCHEMAS: dict[str, Any] = {
    "AuthorityKey": {"type": "object", "required": ["authority", "key", "public_key"],
                     "properties": {
        "authority": {"type": "integer"}, "key": {"type": "integer"},
        "public_key": {"type": "string", "description": "hex of the registered public key"},
        "valid_from": {"type": "integer"}, "valid_until": {"type": "integer"},
        "compromised_at": {"type": "integer"}}},
    "Copy": {"type": "object", "properties": {
        "added_at": {"type": "integer"}, "device_label": {"type": ["string", "null"]},
        "state": {"enum": ["active", "revoked"]}, "this_device": {"type": "boolean"}}},
}


def _file(summary: str, media: str, *, name: str | None = None) -> dict[str, Any]:
    """A GET answering a file (`name`: the path parameter naming it)."""
    operation: dict[str, Any] = {
        "summary": summary,
        "responses": {"200": {"description": "The file", "content": {media: {}}},
                      **errors(404)}}
    if name is not None:
        operation["parameters"] = [{"name": name, "in": "path", "required": True,
                                    "schema": {"type": "string", "minLength": 1}}]
    return {"get": operation}


_REFRESH = {"post": {
    "summary": "The wallet's copy of a licence signed again today, its predicates "
               "(age_over_60, in_operation, ...) computed for today; asked for by the copy's "
               "device key, no claim code. The new copy replaces the old one.",
    "requestBody": {"required": True, **json_content({
        "type": "object", "required": ["device_key", "status_ref", "time", "signature"],
        "properties": {
            "device_key": {"type": "string", "description": "base64url of the 33-byte "
                           "compressed P-256 device key the copy is bound to."},
            "status_ref": {"type": "string", "description": "base64url of the licence's "
                           "16-byte status reference."},
            "time": {"type": "integer", "description": "Unix seconds; within 120 s of the "
                     "server and later than this copy's last accepted refresh request."},
            "signature": {"type": "string", "description": (
                "base64url of the 64-byte ES256 signature (r||s) over "
                "b\"elicence/refresh/v1\\0\" + time (8 bytes, big-endian) + status_ref + "
                "device_key.")}}})},
    "responses": {"200": {"description": "The copy the wallet should hold", **json_content({
        "type": "object", "properties": {
            "licence": {"type": "string", "description": "base64url CBOR of the copy."},
            "authority": {"type": "string"}, "licence_type": {"type": "string"},
            "refreshed": {"type": "boolean", "description": "false: nothing had changed and "
                          "the copy is under a day old; this is the copy already held."},
            "changed": {"type": "array", "items": {"type": "string"},
                        "description": "The predicates whose value the new copy changes."}}})},
        **errors(400, 401, 404, 409, 410, 503)}}}

_EXPORT = {"post": {
    "summary": "The wallet's copy of a licence exported as an SD-JWT VC, a W3C VC (vc+jwt) or "
               "an ISO mdoc (driving licences), signed by the authority's ES256 key and bound "
               "to the copy's device key (cnf / holderKey / DeviceKeyInfo); asked for by that "
               "device key (docs/format.md \"Exports\").",
    "requestBody": {"required": True, **json_content({
        "type": "object", "required": ["format", "device_key", "status_ref", "time",
                                       "signature"],
        "properties": {
            "format": {"enum": ["sd-jwt-vc", "vc-jwt", "mdoc"]},
            "device_key": {"type": "string", "description": "base64url of the 33-byte "
                           "compressed P-256 device key the copy is bound to."},
            "status_ref": {"type": "string", "description": "base64url of the licence's "
                           "16-byte status reference."},
            "time": {"type": "integer", "description": "Unix seconds; within 120 s of the "
                     "server and later than this copy's last accepted refresh or export "
                     "request."},
            "signature": {"type": "string", "description": (
                "base64url of the 64-byte ES256 signature (r||s) over "
                "b\"elicence/export/v1\\0\" + format + b\"\\0\" + time (8 bytes, big-endian) "
                "+ status_ref + device_key.")}}})},
    "responses": {"200": {"description": "The export", **json_content({
        "type": "object", "required": ["format", "export", "media_type", "authority",
                                       "key_id"],
        "properties": {
            "format": {"enum": ["sd-jwt-vc", "vc-jwt", "mdoc"]},
            "export": {"type": "string", "description": "The SD-JWT VC (issuer JWT and every "
                       "disclosure) or the vc+jwt as text; for mdoc, base64url of the CBOR."},
            "media_type": {"type": "string"}, "authority": {"type": "string"},
            "key_id": {"type": "integer", "description": "The signing key's number: the "
                       "JWKS kid of `elicence authority export-trust`."}}})},
        **errors(400, 401, 404, 409, 410, 413, 415, 422, 503)}}}


def paths() -> dict[str, Any]:
    return {
        "/api/v1/claims/challenge": {"post": {
            "summary": "A one-time challenge the wallet signs with its new device key when "
                       "it claims a licence (valid `expires_in` seconds).",
            "responses": {"200": {"description": "The challenge", **json_content({
                "type": "object", "required": ["challenge", "expires_in"], "properties": {
                    "challenge": {"type": "string", "description": "base64url"},
                    "expires_in": {"type": "integer"}}})},
                **errors()}}},
        "/api/v1/claims": {"post": {
            "summary": "Claim a licence into a wallet with its one-time claim code: the "
                       "issuer binds a copy to the device key (proved by signing the "
                       "challenge) and answers the bound copy.",
            "requestBody": {"required": True, **json_content({
                "type": "object", "required": ["code", "device_key", "challenge",
                                               "signature"], "properties": {
                    "code": {"type": "string", "description": "The 16-character claim code "
                             "of the licence letter."},
                    "device_key": {**_B64URL, "description": "base64url of the compressed "
                                   "P-256 device key (33 bytes)."},
                    "challenge": {**_B64URL, "description": "From /api/v1/claims/challenge."},
                    "signature": {**_B64URL, "description": "base64url ES256 (r||s) by the "
                                  "device key over the challenge and the code."},
                    "device_label": {"type": ["string", "null"], "maxLength": 40,
                                     "description": "The wallet's name for the device."}}})},
            "responses": {"200": {"description": "The bound copy", **json_content({
                "type": "object", "required": ["licence"], "properties": {
                    "licence": {"type": "string", "description": "base64url CBOR of the copy "
                                "bound to the device key"},
                    "authority": {"type": "string"}, "licence_type": {"type": "string"},
                    "status": {"type": "string"}}})},
                **errors(400, 401, 404, 409, 410, 413, 415, 503)}}},
        "/api/v1/claims/refresh": _REFRESH,
        "/api/v1/claims/export": _EXPORT,
        "/api/v1/claims/copies": {"post": {
            "summary": "Which devices hold the asking device's licence, and since when "
                       "(signed by a device holding an active copy).",
            "requestBody": {"required": True, **json_content({
                "type": "object", "required": ["device_key", "status_ref", "signature", "time"],
                "properties": {
                    "device_key": _B64URL, "signature": _B64URL,
                    "status_ref": {**_B64URL, "description": "base64url, 16 bytes"},
                    "time": {"type": "integer", "minimum": 0,
                             "description": "Unix seconds; within 120 s of the server."}}})},
            "responses": {"200": {"description": "The licence's copies, oldest first",
                                  **json_content({"type": "object", "properties": {
                                      "count": {"type": "integer"},
                                      "copies": {"type": "array", "items": ref("Copy")}}})},
                          **errors(400, 401, 404, 410, 413, 415)}}},
        "/wallet": {"get": {
            "summary": "Redirects to the wallet at /wallet/.",
            "responses": {"308": {"description": "To /wallet/", "headers": {
                "Location": {"schema": {"type": "string"}}}}, **errors()}}},
        "/wallet/": _file("The wallet's app shell (HTML).", "text/html"),
        "/wallet/sw.js": _file("The wallet's service worker (scope /wallet/).",
                               "text/javascript"),
        "/wallet/manifest.webmanifest": _file("The installable app's manifest.",
                                              "application/manifest+json"),
        "/wallet/static/{filename}": _file("The wallet's scripts, styles and icons.", "*/*",
                                           name="filename"),
        "/wallet/schemas/index.json": {"get": {
            "summary": "The licence types: name, code and title of each.",
            "responses": {"200": {"description": "The types", **json_content({
                "type": "object", "required": ["types"], "properties": {"types": {
                    "type": "array", "items": {"type": "object", "properties": {
                        "name": {"type": "string"}, "code": {"type": "integer"},
                        "title": {"type": "object"}}}}}})}, **errors()}}},
        "/wallet/settings.json": {"get": {
            "summary": "The installation's wallet settings: after how many days a wallet asks "
                       "for its copy of a licence signed again (the installation's default, "
                       "and the range a holder may choose from).",
            "responses": {"200": {"description": "The settings", **json_content({
                "type": "object", "required": ["refresh_after_days"], "properties": {
                    "refresh_after_days": {
                        "type": "object", "required": ["default", "min", "max"],
                        "properties": {name: {"type": "integer", "minimum": 1}
                                       for name in ("default", "min", "max")}}}})},
                **errors()}}},
        "/wallet/schemas/{name}.json": {"get": {
            "summary": "A licence type's schema: claim names, keys, titles, tree, presets.",
            "parameters": [{"name": "name", "in": "path", "required": True,
                            "schema": {"type": "string", "minLength": 1}}],
            "responses": {"200": {"description": "The schema",
                                  **json_content({"type": "object"})},
                          **errors(404)}}},
        "/wallet/api/key": {"get": {
            "summary": "An authority's registered public key, read from the chain (the "
                       "wallet checks its licences offline with it).",
            "parameters": [
                {"name": "authority", "in": "query", "required": True,
                 "schema": {"type": "integer", "minimum": 1, "maximum": 2**32 - 1}},
                {"name": "key", "in": "query", "required": True,
                 "schema": {"type": "integer", "minimum": 1, "maximum": 2**32 - 1}}],
            "responses": {"200": {"description": "The key", **json_content(
                ref("AuthorityKey"))}, **errors(400, 404, 503)}}},
    }
