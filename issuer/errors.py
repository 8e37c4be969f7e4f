"""Errors of the issuing side, under one root. Each carries a stable reason code (API: add
codes, never reuse or rename one) and one sentence saying what to do; the command line and
the claim API turn them into an exit status or an HTTP answer at their edge."""

from __future__ import annotations

from licence.errors import ElicenceError


class IssuerError(ElicenceError):
    reason = "issuer_error"


class InputError(IssuerError):
    """The input file as a whole cannot be read (not one bad row: see RowProblem)."""

    reason = "input_unreadable"


class AuthorityError(IssuerError):
    """The authority cannot act now (unknown, suspended, not accredited, no usable key)."""

    reason = "authority_unavailable"


class ClaimCodeError(IssuerError):
    reason = "claim_code_malformed"


class ClaimError(IssuerError):
    """A wallet's claim is refused; the reason says why (claim_code_used, ...)."""

    reason = "claim_refused"


class PurgeError(IssuerError):
    reason = "purge_refused"


class RenderError(IssuerError):
    """A letter or QR image cannot be rendered."""

    reason = "render_error"


class OperatorError(IssuerError):
    """The person running a command is unknown, disabled, not logged in, or lacks the role
    (operator_required, operator_unknown, operator_disabled, login_failed, role_missing)."""

    reason = "operator_refused"


class RequestError(IssuerError):
    """A four-eyes request cannot be approved, rejected or run as asked."""

    reason = "request_refused"
