"""Usage records ("receipts"): which counter saw a holder's live licence, and when.

A holder's wallet can ask an installation which of its presentations were verified there
and have them deleted. A receipt holds no claim values, names or numbers: the counter, the
time, the licence type, the authority, the NAMES of the disclosed claims and the verdict.

Only the device creates its receipts: one is stored only for a live code whose device
signature (over the presentation and its challenge) verified, at most one per code (a
replayed code adds nothing) and at most MAX_RECEIPTS_PER_DAY per device a day (older ones
of the same device only make room). Receipts are keyed by HMAC(installation secret, device
key), so two installations' records of one device cannot be linked, and live in the
installation's shared state store (verifier.state): every replica lists and deletes the
same ones. Only the device itself can list or delete its receipts, by signing

    b"elicence/receipts/v1\\x00" + word + b"\\x00" + time (8 bytes big-endian) + device_key

with word "list" or "delete", at a time within MAX_CLOCK_SKEW seconds of the server's.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from sqlalchemy import and_, delete, func, select

from licence import SignatureError, verify_device_signature

from .errors import ReceiptAuthError
from .state import StateStore, usage_records

DOMAIN = b"elicence/receipts/v1\x00"
WORDS = ("list", "delete")
MAX_CLOCK_SKEW = 120  # seconds between the wallet's and the server's clock
DEVICE_KEY_BYTES = 33
MAX_RECEIPTS_PER_DEVICE = 1000  # older ones are dropped: a usage record, not an archive
MAX_RECEIPTS_PER_DAY = 100  # a device's busiest day; beyond it its own oldest make room
DAY = 86_400
_DEVICE_DOMAIN = b"elicence/receipts/device/v1\x00"


@dataclass(frozen=True)
class Counter:
    """Who is verifying: from ELICENCE_COUNTER_ID / _NAME_ZH / _NAME_EN."""

    id: str = "counter-1"
    name_zh: str = "柜台"
    name_en: str = "Counter"

    @classmethod
    def from_env(cls, env: dict[str, str] | os._Environ[str]) -> Counter:
        return cls(env.get("ELICENCE_COUNTER_ID") or cls.id,
                   env.get("ELICENCE_COUNTER_NAME_ZH") or cls.name_zh,
                   env.get("ELICENCE_COUNTER_NAME_EN") or cls.name_en)


@dataclass(frozen=True)
class Receipt:
    id: str
    time: int
    counter_id: str
    counter_name_zh: str
    counter_name_en: str
    licence_type: str | None
    authority: str | None
    disclosed: list[str]
    verdict: str

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def device_key_hash(secret: bytes, device_key: bytes) -> str:
    """The key of a device's receipts at one installation (keyed: unlinkable elsewhere)."""
    return hmac.new(secret, _DEVICE_DOMAIN + device_key, hashlib.sha256).hexdigest()


def signed_message(word: str, time: int, device_key: bytes) -> bytes:
    """What the device signs to list ("list") or delete ("delete") its receipts."""
    return DOMAIN + word.encode() + b"\x00" + time.to_bytes(8, "big") + device_key


def check_request(word: str, device_key: bytes, time: int, signature: bytes, *,
                  now: int) -> None:
    """Raises ReceiptAuthError unless `signature` by `device_key` covers this request."""
    if len(device_key) != DEVICE_KEY_BYTES or device_key[0] not in (2, 3):
        raise ReceiptAuthError("device_key must be a 33-byte compressed P-256 key.",
                               reason="device_key_invalid")
    if abs(now - time) > MAX_CLOCK_SKEW:
        raise ReceiptAuthError("The request time is more than 2 minutes from the server's "
                               "clock: set the phone's clock and try again.",
                               reason="request_time_invalid")
    try:
        verify_device_signature(device_key, signature, signed_message(word, time, device_key))
    except SignatureError:
        raise ReceiptAuthError("The signature does not match the device key: sign the request "
                               "with the key the licence is bound to.") from None


_COLUMNS = ("id", "time", "counter_id", "counter_name_zh", "counter_name_en", "licence_type",
            "authority", "disclosed", "verdict")


class ReceiptStore:
    """Receipts in the installation's shared state store."""

    def __init__(self, store: StateStore) -> None:
        self.store = store
        self._secret = store.secret
        self._insert = store.insert_new(usage_records)
        self._columns = [usage_records.c[name] for name in _COLUMNS]

    def close(self) -> None:
        """The state store is closed by its owner."""

    def device(self, device_key: bytes) -> str:
        return device_key_hash(self._secret, device_key)

    def add(self, device_key: bytes, code: bytes, *, time: int, counter: Counter,
            licence_type: str | None, authority: str | None, disclosed: Sequence[str],
            verdict: str) -> Receipt | None:
        """Stores the receipt of live code `code` (its digest), shown by the device whose
        signature verified; None when this code already has one."""
        receipt = Receipt(os.urandom(16).hex(), time, counter.id, counter.name_zh,
                          counter.name_en, licence_type, authority, list(disclosed), verdict)
        device = self.device(device_key)
        t = usage_records.c
        with self.store.engine.begin() as connection:
            inserted = connection.execute(self._insert, {
                "id": receipt.id, "device": device, "code": code, "time": time,
                "counter_id": counter.id, "counter_name_zh": counter.name_zh,
                "counter_name_en": counter.name_en, "licence_type": licence_type,
                "authority": authority, "disclosed": json.dumps(receipt.disclosed),
                "verdict": verdict})
            if inserted.first() is None:
                return None
            # Caps count this device's receipts only: nobody else's can push them out.
            for since, keep in ((time - DAY, MAX_RECEIPTS_PER_DAY),
                                (None, MAX_RECEIPTS_PER_DEVICE)):
                mine = and_(t.device == device, t.time > since) if since is not None \
                    else t.device == device
                count = connection.execute(select(func.count()).where(mine)).scalar_one()
                if count > keep:
                    oldest = select(t.id).where(mine).order_by(t.time, t.seq).limit(count - keep)
                    connection.execute(delete(usage_records).where(
                        t.id.in_(oldest.scalar_subquery())))
        return receipt

    def list(self, device_key: bytes) -> list[Receipt]:
        """The device's receipts, newest first."""
        t = usage_records.c
        with self.store.engine.connect() as connection:
            rows = connection.execute(select(*self._columns).where(
                t.device == self.device(device_key)).order_by(t.time.desc(), t.seq.desc())).all()
        return [Receipt(*row[:7], json.loads(row[7]), row[8]) for row in rows]

    def delete(self, device_key: bytes, ids: Sequence[str]) -> int:
        """Deletes the device's receipts named in `ids` (all of them when empty)."""
        t = usage_records.c
        mine = t.device == self.device(device_key)
        if ids:
            mine = and_(mine, t.id.in_(list(ids)))
        with self.store.engine.begin() as connection:
            return connection.execute(delete(usage_records).where(mine)).rowcount
