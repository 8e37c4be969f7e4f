"""Usage records ("receipts"): which counter saw a holder's live licence, and when.

A holder's wallet can ask each counter which of its presentations were verified there and
have them deleted. A receipt is keyed by the SHA-256 of the presenting device's key and
holds no claim values, names or numbers: the counter, the time, the licence type, the
authority, the NAMES of the disclosed claims and the verdict. Only the device itself can
list or delete its receipts, by signing

    b"elicence/receipts/v1\\x00" + word + b"\\x00" + time (8 bytes big-endian) + device_key

with word "list" or "delete", at a time within MAX_CLOCK_SKEW seconds of the server's.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from chain.private_files import private_sqlite
from licence import SignatureError, verify_device_signature

from .errors import ReceiptAuthError

DOMAIN = b"elicence/receipts/v1\x00"
WORDS = ("list", "delete")
MAX_CLOCK_SKEW = 120  # seconds between the wallet's and the server's clock
DEVICE_KEY_BYTES = 33
MAX_RECEIPTS_PER_DEVICE = 1000  # older ones are dropped: a usage record, not an archive


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


def device_key_hash(device_key: bytes) -> str:
    return hashlib.sha256(device_key).hexdigest()


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


class ReceiptStore:
    """Receipts in a SQLite file (several server processes may share it)."""

    def __init__(self, path: str | Path) -> None:
        private_sqlite(path)
        self._db = sqlite3.connect(str(path), timeout=10, check_same_thread=False,
                                   isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS receipts (id TEXT PRIMARY KEY, device TEXT NOT NULL,"
                " time INTEGER NOT NULL, counter_id TEXT NOT NULL, counter_name_zh TEXT NOT NULL,"
                " counter_name_en TEXT NOT NULL, licence_type TEXT, authority TEXT,"
                " disclosed TEXT NOT NULL, verdict TEXT NOT NULL)")
            self._db.execute(
                "CREATE INDEX IF NOT EXISTS receipts_by_device ON receipts (device, time)")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def add(self, device_key: bytes, *, time: int, counter: Counter, licence_type: str | None,
            authority: str | None, disclosed: Sequence[str], verdict: str) -> Receipt:
        receipt = Receipt(os.urandom(16).hex(), time, counter.id, counter.name_zh,
                          counter.name_en, licence_type, authority, list(disclosed), verdict)
        device = device_key_hash(device_key)
        with self._lock:
            self._db.execute("INSERT INTO receipts VALUES (?,?,?,?,?,?,?,?,?,?)", (
                receipt.id, device, receipt.time, counter.id, counter.name_zh, counter.name_en,
                licence_type, authority, json.dumps(receipt.disclosed), verdict))
            self._db.execute(
                "DELETE FROM receipts WHERE device = ? AND id NOT IN (SELECT id FROM receipts "
                "WHERE device = ? ORDER BY time DESC, rowid DESC LIMIT ?)",
                (device, device, MAX_RECEIPTS_PER_DEVICE))
        return receipt

    def list(self, device_key: bytes) -> list[Receipt]:
        """The device's receipts, newest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, time, counter_id, counter_name_zh, counter_name_en, licence_type, "
                "authority, disclosed, verdict FROM receipts WHERE device = ? "
                "ORDER BY time DESC, rowid DESC", (device_key_hash(device_key),)).fetchall()
        return [Receipt(*row[:7], json.loads(row[7]), row[8]) for row in rows]

    def delete(self, device_key: bytes, ids: Sequence[str]) -> int:
        """Deletes the device's receipts named in `ids` (all of them when empty)."""
        device = device_key_hash(device_key)
        with self._lock:
            if not ids:
                cursor = self._db.execute("DELETE FROM receipts WHERE device = ?", (device,))
            else:
                marks = ",".join("?" * len(ids))
                cursor = self._db.execute(
                    f"DELETE FROM receipts WHERE device = ? AND id IN ({marks})",
                    (device, *ids))
        return cursor.rowcount
