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
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
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
    bindparam,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from ..state import StateStore, create_tables

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

# The latest time each licence was seen at each counter (one row per licence and counter:
# a licence shown daily at its holder's bank adds no rows). Thousands of upserts per flush
# at random keys: on SQLite the rows sit in their key's B-tree (WITHOUT ROWID) and there
# is no index on time, so each sighting writes one tree instead of three; the prune every
# minute scans the table instead (decision 0168).
sightings = Table(
    "alert_sightings", metadata,
    Column("ref", String(32), primary_key=True),  # MAC(installation secret, licence ref)
    Column("counter", String(128), primary_key=True),
    Column("time", Integer, nullable=False),
    Column("region", String(6)),
    Column("latitude", Float),
    Column("longitude", Float),
    sqlite_with_rowid=False)
_SIGHTING_FIELDS = ("ref", "time", "counter", "region", "latitude", "longitude")  # Sighting's
_REF = itemgetter(0)


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


# A sighting as the store writes and reads it: a plain tuple of Sighting's fields
# (thousands per flush).
SightingRow = tuple[str, int, str, "str | None", "float | None", "float | None"]


class AlertStore:
    def __init__(self, state: StateStore) -> None:
        self.state = state
        self.engine = state.engine
        create_tables(metadata, self.engine)
        self._insert = postgresql.insert if state.dialect == "postgresql" else sqlite.insert
        self._sighting_sql: tuple[str, Any] | None = None

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
    def record(self, added: Mapping[tuple[int, str, str], int], seen: Sequence[SightingRow],
               *, prune: tuple[int, int] | None = None) -> None:
        """One flush's writes in one transaction: adds to the per-minute counts ((bucket,
        kind, subject) -> n), records each sighting as its licence's latest at its counter
        and, when `prune` gives (counts_before, sightings_before), drops what has left the
        windows. (One commit per flush rather than one per table: a commit is the dearest
        statement on SQLite.)"""
        with self.engine.begin() as connection:
            if added:
                rows = [{"bucket": b, "kind": k, "subject": s, "n": n}
                        for (b, k, s), n in sorted(added.items())]
                connection.execute(self._count_upsert(), rows)
            if seen:
                self._add_sightings(connection, seen)
            if prune is not None:
                counts_before, sightings_before = prune
                connection.execute(delete(counts).where(
                    counts.c.bucket < counts_before // COUNT_BUCKET))
                connection.execute(delete(sightings).where(
                    sightings.c.time < sightings_before))

    def _count_upsert(self) -> Any:
        insert = self._insert(counts)
        return insert.on_conflict_do_update(
            index_elements=[counts.c.bucket, counts.c.kind, counts.c.subject],
            set_={"n": counts.c.n + insert.excluded.n})

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

    def _add_sightings(self, connection: Any, seen: Sequence[SightingRow]) -> None:
        # Thousands of rows per flush: the SQL is compiled once and the rows go to the
        # driver's executemany as they are (SQLAlchemy's per-row parameter processing cost
        # ten times the insert), in key order so neighbouring rows share index pages.
        if self._sighting_sql is None:
            insert = self._insert(sightings).values(
                {name: bindparam(name) for name in _SIGHTING_FIELDS})
            statement = insert.on_conflict_do_update(
                index_elements=[sightings.c.ref, sightings.c.counter],
                set_={"time": func.max(sightings.c.time, insert.excluded.time)
                      if self.state.dialect == "sqlite"
                      else func.greatest(sightings.c.time, insert.excluded.time)})
            compiled = statement.compile(dialect=self.engine.dialect)
            order = compiled.positiontup
            # a positional paramstyle (SQLite's qmark) takes the fields in its own order
            arrange = None if order is None else \
                itemgetter(*(_SIGHTING_FIELDS.index(name) for name in order))
            self._sighting_sql = (str(compiled), arrange)
        sql, arrange = self._sighting_sql
        rows: list[Any] = sorted(seen, key=_REF)
        if arrange is None:  # a named paramstyle (psycopg's pyformat)
            rows = [dict(zip(_SIGHTING_FIELDS, row, strict=True)) for row in rows]
        else:
            rows = list(map(arrange, rows))
        connection.exec_driver_sql(sql, rows)

    def sightings_elsewhere(self, refs: Collection[str], counter: str | None, *,
                            since: int) -> list[SightingRow]:
        """Sightings of these licences since `since` at counters other than `counter`
        (None: at every counter), as rows of Sighting's fields. One statement for the whole
        batch, its references passed as one parameter (a JSON array to SQLite's json_each,
        an array to PostgreSQL's ANY): thousands of bound parameters cost more to send
        than the index lookups they ask for."""
        if not refs:
            return []
        columns = ", ".join(_SIGHTING_FIELDS)
        postgres = self.state.dialect == "postgresql"
        where = "ref = ANY(%s)" if postgres else "ref IN (SELECT value FROM json_each(?))"
        params: list[Any] = [list(refs) if postgres else json.dumps(list(refs))]
        if counter is not None:
            where += " AND counter <> %s" if postgres else " AND counter <> ?"
            params.append(counter)
        sql = f"SELECT {columns} FROM alert_sightings WHERE {where} AND time >= " + \
            ("%s" if postgres else "?")
        params.append(since)
        with self.engine.connect() as connection:
            return [tuple(row) for row in connection.exec_driver_sql(sql, tuple(params))]


def _alert(row: Any) -> Alert:
    return Alert(row.id, row.time, row.kind, row.subject, json.loads(row.evidence),
                 bool(row.delivered))


def _chunks(values: list[str], size: int = 500) -> Iterable[list[str]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]
