"""POST /api/v1/verify: the request every scan at every counter makes.

A JSON body is answered by `JsonVerifyEndpoint` in front of Flask (without Flask's
contexts, routing and response objects the server spends about half the CPU on it:
docs/decisions/0070-lean-verify-endpoint.md); it keeps the API's contract, with the same
body limits, error answers (the app's `render_error`) and headers. Image uploads
(multipart) go through the Flask route below.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any

import orjson
from flask import jsonify, request

from licence import LicenceError, Presentation, decode_unverified
from licence.vocabulary import Verdict

from ..errors import RequestError
from ..qr_image import read_qr_image
from ..replay import code_digest
from ..result import PASS, Verification, to_json
from .blueprint import API_HEADERS, bp, service
from .bodies import b64_field, parse_json_body, qr_text
from .requester import counter, requester
from .service import VerifierService

VERIFY_PATH = "/api/v1/verify"

# (status, document, headers) for any exception: the app's one way of answering errors.
ErrorRenderer = Callable[[BaseException], tuple[int, dict[str, Any], list[tuple[str, str]]]]


def verification_document(verifier: VerifierService, body: Mapping[str, Any],
                          client: str | None = None, counter: str | None = None
                          ) -> dict[str, Any]:
    """The answer to {"qr": text[, "challenge": b64url]}."""
    text = qr_text(body.get("qr"))
    challenge = b64_field(body, "challenge") if "challenge" in body else None
    return _verify_text(verifier, text, challenge, client, counter)


def _verify_text(verifier: VerifierService, text: str, challenge: bytes | None,
                 client: str | None, counter: str | None) -> dict[str, Any]:
    """`counter`: the counter a valid counter token proved, whose policy applies."""
    text = text.strip()
    verification = verifier.verify(text, challenge, client, counter)
    if verification.verdict != Verdict.UNREADABLE and text.startswith("ELP1:"):
        _record_receipt(verifier, text, verification, counter)
    return to_json(verification)


@bp.post(VERIFY_PATH)
def verify():
    # JSON bodies never reach Flask: JsonVerifyEndpoint answers them.
    if request.mimetype != "multipart/form-data":
        raise RequestError("Send a JSON object (application/json) or an image upload "
                           "(multipart/form-data).", reason="unsupported_media_type")
    return jsonify(_verify_text(service(), _text_from_upload(), None,
                                 requester(request.environ), counter(request.environ)))


def _text_from_upload() -> str:
    if "qr" in request.form:  # the text instead of a photo: refused as in JSON when blank
        return qr_text(request.form["qr"])
    image = request.files.get("image")
    if image is None:
        raise RequestError("Upload the photo in the field image (or send the text in the "
                           "field qr).", field="image")
    return read_qr_image(image.read())


class JsonVerifyEndpoint:
    """WSGI middleware answering POST /api/v1/verify with a JSON body before Flask."""

    def __init__(self, app: Callable[..., Any], verifier: VerifierService,
                 render_error: ErrorRenderer) -> None:
        self.app = app
        self.verifier = verifier
        self.render_error = render_error

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO") != VERIFY_PATH or environ.get("REQUEST_METHOD") != "POST" \
                or environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower() \
                != "application/json":
            return self.app(environ, start_response)
        status, extra_headers = 200, []
        try:
            length = environ.get("CONTENT_LENGTH", "")
            length = int(length) if length.isdigit() else None
            if length is None and not environ.get("wsgi.input_terminated"):
                length = 0  # no length and a server that does not end the stream: no body
            stream = environ["wsgi.input"]
            body = parse_json_body("application/json", length, lambda most: stream.read(
                length if length is not None else most))
            document = verification_document(self.verifier, body, requester(environ),
                                             counter(environ))
        except Exception as exc:  # every error answered as the app answers it
            status, document, extra_headers = self.render_error(exc)
        # The bytes Flask's jsonify writes (sorted keys, compact, UTF-8), at a tenth of the
        # standard library encoder's cost: the answer is about 3 KB (docs/decisions/0155).
        payload = orjson.dumps(document, option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE)
        start_response(f"{status} {HTTPStatus(status).phrase}", [
            ("Content-Type", "application/json"), ("Content-Length", str(len(payload))),
            *API_HEADERS, *extra_headers])
        return [payload]


def _record_receipt(verifier: VerifierService, text: str, v: Verification,
                    counter: str | None) -> None:
    """A receipt only for a code its device signed: a device key is public (every live code
    carries it), so a code whose device signature did not verify must leave nothing. It
    names the counter that asked (`counter`: a valid token's id; None: the installation's)."""
    if not any(c.name == "device_binding" and c.result == PASS for c in v.checks):
        return
    try:
        shown = decode_unverified(text)
    except LicenceError:
        return
    if not isinstance(shown, Presentation):
        return
    verifier.receipts.add(
        shown.device_key, code_digest(shown.body), time=verifier.now(),
        counter=verifier.counters.of(counter).counter,
        licence_type=None if v.licence_type is None else v.licence_type["name"],
        authority=None if v.authority is None else v.authority["id"],
        disclosed=sorted(v.claims or shown.licence.claims), verdict=v.verdict)
