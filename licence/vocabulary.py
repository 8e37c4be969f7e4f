"""The words every part of elicence uses for a licence's status, a verification's verdict
and a check's result: one definition each, shared by Python and (through the API) JS.

All values are API: the integer status codes are written on chain for good and the
strings appear in JSON documents, logs and the store. Add members, never renumber,
rename or reuse one.
"""

from __future__ import annotations

from enum import IntEnum, IntFlag, StrEnum


class StatusCode(IntEnum):
    """The `status` of the registry's StatusChanged event."""

    REVOKED = 1  # final: indexers ignore later changes
    SUSPENDED = 2  # until a time in the future
    REINSTATED = 3  # active again after a suspension
    SUPERSEDED = 4  # replaced or renewed by a successor licence
    BATCH_WITHDRAWN = 5  # council only: the refs are batch roots; final for the whole batch


class ReasonClass(IntEnum):
    """The public `reasonClass` of a StatusChanged event. Only these coarse classes go on
    the shared chain; precise reasons (court order, medical, fraud…) stay in the issuer's
    store (licence.status_reasons maps each onto its class)."""

    OTHER = 0
    LOST_OR_STOLEN = 1
    REPLACED = 2
    SURRENDERED = 3
    WITHDRAWN = 4  # by the issuing authority
    COUNCIL_WITHDRAWN = 5  # by the council; the registry refuses it from authorities


class Role(IntFlag):
    """What an authority's account may do on the registry (a bitmask; one account may
    hold several). The claim server holds only ANCHOR."""

    ANCHOR = 1  # anchor batches
    STATUS = 2  # revoke, suspend, reinstate, supersede licences
    KEYS = 4  # add keys, shorten a key's validity, mark a key compromised from now on


class LicenceState(StrEnum):
    """What a licence's status amounts to at a moment (see `chain.status.licence_state`)."""

    ACTIVE = "active"
    REVOKED = "revoked"
    SUSPENDED = "suspended"
    SUPERSEDED = "superseded"
    UNKNOWN = "unknown"  # the status cannot be established fresh enough: fail closed


class Verdict(StrEnum):
    """The answer of one verification, as counters show it."""

    VALID = "valid"
    REVOKED = "revoked"
    SUSPENDED = "suspended"
    EXPIRED = "expired"
    INVALID = "invalid"
    UNKNOWN = "unknown"
    UNREADABLE = "unreadable"
    # Genuine and current, but outside this counter's policy (verifier.counter_policy).
    NOT_ACCEPTED = "not_accepted"


class Outcome(StrEnum):
    """The result of one verification check."""

    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"
    SKIPPED = "skipped"
