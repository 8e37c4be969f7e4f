"""Errors of the wallet's server side (reason codes are API: add, never reuse or rename)."""

from __future__ import annotations

from licence.errors import ElicenceError


class WalletError(ElicenceError):
    reason = "bad_request"
