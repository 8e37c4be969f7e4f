"""Alerts and the detectors' shared observations, in the installation's state store
(verifier.state: SQLite in ELICENCE_HOME, or PostgreSQL shared by every replica).

Three tables, created beside the replay cache when the store opens:

- `alerts`: what the detectors raised, with evidence (salted references, counters, counts;
  never a name, number or claim) and the webhook's delivery state;
- `alert_counts`: per-minute counts (failed verifications per client and per counter,
  status lookups per client, an authority's verifications and key failures), summed over
  the burst window, so every replica's traffic counts towards one threshold;
- `alert_sightings`: where and when a licence (its salted reference) was verified, kept
  for the clone window, so a licence verified at two far-apart replicas is noticed.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from ..state import StateStore

COUNT_BUCKET = 60  # seconds per row of alert_counts

metadata = MetaData()

alerts = Table(
    "alerts", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),  # listing order
    Column("id", String(16), nullable=False, unique=True),
    Column("time", Integer, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("subject", Text, nullable=False),
    # kind:subject:period — one alert per subject per `repeat_after` across replicas
    Column("dedupe", Text, nullable=False, unique=True),
    Column("evidence", Text, nullable=False),  # JSON
    Column("delivered", Boolean, nullable=False, default=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt", Integer, nullable=False, default=0),
    Index("alerts_by_time", "time"))

counts = Table(
    "alert_counts", metadata,
    Column("bucket", Integer, primary_key=True),  # time // COUNT_BUCKET
    Column("kind", String(32), primary_key=True),
    Column("subject", Text, primary_key=True),
    Column("n", Integer, nullable=False))

sightings = Table(
    "alert_sightings", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("ref", String(32), nullable=False),  # HMAC(installation secret, licence ref)
    Column("time", Integer, nullable=False),
    Column("counter", Text, nullable=False),
    Column("region", String(6)),
    Column("latitude", Float),
    Column("longitude", Float),
    Index("alert_sightings_by_ref", "ref", "time"),
    Index("alert_sightings_by_time", "time"))


@dataclass(frozen=True)
class Alert:
    id: str
    time: int
    kind: str
    subject: str
    evidence: Mapping[str, Any]
    delivered: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "time": self.time, "kind": self.kind, "subject": self.subject,
                "evidence": dict(self.evidence), "delivered": self.delivered}


@dataclass(frozen=True)
class Sighting:
    ref: str
    time: int
    counter: str
    region: str | None
    latitude: float | None
    longitude: float | None


class AlertStore:
    def __init__(self, state: StateStore) -> None:
        self.state = state
        self.engine = state.engine
        metadata.create_all(self.engine)
        self._insert = postgresql.insert if state.dialect == "postgresql" else sqlite.insert

    # ------------------------------------------------------------------ alerts
    def raise_alert(self, *, time: int, kind: str, subject: str, period: int,
                    evidence: Mapping[str, Any]) -> Alert | None:
        """Stores an alert unless the same kind and subject was raised in this period (by
        any replica); the new Alert, or None."""
        alert = Alert(secrets.token_hex(8), time, kind, subject, evidence)
        with self.engine.begin() as connection:
            inserted = connection.execute(self.state.insert_new(alerts).values(
                id=alert.id, time=time, kind=kind, subject=subject,
                dedupe=f"{kind}:{subject}:{period}",
                evidence=json.dumps(evidence, sort_keys=True, ensure_ascii=False),
                delivered=False, attempts=0, next_attempt=0)).first()
        return alert if inserted is not None else None

    def since(self, since: int = 0, *, limit: int = 1000) -> list[Alert]:
        """Alerts raised at or after `since`, oldest first (at most `limit`, the newest)."""
        query = (select(alerts).where(alerts.c.time >= since)
                 .order_by(alerts.c.seq.desc()).limit(limit))
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return [_alert(row) for row in reversed(rows)]

    def due_for_delivery(self, now: int, limit: int = 20) -> list[Alert]:
        query = (select(alerts).where(and_(~alerts.c.delivered, alerts.c.next_attempt <= now))
                 .order_by(alerts.c.seq).limit(limit))
        with self.engine.connect() as connection:
            return [_alert(row) for row in connection.execute(query)]

    def claim_delivery(self, alert_id: str, now: int, hold: int) -> bool:
        """Takes an alert's next delivery attempt for `hold` seconds; False if another
        process took it first (so two replicas do not post the same alert at once)."""
        with self.engine.begin() as connection:
            result = connection.execute(update(alerts).where(and_(
                alerts.c.id == alert_id, ~alerts.c.delivered, alerts.c.next_attempt <= now))
                .values(next_attempt=now + hold, attempts=alerts.c.attempts + 1))
        return result.rowcount == 1

    def mark_delivered(self, alert_id: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(update(alerts).where(alerts.c.id == alert_id)
                               .values(delivered=True))

    def retry_at(self, alert_id: str, when: int) -> int:
        """Sets the next attempt; returns the attempts made so far."""
        with self.engine.begin() as connection:
            connection.execute(update(alerts).where(alerts.c.id == alert_id)
                               .values(next_attempt=when))
            return int(connection.execute(select(alerts.c.attempts).where(
                alerts.c.id == alert_id)).scalar_one())

    # ------------------------------------------------------------------ observations
    def add_counts(self, added: Mapping[tuple[int, str, str], int]) -> None:
        """Adds to the per-minute counts: (bucket, kind, subject) -> n."""
        if not added:
            return
        rows = [{"bucket": b, "kind": k, "subject": s, "n": n}
                for (b, k, s), n in sorted(added.items())]
        insert = self._insert(counts)
        statement = insert.on_conflict_do_update(
            index_elements=[counts.c.bucket, counts.c.kind, counts.c.subject],
            set_={"n": counts.c.n + insert.excluded.n})
        with self.engine.begin() as connection:
            connection.execute(statement, rows)

    def totals(self, kind: str, subjects: Iterable[str], *, since: int) -> dict[str, int]:
        """Each subject's count of `kind` in the buckets from `since` on."""
        wanted = sorted(set(subjects))
        out: dict[str, int] = {}
        with self.engine.connect() as connection:
            for part in _chunks(wanted):
                query = (select(counts.c.subject, func.sum(counts.c.n))
                         .where(and_(counts.c.kind == kind, counts.c.subject.in_(part),
                                     counts.c.bucket >= since // COUNT_BUCKET))
                         .group_by(counts.c.subject))
                out.update((s, int(n)) for s, n in connection.execute(query))
        return out

    def distinct_prefixed(self, kind: str, prefix: str, *, since: int) -> int:
        """How many distinct subjects of `kind` starting with `prefix` were counted from
        `since` on."""
        query = select(func.count(func.distinct(counts.c.subject))).where(and_(
            counts.c.kind == kind, counts.c.subject.startswith(prefix, autoescape=True),
            counts.c.bucket >= since // COUNT_BUCKET))
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar_one())

    def add_sightings(self, seen: Sequence[Sighting]) -> None:
        if seen:
            with self.engine.begin() as connection:
                connection.execute(sightings.insert(), [
                    {"ref": s.ref, "time": s.time, "counter": s.counter, "region": s.region,
                     "latitude": s.latitude, "longitude": s.longitude} for s in seen])

    def sightings_of(self, refs: Iterable[str], *, since: int) -> list[Sighting]:
        out: list[Sighting] = []
        with self.engine.connect() as connection:
            for part in _chunks(sorted(set(refs))):
                query = select(sightings).where(and_(sightings.c.ref.in_(part),
                                                     sightings.c.time >= since))
                out.extend(Sighting(r.ref, r.time, r.counter, r.region, r.latitude,
                                    r.longitude) for r in connection.execute(query))
        return out

    def prune(self, *, counts_before: int, sightings_before: int) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(counts).where(
                counts.c.bucket < counts_before // COUNT_BUCKET))
            connection.execute(delete(sightings).where(sightings.c.time < sightings_before))


def _alert(row: Any) -> Alert:
    return Alert(row.id, row.time, row.kind, row.subject, json.loads(row.evidence),
                 bool(row.delivered))


def _chunks(values: list[str], size: int = 500) -> Iterable[list[str]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]
