"""Typed errors of the licence format.

Every malformed or unacceptable input raises exactly one ``LicenceError`` subclass. The
``reason`` code is API (add codes, never reuse or rename them); ``message`` is one English
sentence for people and ``message_zh`` its Chinese twin where we have one.
"""

from __future__ import annotations

from dataclasses import dataclass

# Chinese messages for the reasons a counter clerk or holder is most likely to see.
_ZH: dict[str, str] = {
    "prefix_unknown": "二维码不是电子证照，请扫描证照上的二维码。",
    "text_too_long": "二维码内容过长，不是有效的电子证照。",
    "base45_invalid": "二维码内容已损坏，请重新扫描。",
    "zlib_invalid": "二维码内容已损坏，请重新扫描。",
    "cbor_invalid": "二维码内容已损坏，请重新扫描。",
    "signature_invalid": "签名无效：该证照不是由登记的机关签发，或已被篡改。",
    "proof_invalid": "证照与已登记的批次不符，可能已被篡改。",
    "claims_proof_invalid": "所披露的信息与签发内容不符，可能已被篡改。",
    "presentation_stale": "动态二维码已过期，请持证人刷新后重新出示。",
    "presentation_from_future": "动态二维码时间异常，请检查手机时间后重新出示。",
    "device_signature_invalid": "动态二维码签名无效，请持证人重新出示。",
    "claims_invalid": "数据有误，请按字段提示改正后重试。",
}


class LicenceError(Exception):
    """Base of every error raised by the ``licence`` package."""

    reason = "licence_error"

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        if reason is not None:
            self.reason = reason
        self.message = message

    @property
    def message_zh(self) -> str | None:
        return _ZH.get(self.reason)

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
