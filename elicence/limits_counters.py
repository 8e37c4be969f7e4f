"""Counter tokens: how a counter's own system (or its counter page) proves which counter it
is, so it spends that counter's request budget instead of its network address's.

    Authorization: Counter bank-7.Xb9kQ2...   (the counter id, a dot, a 22-character MAC)

A token is an HMAC of the counter id under a key derived from the installation secret
that every replica shares (verifier.state), so any replica checks it without a lookup and
`elicence counter-token ID` mints one. Holding a token buys a budget, nothing else: a
leaked token is replaced by rotating the installation secret (decision 0160).
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from verifier.counter_id import COUNTER_ID, COUNTER_ID_RULE
from verifier.errors import RequestError

SCHEME = "Counter "
_MAC_CHARS = 22  # 128 bits, base64url


class CounterTokenInvalid(RequestError):
    reason = "counter_token_invalid"


class CounterTokens:
    def __init__(self, installation_secret: bytes) -> None:
        self._key = hmac.new(installation_secret, b"elicence counter token v1",
                             hashlib.sha256).digest()

    def mint(self, counter_id: str) -> str:
        if not COUNTER_ID.fullmatch(counter_id):
            raise CounterTokenInvalid(COUNTER_ID_RULE)
        return f"{counter_id}.{self._mac(counter_id)}"

    def from_header(self, authorization: str | None) -> str | None:
        """The counter a request's Authorization header proves, None when it names none;
        CounterTokenInvalid for a counter token that does not check."""
        if not authorization or not authorization.startswith(SCHEME):
            return None  # anonymous, or another scheme meant for another part of the app
        counter_id, _, mac = authorization[len(SCHEME):].strip().rpartition(".")
        if not (COUNTER_ID.fullmatch(counter_id) and len(mac) == _MAC_CHARS
                and hmac.compare_digest(mac, self._mac(counter_id))):
            raise CounterTokenInvalid("The counter token is not valid: use the token "
                                      "`elicence counter-token` printed for this counter.")
        return counter_id

    def _mac(self, counter_id: str) -> str:
        digest = hmac.new(self._key, counter_id.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode()[:_MAC_CHARS]
