"""What the verifier's routes share between requests: its settings, the verifier over the
local index, the usage records and the verification log (budgets: elicence.limits)."""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chain.config import ConfigError, Settings
from chain.errors import ChainError
from chain.index import LicenceIndex
from chain.status import DEFAULT_MAX_HEAD_AGE

from ..alerts import AlertMonitor, AlertSettings, CounterPlace, WebhookSender, counter_place
from ..alerts import operator_token as configured_token
from ..alerts.monitor import ObservedLog
from ..alerts.relay import AlertRelay
from ..audit import VerificationLog, installation_salt
from ..challenges import CounterChallenges
from ..checks import Check, default_checks
from ..checks.acceptance import AcceptanceCheck
from ..checks.challenge import ChallengeCheck, ChallengePolicy
from ..checks.replay import ReplayCheck
from ..context import Policy
from ..counter_policy import TABLE, CounterPolicies, CounterPolicy, counter_table
from ..counters import TABLE as COUNTERS_TABLE
from ..counters import CounterProfile, CounterProfiles, counter_profiles
from ..delegations import RevokedDelegations
from ..history import history_document
from ..receipts import Counter, ReceiptStore
from ..replay import SqlReplayCache
from ..result import Verification
from ..state import STATE_URL_VARIABLE, StateStore
from ..verification import Verifier


@dataclass(frozen=True)
class WebConfig:
    home: Path
    index_path: Path
    counter: Counter
    policy: Policy
    follower_interval: float = 3.0
    challenge: ChallengePolicy = ChallengePolicy.PREFERRED
    state_url: str | None = None  # None: SQLite in `home`
    place: CounterPlace | None = None  # None: the counter's id, nowhere in particular
    alerts: AlertSettings = field(default_factory=AlertSettings)
    operator_token: str | None = None  # None: GET /api/v1/alerts answers 401
    # What this counter takes (default: every accredited authority's licences).
    accept: CounterPolicy = field(default_factory=CounterPolicy)
    # Counters of this installation with policies of their own (config.json
    # "counter_policies"), chosen by the request's counter token.
    counter_policies: Mapping[str, CounterPolicy] = field(default_factory=dict)
    # Their names and places (config.json "counters"), for records and detectors.
    counters: Mapping[str, CounterProfile] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings,
                      env: Mapping[str, str] | None = None) -> WebConfig:
        """Settings' `extra` (config.json) first, then ELICENCE_* environment variables.
        Raises ConfigError for a value that cannot be used."""
        env = os.environ if env is None else env

        def value(name: str, default: str) -> str:
            return env.get(f"ELICENCE_{name.upper()}") or str(settings.extra.get(name) or
                                                              default)

        staleness = value("max_staleness", "300")
        head_age = value("max_head_age", str(DEFAULT_MAX_HEAD_AGE))
        for name, given in (("MAX_STALENESS", staleness), ("MAX_HEAD_AGE", head_age)):
            if not given.isdigit() or int(given) < 1:
                raise ConfigError(f"ELICENCE_{name} must be a whole number of seconds, not "
                                  f"{given!r}.")
        accept = CounterPolicy.from_settings(settings.extra, env)

        def lookup(name: str) -> str | None:
            given = env.get(f"ELICENCE_{name.upper()}") or settings.extra.get(name)
            return None if given is None else str(given)

        counter = Counter(value("counter_id", Counter.id),
                          value("counter_name_zh", Counter.name_zh),
                          value("counter_name_en", Counter.name_en))
        place = counter_place(counter.id, lookup)
        return cls(settings.home, settings.index_path, counter,
                   Policy(max_staleness=int(staleness), max_head_age=int(head_age)),
                   challenge=accept.challenge,
                   state_url=env.get(STATE_URL_VARIABLE) or None,
                   place=place,
                   alerts=AlertSettings.from_lookup(lookup),
                   operator_token=configured_token(lookup),
                   accept=accept,
                   counter_policies=counter_table(settings.extra.get(TABLE), accept),
                   counters=counter_profiles(settings.extra.get(COUNTERS_TABLE),
                                             CounterProfile(counter, place)))


