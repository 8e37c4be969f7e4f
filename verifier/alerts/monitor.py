"""The alert monitor: watches every verification and status lookup of one process, and
raises alerts in the installation's shared store.

On the verification path `observe` only appends to a list (bench/alerts.py measures it);
every `flush_interval` seconds (or when the list is full) the next request writes the
observations to the shared store in a few statements and runs the detectors over the
store's window, so replicas and worker processes add up to one picture. Nothing here may
break a verification: a failing flush is logged (its class only) and its observations
dropped.

What is stored is pseudonymous: a licence is HMAC(installation secret, authority, status
reference) — the "salted reference", comparable across the replicas of one installation
and with nothing else — and a client address is HMAC(installation secret, address).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections import Counter as Tally
from collections import defaultdict
from typing import Any

from licence.vocabulary import Verdict

from ..result import PASS, Verification
from ..state import StateStore
from .detectors import (
    FAILED_VERDICTS,
    FORGERY_REASONS,
    KEY_TROUBLE_REASONS,
    AlertKind,
    impossible_travel,
    reason_counts,
)
from .settings import AlertSettings, CounterPlace
from .store import COUNT_BUCKET, Alert, AlertStore, Sighting

log = logging.getLogger("elicence.alerts")

MAX_PENDING = 5000  # observations kept between flushes (a flush is forced beyond)
PRUNE_INTERVAL = 60
_REF_DOMAIN = b"elicence/alerts/ref/v1\x00"
_CLIENT_DOMAIN = b"elicence/alerts/client/v1\x00"

# Count kinds in alert_counts
FAIL_CLIENT, FAIL_COUNTER = "fail_client", "fail_counter"
LOOKUP_CLIENT = "lookup_client"
AUTHORITY_ALL, AUTHORITY_KEY = "authority_all", "authority_key"
AUTHORITY_KEY_CLIENT = "authority_key_client"  # subject: authority|client


class AlertMonitor:
    def __init__(self, state: StateStore, place: CounterPlace,
                 settings: AlertSettings | None = None) -> None:
        self.store = AlertStore(state)
        self.place = place
        self.settings = settings or AlertSettings()
        self._secret = state.secret
        self._verifications: list[tuple[int, str | None, int | None, bytes | None,
                                        Verification]] = []
        self._lookups: list[tuple[int, str | None, int, bytes]] = []
        self._flushed_at: int | None = None
        self._pruned_at: int | None = None

    # ------------------------------------------------------------------ the hot path
    def observe(self, v: Verification, *, now: int, authority: int | None,
                status_ref: bytes | None, client: str | None) -> None:
        """One verification at this counter (`client`: the requester's address)."""
        self._verifications.append((now, client, authority, status_ref, v))
        self._maybe_flush(now)

    def observe_lookup(self, *, now: int, client: str | None, authority: int,
                       status_ref: bytes) -> None:
        """One GET /api/v1/status answered."""
        self._lookups.append((now, client, authority, status_ref))
        self._maybe_flush(now)

    def _maybe_flush(self, now: int) -> None:
        if self._flushed_at is None:
            self._flushed_at = now
        if now - self._flushed_at >= self.settings.flush_interval or \
                len(self._verifications) + len(self._lookups) >= MAX_PENDING:
            try:
                self.flush(now)
            except Exception as exc:  # never let alerting fail a verification
                log.warning("alert detectors could not write to the state store (%s); "
                            "their observations since the last flush are dropped",
                            type(exc).__name__)

    # ------------------------------------------------------------------ detection
    def flush(self, now: int) -> list[Alert]:
        """Writes what was observed to the shared store and runs the detectors; returns
        the alerts raised now."""
        verifications, self._verifications = self._verifications, []
        lookups, self._lookups = self._lookups, []
        self._flushed_at = now
        s = self.settings
        added: Tally[tuple[int, str, str]] = Tally()
        reasons: dict[tuple[str, str], Tally[str]] = defaultdict(Tally)
        seen: dict[str, Sighting] = {}
        replays: list[tuple[int, str | None, Verification]] = []
        for time, client, authority, status_ref, v in verifications:
            bucket = time // COUNT_BUCKET
            reason = None if v.decided_by is None else v.decided_by.reason
            ref = None if authority is None or status_ref is None \
                else self.ref_key(authority, status_ref)
            if v.verdict in FAILED_VERDICTS:
                client_key = self.client_key(client)
                added[bucket, FAIL_CLIENT, client_key] += 1
                added[bucket, FAIL_COUNTER, self.place.counter_id] += 1
                reasons[FAIL_CLIENT, client_key][reason or "-"] += 1
                reasons[FAIL_COUNTER, self.place.counter_id][reason or "-"] += 1
            if authority is not None:
                added[bucket, AUTHORITY_ALL, str(authority)] += 1
                if reason in KEY_TROUBLE_REASONS:
                    added[bucket, AUTHORITY_KEY, str(authority)] += 1
                    added[bucket, AUTHORITY_KEY_CLIENT,
                          f"{authority}|{self.client_key(client)}"] += 1
                    reasons[AUTHORITY_KEY, str(authority)][reason or "-"] += 1
            if reason == "replayed":
                replays.append((time, ref, v))
            elif ref is not None and v.verdict != Verdict.UNREADABLE and _signed(v):
                # only codes signed by their authority: a forger picks any reference
                seen[ref] = Sighting(ref, time, self.place.counter_id, self.place.region,
                                     self.place.latitude, self.place.longitude)
        looked_up: dict[tuple[int, str], set[tuple[int, bytes]]] = defaultdict(set)
        for time, client, authority, status_ref in lookups:
            looked_up[time // COUNT_BUCKET, self.client_key(client)].add((authority, status_ref))
        for (bucket, client_key), refs in looked_up.items():
            added[bucket, LOOKUP_CLIENT, client_key] += len(refs)

        store = self.store
        store.add_counts(added)
        store.add_sightings(list(seen.values()))
        if self._pruned_at is None or now - self._pruned_at >= PRUNE_INTERVAL:
            self._pruned_at = now
            store.prune(counts_before=now - 2 * s.burst_window,
                        sightings_before=now - s.clone_window)

        raised: list[Alert] = []
        since = now - s.burst_window
        touched: dict[str, set[str]] = defaultdict(set)
        for _, kind, subject in added:
            touched[kind].add(subject)
        for kind, threshold, scope in ((FAIL_CLIENT, s.client_failures, "client"),
                                       (FAIL_COUNTER, s.counter_failures, "counter")):
            for subject, n in store.totals(kind, touched[kind], since=since).items():
                if n >= threshold:
                    found = reasons[kind, subject]
                    forgeries = sum(c for r, c in found.items() if r in FORGERY_REASONS)
                    raised += self._raise(now, AlertKind.FAILURE_BURST, f"{scope}:{subject}", {
                        "scope": scope, scope: subject, "failures": n,
                        "forgeries_in_last_batch": forgeries, "window_seconds": s.burst_window,
                        "threshold": threshold, "reasons": reason_counts(found)})
        for subject, n in store.totals(LOOKUP_CLIENT, touched[LOOKUP_CLIENT],
                                       since=since).items():
            if n >= s.client_lookups:
                raised += self._raise(now, AlertKind.STATUS_ENUMERATION, f"client:{subject}", {
                    "client": subject, "distinct_lookups": n, "window_seconds": s.burst_window,
                    "threshold": s.client_lookups})
        if touched[AUTHORITY_KEY]:
            failing = store.totals(AUTHORITY_KEY, touched[AUTHORITY_KEY], since=since)
            everything = store.totals(AUTHORITY_ALL, failing, since=since)
            for authority, n in failing.items():
                total = max(everything.get(authority, n), n)
                if n < s.key_trouble_failures or n / total < s.key_trouble_ratio:
                    continue
                # one client sending forgeries is a failure burst; many clients and
                # counters failing on one authority's key is the authority's trouble
                clients = store.distinct_prefixed(AUTHORITY_KEY_CLIENT, f"{authority}|",
                                                  since=since)
                if clients >= s.key_trouble_clients:
                    raised += self._raise(now, AlertKind.AUTHORITY_KEY_TROUBLE, authority, {
                        "authority": int(authority), "key_failures": n, "verifications": total,
                        "clients": clients,
                        "window_seconds": s.burst_window,
                        "reasons": reason_counts(reasons[AUTHORITY_KEY, authority])})
        for time, ref, v in replays:
            raised += self._raise(now, AlertKind.REPLAYED_CODE, ref or "-", {
                "ref": ref, "counter": self.place.counter_id, "time": time,
                "licence_type": None if v.licence_type is None else v.licence_type["code"],
                "authority": None if v.authority is None else v.authority["number"]})
        if seen:
            raised += self._clones(now, seen)
        return raised

    def _clones(self, now: int, seen: dict[str, Sighting]) -> list[Alert]:
        s = self.settings
        earlier: dict[str, list[Sighting]] = defaultdict(list)
        for other in self.store.sightings_of(seen, since=now - s.clone_window):
            earlier[other.ref].append(other)
        raised: list[Alert] = []
        for ref, here in seen.items():
            for other in earlier[ref]:
                travel = impossible_travel(here, other, s)
                if travel is not None:
                    raised += self._raise(now, AlertKind.CLONED_LICENCE, ref, travel.evidence())
                    break
        return raised

    def _raise(self, now: int, kind: AlertKind, subject: str,
               evidence: dict[str, Any]) -> list[Alert]:
        alert = self.store.raise_alert(time=now, kind=kind, subject=subject,
                                       period=now // self.settings.repeat_after,
                                       evidence=evidence)
        if alert is None:
            return []
        log.warning("alert %s raised: %s (%s)", alert.id, kind, subject)
        return [alert]

    # ------------------------------------------------------------------ pseudonyms
    def ref_key(self, authority: int, status_ref: bytes) -> str:
        return hmac.new(self._secret, _REF_DOMAIN + authority.to_bytes(4, "big") + status_ref,
                        hashlib.sha256).hexdigest()[:32]

    def client_key(self, client: str | None) -> str:
        return hmac.new(self._secret, _CLIENT_DOMAIN + (client or "-").encode(),
                        hashlib.sha256).hexdigest()[:16]

    def close(self, now: int) -> None:
        """Flushes what is still pending (the service is stopping)."""
        if self._verifications or self._lookups:
            try:
                self.flush(now)
            except Exception as exc:
                log.warning("alert detectors could not flush on close (%s)",
                            type(exc).__name__)


def _signed(v: Verification) -> bool:
    return any(c.name == "signature" and c.result == PASS for c in v.checks)


class ObservedLog:
    """A verification log that also shows each record to the monitor: the Verifier writes
    its log line with the licence's authority and status reference, which is exactly what
    the detectors need, so they see every verification without a second decode. `client`
    is set by the caller before each verification (one at a time: the service's lock)."""

    def __init__(self, log: Any, monitor: AlertMonitor) -> None:
        self.log = log
        self.monitor = monitor
        self.client: str | None = None

    def record(self, v: Verification, *, now: int, authority: int | None,
               status_ref: bytes | None) -> None:
        self.log.record(v, now=now, authority=authority, status_ref=status_ref)
        self.monitor.observe(v, now=now, authority=authority, status_ref=status_ref,
                             client=self.client)

    def close(self) -> None:
        self.log.close()
