"""Wallet copies as they stand some days after their claim, for the refresh tests: a copy
signed (and anchored) on an earlier day, exactly as a claim on that day would have made it."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy import select, update

from issuer.claims.exchange import anchor_copy
from issuer.store import Binding, IssuedLicence
from licence import Licence, load_schema
from licence.predicates import CHINA, signing_day

DAY = 86_400


def birthday_yesterday(years: int, now: int) -> str:
    """A birth date whose `years`th anniversary was yesterday or the day before (China
    time), never on 29 February: a copy signed three days ago predates it."""
    day = dt.datetime.fromtimestamp(now, CHINA).date() - dt.timedelta(days=1)
    if (day.month, day.day) == (2, 29):
        day -= dt.timedelta(days=1)
    return day.replace(year=day.year - years).isoformat()


def sign_copy_days_ago(app: Flask, number: str, device_key: bytes, days: int,
                       now: int) -> bytes:
    """Re-signs the device's copy of licence `number` as of `days` ago and stores it as the
    device's copy; returns its CBOR (what the wallet would hold since then)."""
    service = app.extensions["elicence.claims"]
    store, then = service.store, now - days * DAY
    with store.session() as s:
        record = s.scalars(select(IssuedLicence).where(
            IssuedLicence.licence_number == number)).one()
        binding = s.scalars(select(Binding).where(Binding.licence_id == record.id,
                                                  Binding.device_key == device_key)).one()
    current = Licence.from_bytes_unverified(binding.encoded)
    claims = load_schema(record.licence_type).with_predicates(current.claims, signing_day(then))
    batch_id, encoded, _ = anchor_copy(store, service.authority(record.authority_id), record,
                                       claims, device_key, then)
    with store.session() as s:
        s.execute(update(Binding).where(Binding.id == binding.id)
                  .values(encoded=encoded, batch_id=batch_id))
    return encoded
