"""Counter challenges: short codes a counter shows and a wallet signs into its live code,
so a copy of a live code made anywhere else, or earlier, does not answer this counter.

Stateless: the challenge of counter C in 30-second window w is

    HMAC-SHA256(installation secret, "elicence/challenge/v1" 0 C 0 w (8 bytes)) [:30 bits]

carried in the live code as 4 bytes (big-endian) and shown as 6 characters of Crockford's
base32 alphabet (no I, L, O, U; typed I/L read as 1 and O as 0, any case) and as a small
QR code ("ELCH:" + the 6 characters). Every replica of the installation computes the same
challenge without talking to the others; a code answers the current or previous window.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
from dataclasses import dataclass
from enum import StrEnum

from .errors import RequestError

WINDOW_SECONDS = 30
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
TEXT_CHARS = 6
CHALLENGE_BYTES = 4
QR_PREFIX = "ELCH:"
_BITS = 5 * TEXT_CHARS  # 30
_TYPED = {**{c: i for i, c in enumerate(ALPHABET)}, "I": 1, "L": 1, "O": 0}
_DOMAIN = b"elicence/challenge/v1\x00"


class ChallengePolicy(StrEnum):
    """Whether a counter requires live codes to answer its challenge (verifier.checks.
    challenge); set per installation and per counter (verifier.counter_policy)."""

    REQUIRED = "required"
    PREFERRED = "preferred"
    OFF = "off"


class ChallengeTextError(RequestError):
    reason = "challenge_text_invalid"


@dataclass(frozen=True)
class Challenge:
    value: bytes  # what the wallet signs into the live code
    text: str  # what the counter shows and the holder may type
    refresh_at: int  # the next window starts: show the next challenge
    expires_at: int  # the last second a code answering it is accepted

    @property
    def qr_text(self) -> str:
        return QR_PREFIX + self.text


def to_text(value: bytes) -> str:
    number = int.from_bytes(value, "big")
    return "".join(ALPHABET[(number >> shift) & 31] for shift in range(_BITS - 5, -1, -5))


def from_text(text: str) -> bytes:
    """The challenge bytes of 6 typed characters (spaces and dashes ignored)."""
    cleaned = text.strip().upper().removeprefix(QR_PREFIX).replace(" ", "").replace("-", "")
    if len(cleaned) != TEXT_CHARS or any(c not in _TYPED for c in cleaned):
        raise ChallengeTextError(f"A counter challenge is {TEXT_CHARS} letters and digits, "
                                 "as shown on the counter's screen.", field="challenge")
    number = 0
    for c in cleaned:
        number = number << 5 | _TYPED[c]
    return number.to_bytes(CHALLENGE_BYTES, "big")


class CounterChallenges:
    """The challenges of one counter of an installation."""

    def __init__(self, secret: bytes, counter_id: str) -> None:
        self._key = secret
        self._counter = counter_id.encode("utf-8")
        self._cache: dict[int, bytes] = {}  # window -> value; two windows live at a time

    def value(self, window: int) -> bytes:
        value = self._cache.get(window)
        if value is None:
            mac = hmac.new(self._key, _DOMAIN + self._counter + b"\x00"
                           + window.to_bytes(8, "big"), hashlib.sha256).digest()
            number = int.from_bytes(mac[:CHALLENGE_BYTES], "big") >> (8 * CHALLENGE_BYTES - _BITS)
            value = number.to_bytes(CHALLENGE_BYTES, "big")
            if len(self._cache) > 4:
                self._cache.clear()
            self._cache[window] = value
        return value

    def current(self, now: int) -> Challenge:
        window = now // WINDOW_SECONDS
        value = self.value(window)
        return Challenge(value, to_text(value), (window + 1) * WINDOW_SECONDS,
                         (window + 2) * WINDOW_SECONDS - 1)

    def accepts(self, value: bytes, now: int) -> bool:
        """Whether `value` is this counter's challenge of the current or previous window."""
        window = now // WINDOW_SECONDS
        return hmac.compare_digest(value, self.value(window)) or \
            hmac.compare_digest(value, self.value(window - 1))


def qr_data_url(text: str) -> str:
    """A small SVG QR code of `text`, as a data: URL the counter page can show."""
    import qrcode
    import qrcode.image.svg

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2,
                         image_factory=qrcode.image.svg.SvgPathImage)
    code.add_data(text)
    out = io.BytesIO()
    code.make_image().save(out)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()
