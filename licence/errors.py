"""Typed errors of the licence format.

Every malformed or unacceptable input raises exactly one ``LicenceError`` subclass. The
root of every elicence error, ``ElicenceError``, lives here because every package depends
on this one. Messages are English; each surface (the verification result, the web API,
the wallet) keeps its own catalogue of Chinese sentences by reason code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class ElicenceError(Exception):
    """Base of every error elicence raises on purpose, in every package.

    ``reason`` is a stable snake_case code for programs (API: add codes, never reuse or
    rename one); ``message`` one English sentence saying what is wrong and what to do;
    ``context`` the values involved. Packages subclass it; the command line and the web
    edge each turn it into their own answer (exit status, HTTP status and JSON document)
    in one place.
    """

    reason = "error"

    def __init__(self, message: str, *, reason: str | None = None, **context: Any) -> None:
        super().__init__(message)
        if reason is not None:
            self.reason = reason
        self.message = message
        self.context = context

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # Errors cross process boundaries (issuance workers) whatever a subclass's
        # constructor takes: rebuild from the attributes, not from the constructor.
        return _rebuild, (type(self), self.message, dict(self.__dict__))


def _rebuild(cls: type[ElicenceError], message: str, state: dict[str, Any]) -> ElicenceError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error


# What can be wrong with a text field of a request, each with the words an English sentence
# says it in: "The field qr is empty: …". The web edge's catalogue holds a Chinese sentence
# for each (elicence.web_errors), chosen by the error's `problem` (decision 0292).
TEXT_FIELD_PROBLEMS = {"missing": "is missing", "not_text": "is not text",
                       "empty": "is empty", "too_long": "is too long"}


def text_field_problem(value: object, max_chars: int | None = None) -> str | None:
    """What is wrong with a request field's `value` (None: absent or null), as a key of
    TEXT_FIELD_PROBLEMS; None when it is text with something in it, within `max_chars`."""
    if value is None:
        return "missing"
    if not isinstance(value, str):
        return "not_text"
    if not value.strip():
        return "empty"
    if max_chars is not None and len(value) > max_chars:
        return "too_long"
    return None


class LicenceError(ElicenceError):
    """Base of every error raised by the ``licence`` package."""

    reason = "licence_error"

    def to_dict(self) -> dict[str, object]:
        return {"reason": self.reason, "message": self.message}


class DecodeError(LicenceError):
    """The input is not a well-formed licence or presentation."""

    reason = "decode_error"


class LimitError(DecodeError):
    """The input exceeds a hard size limit (checked before parsing)."""

    reason = "limit_exceeded"


class SchemaError(LicenceError):
    """A licence type or schema is unknown or itself malformed."""

    reason = "schema_unknown"


@dataclass(frozen=True)
class FieldError:
    """One bad field of an input row: which field, what was wrong, what is expected."""

    field: str
    problem: str  # stable snake_case code, e.g. "missing", "too_long", "check_digit"
    message: str
    expected: str

    def to_dict(self) -> dict[str, str]:
        return {
            "field": self.field,
            "problem": self.problem,
            "message": self.message,
            "expected": self.expected,
        }


class ClaimsError(LicenceError):
    """An input row failed schema validation; ``errors`` lists every bad field."""

    reason = "claims_invalid"

    def __init__(self, errors: list[FieldError]) -> None:
        fields = ", ".join(e.field for e in errors)
        super().__init__(f"Fix these fields and submit the row again: {fields}.")
        self.errors = errors

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "errors": [e.to_dict() for e in self.errors]}


class SignatureError(LicenceError):
    """A signature does not verify under the given key."""

    reason = "signature_invalid"


class ProofError(LicenceError):
    """A Merkle proof or claim disclosure does not fit together."""

    reason = "proof_invalid"


class PresentationError(LicenceError):
    """A live presentation is not acceptable (stale, wrong challenge, wrong device)."""

    reason = "presentation_invalid"


class ExpiredError(PresentationError):
    """A live presentation is outside its freshness window."""

    reason = "presentation_stale"