class VerifierService:
    def __init__(self, config: WebConfig, clock: Callable[[], float] = time.time,
                 alert_relay: AlertRelay | None = None) -> None:
        """`alert_relay`: the server's alert collector runs the detectors (`elicence
        serve`); without it this process flushes its own observations."""
        self.config = config
        self.clock = clock
        # Shared by every replica of the installation: replay cache, receipts, secret.
        self.state = StateStore(config.state_url or StateStore.sqlite_url(config.home))
        self.challenges = CounterChallenges(self.state.secret, config.counter.id)
        self.replay = SqlReplayCache(self.state)
        self.revoked_delegations = RevokedDelegations(self.state)
        self.policies = CounterPolicies(
            dataclasses.replace(config.accept, challenge=config.challenge, counter=None),
            config.counter_policies)
        # A token's counter gets challenges of its own (HMAC of its id): a code made for
        # one desk does not answer another desk of the same server.
        self._counter_challenges: dict[str, CounterChallenges] = {}
        self.checks = self.checks_for(self.policies.installation)  # the installation's
        self.receipts = ReceiptStore(self.state)
        # Who and where each counter is; records and sightings name the one that asked.
        self.counters = CounterProfiles(
            CounterProfile(config.counter, config.place or CounterPlace(config.counter.id)),
            dict(config.counters))
        self.alerts = AlertMonitor(self.state, self.counters.installation.place, config.alerts,
                                   relay=alert_relay)
        self.alerts.start(lambda: self.clock())  # the clock as set later (tests set it)
        self.log = VerificationLog(config.home / "verifications.jsonl",
                                   installation_salt(config.home), config.counter.id)
        self.webhook = None if config.alerts.webhook_url is None else WebhookSender(
            self.alerts.store, config.alerts.webhook_url, timeout=config.alerts.webhook_timeout,
            clock=clock)
        if self.webhook is not None:
            self.webhook.start()
        self._lock = threading.Lock()  # the verifier's caches are not shared across threads
        self._index: LicenceIndex | None = None
        self._opened = False
        # One verifier per authenticated counter (None: requests without a counter token),
        # each logging through an ObservedLog bound to its counter.
        self._verifiers: dict[str | None, Verifier] = {}
        self._logs: dict[str | None, ObservedLog] = {}

    def now(self) -> int:
        return int(self.clock())

    def challenges_of(self, counter: str | None) -> CounterChallenges:
        """The challenges of the counter a valid token proved (None: this server's own,
        ELICENCE_COUNTER_ID). Only authenticated ids reach here, so the cache stays small."""
        if counter is None:
            return self.challenges
        found = self._counter_challenges.get(counter)
        if found is None:
            found = self._counter_challenges[counter] = CounterChallenges(self.state.secret,
                                                                          counter)
        return found

    def checks_for(self, policy: CounterPolicy, counter: str | None = None) -> list[Check]:
        """The pipeline of one counter (None: no token) under its policy."""
        checks = [*default_checks(self.revoked_delegations),
                  ChallengeCheck(self.challenges_of(counter), policy.challenge),
                  ReplayCheck(self.replay)]
        if not policy.accepts_everything:  # last: see verifier.checks.acceptance
            checks.append(AcceptanceCheck(policy))
        return checks

    def _current(self, counter: str | None = None) -> Verifier:
        # The index appears on the follower's first sync: open it as soon as it exists.
        if not self._opened or (self._index is None and self.config.index_path.exists()):
            try:
                self._index = LicenceIndex(self.config.index_path)
            except ChainError:
                self._index = None
            self._opened = True
            self._verifiers.clear()
        verifier = self._verifiers.get(counter)
        if verifier is None:
            checks = self.checks if counter is None else self.checks_for(
                self.policies.of(counter), counter)
            verifier = self._verifiers[counter] = Verifier(
                self._index, checks=checks, policy=self.config.policy,
                log=self.observed_log(counter))
        return verifier

    def observed_log(self, counter: str | None) -> ObservedLog:
        """The log of one counter (None: no token): its lines and sightings name it."""
        log = self._logs.get(counter)
        if log is None:
            log = self._logs[counter] = ObservedLog(self.log, self.alerts,
                                                    self.counters.of(counter).place)
        return log

    def verify(self, text: str, challenge: bytes | None, client: str | None = None,
               counter: str | None = None) -> Verification:
        """`client`: the requester's address, for the alert detectors' per-client counts.
        `counter`: the counter a valid counter token proved (verifier.web.requester), whose
        policy applies; None (no token) gets the installation's."""
        with self._lock:
            verifier = self._current(counter)
            self._logs[counter].client = client  # made with the verifier
            return verifier.verify(text, now=self.now(), challenge=challenge)

    def observe_lookup(self, client: str | None, authority: int, status_ref: bytes) -> None:
        with self._lock:
            self.alerts.observe_lookup(now=self.now(), client=client, authority=authority,
                                       status_ref=status_ref)

    def history(self, text: str) -> dict[str, Any]:
        """verifier.history's document for `text`, from this installation's index. On a
        connection of its own and outside the verifier's lock: reading a licence's events
        takes longer than a verification, and must not hold up the counters' scans."""
        try:
            index: LicenceIndex | None = LicenceIndex(self.config.index_path)
        except ChainError:
            index = None
        try:
            return history_document(text, index, now=self.now())
        finally:
            if index is not None:
                index.close()

    def index(self) -> LicenceIndex | None:
        with self._lock:
            self._current()
            return self._index

    def close(self) -> None:
        if self.webhook is not None:
            self.webhook.stop()
        self.alerts.close(self.now())
        self.receipts.close()
        self.replay.close()
        self.state.close()
        self.log.close()
        if self._index is not None:
            self._index.close()
