"""The alert monitor: watches every verification and status lookup of one process, and
raises alerts in the installation's shared store.

On the verification path `observe` only appends to a list (bench/alerts.py measures it);
every `flush_interval` seconds a daemon thread of the process (`start`) writes the
observations to the shared store in a few statements and runs the detectors over the
store's window, so replicas and worker processes add up to one picture and no request
waits for the store. Under `elicence serve` that thread only sends the observations to the
server's collector process (`relay`, verifier/alerts/relay.py), whose monitor does the
writing and detecting: a flush computing in a worker held up its requests. Nothing here
may break a verification: a failing flush is logged (its class only) and its observations
dropped, and beyond MAX_PENDING observations between two flushes new ones are dropped
(counted in `dropped`) rather than memory growing.

What is stored is pseudonymous: a licence is a MAC (keyed BLAKE2b) of its authority and
status reference under the installation secret — the "salted reference", comparable across
the replicas of one installation and with nothing else — and a client address is a MAC of
the address under the same secret.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter as Tally
from collections import defaultdict
from collections.abc import Callable
from hashlib import blake2b
from typing import Any

from licence.vocabulary import Verdict

from ..delegations import agent_sighting_ref
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
from .relay import AlertRelay
from .settings import AlertSettings, CounterPlace
from .store import COUNT_BUCKET, Alert, AlertStore, Sighting, SightingRow

log = logging.getLogger("elicence.alerts")

MAX_PENDING = 20_000  # observations kept between two flushes (about 4 MB); more are dropped
PRUNE_INTERVAL = 60
# Keyed BLAKE2b (a MAC in one call, a fifth of HMAC-SHA256's cost: thousands per flush),
# its personalisation separating the two kinds of reference.
_REF_DOMAIN = b"elc-alert-ref-1"
_CLIENT_DOMAIN = b"elc-alert-cli-1"

# Count kinds in alert_counts
FAIL_CLIENT, FAIL_COUNTER = "fail_client", "fail_counter"
LOOKUP_CLIENT = "lookup_client"
AUTHORITY_ALL, AUTHORITY_KEY = "authority_all", "authority_key"
AUTHORITY_KEY_CLIENT = "authority_key_client"  # subject: authority|client


class AlertMonitor:
    def __init__(self, state: StateStore, place: CounterPlace,
                 settings: AlertSettings | None = None, relay: AlertRelay | None = None
                 ) -> None:
        """`relay`: send the observations to the server's collector process, which runs
        the detectors (verifier.alerts.relay), instead of flushing them here."""
        self.store = AlertStore(state)
        self.relay = relay
        self.place = place
        self.settings = settings or AlertSettings()
        self._secret = state.secret
        self._ref_mac = blake2b(key=state.secret, digest_size=16, person=_REF_DOMAIN)
        # (time, client, authority, status ref, verdict, reason, signed, licence type,
        #  the counter's place)
        self._verifications: list[tuple[Any, ...]] = []
        self._lookups: list[tuple[int, str | None, int, bytes]] = []
        self._pruned_at: int | None = None
        # (kind, subject) of the alerts known to be stored in the period _raised_period
        self._raised: set[tuple[str, str]] = set()
        self._raised_period: int | None = None
        self._pending = threading.Lock()  # guards the two lists (appends and the swap)
        self._flushing = threading.Lock()  # one flush at a time
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.dropped = 0  # observations lost to a full list or a failed flush

    # ------------------------------------------------------------------ the hot path
    def observe(self, v: Verification, *, now: int, authority: int | None,
                status_ref: bytes | None, client: str | None,
                place: CounterPlace | None = None) -> None:
        """One verification (`client`: the requester's address) at the counter `place`
        (None: the installation's own). Each observation carries its counter's place, so
        desks of one server in two cities are judged apart."""
        # what the detectors need, not the Verification (its claims would sit in memory)
        reason = None if v.decided_by is None else v.decided_by.reason
        if v.delegation is not None and status_ref is not None:  # an authorised agent's code
            status_ref = agent_sighting_ref(status_ref, v.delegation["id"])
        observed = (now, client, authority, status_ref, v.verdict, reason,
                    status_ref is not None and _signed(v),
                    None if v.licence_type is None else v.licence_type["code"],
                    place or self.place)
        with self._pending:
            if len(self._verifications) < MAX_PENDING:
                self._verifications.append(observed)
                return
            self.dropped += 1

    def observe_lookup(self, *, now: int, client: str | None, authority: int,
                       status_ref: bytes) -> None:
        """One GET /api/v1/status answered."""
        with self._pending:
            if len(self._lookups) < MAX_PENDING:
                self._lookups.append((now, client, authority, status_ref))
                return
            self.dropped += 1

    def absorb(self, verifications: list[Any], lookups: list[Any]) -> None:
        """Observations a worker's monitor collected (the collector process's monitor)."""
        with self._pending:
            for pending, new in ((self._verifications, verifications),
                                 (self._lookups, lookups)):
                room = max(0, MAX_PENDING - len(pending))
                pending.extend(new[:room])
                self.dropped += max(0, len(new) - room)

    # ------------------------------------------------------------------ the flusher
    def start(self, clock: Callable[[], float]) -> None:
        """Flushes (or sends to the collector) every `flush_interval` seconds from a
        daemon thread of this process, so no request waits for the store."""
        self._thread = threading.Thread(target=self._run, args=(clock,), daemon=True,
                                        name="elicence-alert-monitor")
        self._thread.start()

    def _run(self, clock: Callable[[], float]) -> None:
        while not self._stop.wait(self.settings.flush_interval):
            self._pass_on(int(clock()))

    def _pass_on(self, now: int) -> None:
        if self.relay is None:
            self.flush_quietly(now)
            return
        with self._pending:
            verifications, self._verifications = self._verifications, []
            lookups, self._lookups = self._lookups, []
        self.dropped += self.relay.send(verifications, lookups)

    def flush_quietly(self, now: int) -> None:
        """`flush`, logging (never raising) a failure: alerting must not stop serving."""
        try:
            self.flush(now)
        except Exception as exc:
            log.warning("alert detectors could not use the state store (%s); their "
                        "observations since the last flush are dropped", type(exc).__name__)

    # ------------------------------------------------------------------ detection
    def flush(self, now: int) -> list[Alert]:
        """Writes what was observed to the shared store and runs the detectors; returns
        the alerts raised now."""
        with self._flushing:
            with self._pending:
                verifications, self._verifications = self._verifications, []
                lookups, self._lookups = self._lookups, []
            return self._detect(now, verifications, lookups)

    def _detect(self, now: int, verifications: list[Any], lookups: list[Any]) -> list[Alert]:
        """The batch is summed in memory first (counts per subject and minute, each
        licence's latest sighting here), so the store sees one statement per table per
        flush, and each licence is hashed once however often it was verified."""
        client_keys: dict[str | None, str] = {}

        def client_key(client: str | None) -> str:
            key = client_keys.get(client)
            if key is None:
                key = client_keys[client] = self.client_key(client)
            return key
        s = self.settings
        added: Tally[tuple[int, str, str]] = Tally()
        by_authority: Tally[tuple[int, int]] = Tally()  # (bucket, authority): verifications
        reasons: dict[tuple[str, str], Tally[str]] = defaultdict(Tally)
        # (authority, status ref, counter's place) -> latest time seen there, signed by
        # its authority
        latest: dict[tuple[int, bytes, CounterPlace], int] = {}
        replays: list[tuple[int, int | None, bytes | None, int | None, str]] = []
        for time, client, authority, status_ref, verdict, reason, signed, licence_type, \
                place in verifications:
            if reason is None and signed and authority is not None and \
                    verdict not in FAILED_VERDICTS:  # the common case: a genuine code
                by_authority[time // COUNT_BUCKET, authority] += 1
                latest[authority, status_ref, place] = time
                continue
            bucket = time // COUNT_BUCKET
            counter = place.counter_id
            if verdict in FAILED_VERDICTS:
                who = client_key(client)
                added[bucket, FAIL_CLIENT, who] += 1
                added[bucket, FAIL_COUNTER, counter] += 1
                reasons[FAIL_CLIENT, who][reason or "-"] += 1
                reasons[FAIL_COUNTER, counter][reason or "-"] += 1
            if authority is not None:
                by_authority[bucket, authority] += 1
                if reason in KEY_TROUBLE_REASONS:
                    added[bucket, AUTHORITY_KEY, str(authority)] += 1
                    added[bucket, AUTHORITY_KEY_CLIENT,
                          f"{authority}|{client_key(client)}"] += 1
                    reasons[AUTHORITY_KEY, str(authority)][reason or "-"] += 1
            if reason == "replayed":
                replays.append((time, authority, status_ref, licence_type, counter))
            elif authority is not None and status_ref is not None and \
                    verdict != Verdict.UNREADABLE and signed:
                # only codes signed by their authority: a forger picks any reference
                latest[authority, status_ref, place] = time
        for (bucket, authority), n in by_authority.items():
            added[bucket, AUTHORITY_ALL, str(authority)] += n
        ref_key = self.ref_key
        keys: dict[tuple[int, bytes], str] = {}  # each licence hashed once
        # (salted reference, counter) -> the licence's latest sighting at that counter
        seen: dict[tuple[str, str], SightingRow] = {}
        for (authority, status_ref, place), time in latest.items():
            key = keys.get((authority, status_ref))
            if key is None:
                key = keys[authority, status_ref] = ref_key(authority, status_ref)
            seen[key, place.counter_id] = (key, time, place.counter_id, place.region,
                                           place.latitude, place.longitude)
        looked_up: dict[tuple[int, str], set[tuple[int, bytes]]] = defaultdict(set)
        for time, client, authority, status_ref in lookups:
            looked_up[time // COUNT_BUCKET, client_key(client)].add((authority, status_ref))
        for (bucket, who), refs in looked_up.items():
            added[bucket, LOOKUP_CLIENT, who] += len(refs)

        prune = None
        if self._pruned_at is None or now - self._pruned_at >= PRUNE_INTERVAL:
            self._pruned_at = now
            prune = (now - 2 * s.burst_window, now - s.clone_window)
        self.store.record(added, list(seen.values()), prune=prune)
        store = self.store

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
        for time, authority, status_ref, licence_type, counter in replays:
            ref = None if authority is None or status_ref is None \
                else self.ref_key(authority, status_ref)
            raised += self._raise(now, AlertKind.REPLAYED_CODE, ref or "-", {
                "ref": ref, "counter": counter, "time": time,
                "licence_type": licence_type, "authority": authority})
        if seen:
            raised += self._clones(now, seen)
        return raised

    def _clones(self, now: int, seen: dict[tuple[str, str], SightingRow]) -> list[Alert]:
        """Each sighting of this batch against the licence's sightings at other counters,
        this batch's included: two desks of this process see each other here."""
        s = self.settings
        here: dict[str, list[Sighting]] = defaultdict(list)
        for row in seen.values():
            here[row[0]].append(Sighting(*row))
        counters = {counter for _, counter in seen}
        # One counter in the batch (an installation's usual case): its own rows are
        # left out by the store, as the comparison would skip them anyway.
        only = next(iter(counters)) if len(counters) == 1 else None
        elsewhere: dict[str, list[Sighting]] = defaultdict(list)
        for row in self.store.sightings_elsewhere(here, only, since=now - s.clone_window):
            elsewhere[row[0]].append(Sighting(*row))
        raised: list[Alert] = []
        for ref in [ref for ref in here if ref in elsewhere]:  # most: seen at one counter
            travel = next((t for mine in here[ref] for other in elsewhere[ref]
                           if (t := impossible_travel(mine, other, s)) is not None), None)
            if travel is not None:
                raised += self._raise(now, AlertKind.CLONED_LICENCE, ref, travel.evidence())
        return raised

    def _raise(self, now: int, kind: AlertKind, subject: str,
               evidence: dict[str, Any]) -> list[Alert]:
        period = now // self.settings.repeat_after
        if period != self._raised_period:
            self._raised, self._raised_period = set(), period
        # A subject past its threshold is met again at every flush of the period: its
        # alert, once stored (by any replica), stays, so the store is asked once.
        if (kind, subject) in self._raised:
            return []
        alert = self.store.raise_alert(time=now, kind=kind, subject=subject, period=period,
                                       evidence=evidence)
        self._raised.add((kind, subject))
        if alert is None:
            return []
        log.warning("alert %s raised: %s (%s)", alert.id, kind, subject)
        return [alert]

    # ------------------------------------------------------------------ pseudonyms
    def ref_key(self, authority: int, status_ref: bytes) -> str:
        mac = self._ref_mac.copy()  # keyed once: a copy skips hashing the key block again
        mac.update(authority.to_bytes(4, "big") + status_ref)
        return mac.hexdigest()

    def client_key(self, client: str | None) -> str:
        return blake2b((client or "-").encode(), key=self._secret, digest_size=8,
                       person=_CLIENT_DOMAIN).hexdigest()

    def close(self, now: int) -> None:
        """Stops the flusher and flushes what is still pending (the service is stopping)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._verifications or self._lookups:
            self._pass_on(now)


def _signed(v: Verification) -> bool:
    """Whether the signature check passed (it runs third: the loop ends early)."""
    for c in v.checks:
        if c.name == "signature":
            return c.result is PASS
    return False


class ObservedLog:
    """A verification log that also shows each record to the monitor: the Verifier writes
    its log line with the licence's authority and status reference, which is exactly what
    the detectors need, so they see every verification without a second decode. One per
    counter of the server (`place`, None: the installation's own), so the log line and the
    sighting name the counter that asked. `client` is set by the caller before each
    verification (one at a time: the service's lock)."""

    def __init__(self, log: Any, monitor: AlertMonitor,
                 place: CounterPlace | None = None) -> None:
        self.log = log
        self.monitor = monitor
        self.place = place or monitor.place
        self._counter = self.place.counter_id
        self.client: str | None = None

    def record(self, v: Verification, *, now: int, authority: int | None,
               status_ref: bytes | None) -> None:
        self.log.record(v, now=now, authority=authority, status_ref=status_ref,
                        counter=self._counter)
        self.monitor.observe(v, now=now, authority=authority, status_ref=status_ref,
                             client=self.client, place=self.place)

    def close(self) -> None:
        self.log.close()
