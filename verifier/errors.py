"""Errors of the verifying side, under one root. Reason codes are API (add, never reuse or
rename one); the web edge maps each to an HTTP status and its Chinese sentence."""

from __future__ import annotations

from licence.errors import ElicenceError


class VerifierError(ElicenceError):
    reason = "verifier_error"


class RequestError(VerifierError):
    """A request the API refuses (malformed, too large, of the wrong kind...)."""

    reason = "bad_request"


class RateLimited(RequestError):
    """The client's request budget is spent; `retry_after` (seconds) says for how long."""

    reason = "rate_limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__("Too many requests from this address: wait a moment and try again.",
                         retry_after=retry_after)


class ImageError(RequestError):
    """An uploaded or named image cannot be read or holds no QR code."""

    reason = "image_unreadable"


class ReceiptAuthError(RequestError):
    """A receipts request is not signed by the device it names."""

    reason = "signature_invalid"


class IndexUnavailable(VerifierError):
    reason = "index_unavailable"


class OperatorAuthError(RequestError):
    """An operator's request (GET /api/v1/alerts) without the installation's operator
    token."""

    reason = "operator_token_invalid"
