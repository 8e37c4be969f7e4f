"""The alert detectors over synthetic traffic: real verifications of the registry world's
licences (real checks, real replay cache, real verification log) at counters that share one
state store, on SQLite and on PostgreSQL. Each detector has traffic that must raise its
alert and traffic that must not."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from chain.config import ConfigError
from verifier import Verifier
from verifier.alerts import AlertMonitor, AlertSettings, CounterPlace, counter_place
from verifier.alerts.monitor import ObservedLog
from verifier.audit import VerificationLog
from verifier.checks import default_checks
from verifier.checks.replay import ReplayCheck
from verifier.replay import SqlReplayCache
from verifier.state import StateStore

from ..support.databases import KINDS, database_url
from .world import World, ref

SHANGHAI = CounterPlace("sh-pudong-1", "310115", 31.2304, 121.4737)
BEIJING = CounterPlace("bj-dongcheng-2", "110101", 39.9042, 116.4074)
SUZHOU = CounterPlace("js-suzhou-3", "320505", 31.2989, 120.5853)  # ~85 km from Shanghai
HANGZHOU_NO_COORDS = CounterPlace("zj-hangzhou-4", "330106")
SHANGHAI_NO_COORDS = CounterPlace("sh-minhang-5", "310112")
SHANGHAI_2_NO_COORDS = CounterPlace("sh-xuhui-6", "310104")


class Counter:
    """One counter: a Verifier whose log feeds an AlertMonitor, like VerifierService."""

    def __init__(self, store: StateStore, place: CounterPlace, home: Path,
                 settings: AlertSettings) -> None:
        self.monitor = AlertMonitor(store, place, settings)
        self.replay = SqlReplayCache(store)
        self.log = ObservedLog(VerificationLog(home / f"{place.counter_id}.jsonl", b"s" * 32,
                                               place.counter_id), self.monitor)
        self.verifier = Verifier(None, checks=[*default_checks(), ReplayCheck(self.replay)],
                                 log=self.log)

    def attach(self, world: World) -> Counter:
        self.verifier = Verifier(world.index(), checks=self.verifier.pipeline.checks,
                                 log=self.log)
        return self

    def scan(self, text: str, now: int, client: str = "198.51.100.7", times: int = 1) -> None:
        self.log.client = client
        for _ in range(times):
            self.verifier.verify(text, now=now)

    def close(self) -> None:
        self.replay.close()
        self.log.close()


@pytest.fixture(params=KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StateStore]:
    with database_url(request.param, tmp_path) as url:
        store = StateStore(url)
        yield store
        store.close()


@pytest.fixture
def counters(store: StateStore, world: World, tmp_path: Path):  # type: ignore[no-untyped-def]
    made: list[Counter] = []

    def make(place: CounterPlace, **thresholds: float) -> Counter:
        thresholds.setdefault("flush_interval", 86_400)  # the tests flush when they choose
        counter = Counter(store, place, tmp_path, AlertSettings(**thresholds)).attach(world)
        made.append(counter)
        return counter

    yield make
    for counter in made:
        counter.close()


def kinds(monitor: AlertMonitor) -> list[str]:
    return [a.kind for a in monitor.store.since(0)]


# ---------------------------------------------------------------------- cloned licence
def test_one_licence_at_shanghai_then_beijing_ten_minutes_later_is_a_clone(
        counters, world: World) -> None:
    shanghai, beijing = counters(SHANGHAI), counters(BEIJING)
    shanghai.scan(world.qr["good"], world.now)
    assert shanghai.monitor.flush(world.now) == []
    beijing.scan(world.qr["good"], world.now + 600)
    raised = beijing.monitor.flush(world.now + 600)

    assert [a.kind for a in raised] == ["cloned_licence"]
    evidence = raised[0].evidence
    assert [s["counter"] for s in evidence["sightings"]] == [SHANGHAI.counter_id,
                                                             BEIJING.counter_id]
    assert 1000 < evidence["distance_km"] < 1100 and evidence["seconds_between"] == 600
    assert evidence["ref"] == raised[0].subject == beijing.monitor.ref_key(1, ref("good"))


def test_time_enough_to_travel_or_neighbouring_counters_are_no_clone(counters,
                                                                    world: World) -> None:
    shanghai, beijing, suzhou = counters(SHANGHAI), counters(BEIJING), counters(SUZHOU)
    shanghai.scan(world.qr["good"], world.now)
    shanghai.monitor.flush(world.now)
    suzhou.scan(world.qr["good"], world.now + 600)  # 85 km in 10 minutes: a fast car
    suzhou.monitor.flush(world.now + 600)
    beijing.scan(world.qr["good"], world.now + 3 * 3600)  # 1,070 km in 3 h: a flight
    assert beijing.monitor.flush(world.now + 3 * 3600) == []
    shanghai.scan(world.qr["good"], world.now + 60, times=5)  # the same counter again
    assert shanghai.monitor.flush(world.now + 60) == []


def test_counters_known_only_by_region_compare_provinces(counters, world: World) -> None:
    minhang, xuhui = counters(SHANGHAI_NO_COORDS), counters(SHANGHAI_2_NO_COORDS)
    hangzhou = counters(HANGZHOU_NO_COORDS)
    minhang.scan(world.qr["good_2"], world.now)
    minhang.monitor.flush(world.now)
    xuhui.scan(world.qr["good_2"], world.now + 60)  # same province: no alert
    assert xuhui.monitor.flush(world.now + 60) == []
    hangzhou.scan(world.qr["good_2"], world.now + 720)  # another province within an hour
    raised = hangzhou.monitor.flush(world.now + 720)
    assert [a.kind for a in raised] == ["cloned_licence"]
    assert "distance_km" not in raised[0].evidence


def test_forged_codes_leave_no_sightings(counters, world: World) -> None:
    """A forger chooses any status reference: only codes whose signature verified count."""
    shanghai, beijing = counters(SHANGHAI), counters(BEIJING)
    shanghai.scan(world.qr["tampered_claim"], world.now)
    shanghai.monitor.flush(world.now)
    beijing.scan(world.qr["tampered_claim"], world.now + 60)
    assert "cloned_licence" not in [a.kind for a in beijing.monitor.flush(world.now + 60)]


def test_desks_of_one_process_are_judged_at_their_own_places(store: StateStore,
                                                              world: World,
                                                              tmp_path: Path) -> None:
    """One monitor (one server) with desks in Shanghai, Suzhou and Beijing: each log line,
    sighting and failure count names its desk, and one flush compares them (decision 0288)."""
    monitor = AlertMonitor(store, SHANGHAI, AlertSettings(flush_interval=86_400,
                                                          counter_failures=2))
    plain = VerificationLog(tmp_path / "desks.jsonl", b"s" * 32, "hall")
    desks = {place.counter_id: Verifier(world.index(), log=ObservedLog(plain, monitor, place))
             for place in (SHANGHAI, SUZHOU, BEIJING)}
    desks[SHANGHAI.counter_id].verify(world.qr["good"], now=world.now)
    desks[SUZHOU.counter_id].verify(world.qr["good"], now=world.now + 600)  # 85 km: a car
    assert [a.kind for a in monitor.flush(world.now + 600)] == []
    desks[BEIJING.counter_id].verify(world.qr["good"], now=world.now + 720)
    desks[BEIJING.counter_id].verify("ELC1:NOT-A-LICENCE", now=world.now + 720)
    desks[BEIJING.counter_id].verify("ELC1:NOT-A-LICENCE-2", now=world.now + 720)
    desks[SHANGHAI.counter_id].verify(world.qr["good_2"], now=world.now + 720)
    desks[BEIJING.counter_id].verify(world.qr["good_2"], now=world.now + 721)  # same batch
    raised = {(a.kind, a.subject): a for a in monitor.flush(world.now + 721)}
    assert set(raised) == {("cloned_licence", monitor.ref_key(1, ref("good"))),
                           ("cloned_licence", monitor.ref_key(1, ref("good_2"))),
                           ("failure_burst", f"counter:{BEIJING.counter_id}")}
    same_batch = raised["cloned_licence", monitor.ref_key(1, ref("good_2"))].evidence
    assert [s["counter"] for s in same_batch["sightings"]] == [SHANGHAI.counter_id,
                                                               BEIJING.counter_id]
    lines = [json.loads(line) for line in (tmp_path / "desks.jsonl").read_text().splitlines()]
    assert [line["counter"] for line in lines] == [
        SHANGHAI.counter_id, SUZHOU.counter_id, *[BEIJING.counter_id] * 3,
        SHANGHAI.counter_id, BEIJING.counter_id]


# ---------------------------------------------------------------------- replayed live code
def test_a_live_code_shown_twice_raises_one_alert(counters, world: World) -> None:
    shanghai = counters(SHANGHAI)
    code = world.live("bound")
    shanghai.scan(code, world.now)
    shanghai.scan(code, world.now + 5)
    shanghai.scan(code, world.now + 6)  # the same replay again: one alert per hour
    raised = shanghai.monitor.flush(world.now + 6)
    assert [a.kind for a in raised] == ["replayed_code"]
    assert raised[0].evidence == {"ref": shanghai.monitor.ref_key(1, ref("bound")),
                                  "counter": SHANGHAI.counter_id, "time": world.now + 5,
                                  "licence_type": world.licences["bound"].header.licence_type,
                                  "authority": 1}


def test_fresh_live_codes_raise_nothing(counters, world: World) -> None:
    shanghai = counters(SHANGHAI)
    shanghai.scan(world.live("bound"), world.now)
    shanghai.scan(world.live("bound", at=world.now - 1), world.now + 1)
    assert shanghai.monitor.flush(world.now + 1) == []


# ---------------------------------------------------------------------- failure bursts
def test_failures_from_one_client_across_two_replicas_add_up(counters, world: World) -> None:
    first, second = counters(SHANGHAI), counters(SHANGHAI)  # two workers of one counter
    first.scan(world.qr["tampered_claim"], world.now, client="203.0.113.9", times=15)
    first.monitor.flush(world.now)
    second.scan("ELC1:NOT-A-LICENCE", world.now + 30, client="203.0.113.9", times=15)
    raised = second.monitor.flush(world.now + 30)
    bursts = [a for a in raised if a.kind == "failure_burst"]
    assert [a.evidence["scope"] for a in bursts] == ["client"]
    assert bursts[0].evidence["failures"] == 30
    assert bursts[0].subject == "client:" + second.monitor.client_key("203.0.113.9")
    assert "203.0.113.9" not in json.dumps(bursts[0].to_json())


def test_a_counter_burst_from_many_clients(counters, world: World) -> None:
    shanghai = counters(SHANGHAI, counter_failures=20)
    for n in range(20):
        shanghai.scan("ELC1:NOT-A-LICENCE", world.now, client=f"192.0.2.{n}")
    raised = shanghai.monitor.flush(world.now)
    assert [(a.kind, a.subject) for a in raised] == [
        ("failure_burst", f"counter:{SHANGHAI.counter_id}")]
    assert sum(raised[0].evidence["reasons"].values()) == 20
    assert raised[0].evidence["forgeries_in_last_batch"] == 0


def test_a_busy_honest_client_and_slow_failures_raise_nothing(counters, world: World) -> None:
    shanghai = counters(SHANGHAI)
    shanghai.scan(world.qr["good"], world.now, times=100)  # valid, however many
    shanghai.scan(world.qr["revoked"], world.now, times=50)  # revoked: the system working
    shanghai.scan("ELC1:NOT-A-LICENCE", world.now, times=29)  # one under the threshold
    assert shanghai.monitor.flush(world.now) == []
    # the same failures again after the window: still under the threshold in any window
    shanghai.scan("ELC1:NOT-A-LICENCE", world.now + 600, times=29)
    assert shanghai.monitor.flush(world.now + 600) == []


# ---------------------------------------------------------------------- status enumeration
def test_many_distinct_status_lookups_from_one_client(store: StateStore, world: World) -> None:
    monitor = AlertMonitor(store, SHANGHAI, AlertSettings(client_lookups=100))
    for n in range(100):
        monitor.observe_lookup(now=world.now, client="2001:db8::1", authority=1,
                               status_ref=n.to_bytes(16, "big"))
    raised = monitor.flush(world.now)
    assert [a.kind for a in raised] == ["status_enumeration"]
    assert raised[0].evidence["distinct_lookups"] == 100


def test_a_wallet_polling_its_own_status_is_no_enumeration(store: StateStore,
                                                           world: World) -> None:
    monitor = AlertMonitor(store, SHANGHAI, AlertSettings(client_lookups=100))
    for second in range(500):
        monitor.observe_lookup(now=world.now + second % 50, client="2001:db8::1",
                               authority=1, status_ref=ref("good"))
    for n in range(99):  # another client, one under the threshold
        monitor.observe_lookup(now=world.now, client="2001:db8::2", authority=1,
                               status_ref=n.to_bytes(16, "big"))
    assert monitor.flush(world.now + 50) == []


# ---------------------------------------------------------------------- key trouble
def test_an_authoritys_licences_suddenly_failing_on_its_key(counters, world: World) -> None:
    shanghai = counters(SHANGHAI)
    authority = world.licences["unregistered_key_id"].header.authority
    for n in range(20):
        shanghai.scan(world.qr["unregistered_key_id"], world.now, client=f"192.0.2.{n}")
    shanghai.scan(world.qr["good"], world.now, times=5)
    raised = [a for a in shanghai.monitor.flush(world.now)
              if a.kind == "authority_key_trouble"]
    assert [a.subject for a in raised] == [str(authority)]
    assert raised[0].evidence["reasons"] == {"key_unknown": 20}
    assert raised[0].evidence["key_failures"] == 20


def test_a_few_key_failures_among_many_good_scans_are_no_key_trouble(counters,
                                                                     world: World) -> None:
    shanghai = counters(SHANGHAI)
    shanghai.scan(world.qr["good"], world.now, times=60)
    for n in range(20):
        shanghai.scan(world.qr["unregistered_key_id"], world.now, client=f"192.0.2.{n}")
    assert shanghai.monitor.flush(world.now) == []


def test_forgeries_from_one_client_are_a_burst_not_key_trouble(counters,
                                                               world: World) -> None:
    shanghai = counters(SHANGHAI)
    shanghai.scan(world.qr["tampered_claim"], world.now, client="203.0.113.9", times=40)
    raised = shanghai.monitor.flush(world.now)
    assert [(a.kind, a.evidence["scope"]) for a in raised] == [("failure_burst", "client")]
    assert raised[0].evidence["forgeries_in_last_batch"] == 40


# ---------------------------------------------------------------------- the store
def test_alerts_hold_no_personal_data(counters, world: World) -> None:
    shanghai, beijing = counters(SHANGHAI), counters(BEIJING)
    shanghai.scan(world.qr["good"], world.now)
    shanghai.monitor.flush(world.now)
    beijing.scan(world.qr["good"], world.now + 60)
    beijing.scan(world.live("bound"), world.now + 60, times=2)
    beijing.monitor.flush(world.now + 60)
    stored = json.dumps([a.to_json() for a in beijing.monitor.store.since(0)],
                        ensure_ascii=False)
    assert sorted(kinds(beijing.monitor)) == ["cloned_licence", "replayed_code"]
    for licence in (world.licences["good"], world.licences["bound"]):
        for value in licence.claims.values():
            assert str(value) not in stored
        assert licence.status_ref.hex() not in stored


def test_a_failing_store_never_fails_a_verification(world: World, tmp_path: Path,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    store = StateStore(f"sqlite:///{tmp_path / 'state.sqlite'}")
    monitor = AlertMonitor(store, SHANGHAI)
    log = ObservedLog(VerificationLog(tmp_path / "log.jsonl", b"s" * 32, "c"), monitor)
    verifier = Verifier(world.index(), log=log)
    store.engine.dispose()
    (tmp_path / "state.sqlite").unlink()
    (tmp_path / "state.sqlite").mkdir()  # the database is gone: every write fails
    assert verifier.verify(world.qr["good"], now=world.now).verdict == "valid"
    monitor.flush_quietly(world.now)
    assert "alert detectors could not use the state store" in caplog.text
    assert verifier.verify(world.qr["good"], now=world.now + 2).verdict == "valid"
    log.close()


def test_observations_beyond_the_limit_are_dropped_not_kept(store: StateStore,
                                                            world: World) -> None:
    from verifier.alerts.monitor import MAX_PENDING

    monitor = AlertMonitor(store, SHANGHAI)
    for n in range(MAX_PENDING + 10):
        monitor.observe_lookup(now=world.now, client="192.0.2.1", authority=1,
                               status_ref=n.to_bytes(16, "big"))
    assert monitor.dropped == 10
    monitor.flush(world.now)
    assert monitor.store.totals("lookup_client", [monitor.client_key("192.0.2.1")],
                                since=world.now - 60) == {
        monitor.client_key("192.0.2.1"): MAX_PENDING}


def test_settings_are_read_and_refused_with_one_sentence() -> None:
    values = {"alert_client_failures": "7", "alert_key_trouble_ratio": "0.25",
              "alert_webhook_url": "https://ops.example/hook"}
    settings = AlertSettings.from_lookup(values.get)
    assert (settings.client_failures, settings.key_trouble_ratio) == (7, 0.25)
    assert counter_place("c", {"counter_region": "310115", "counter_latitude": "31.2",
                               "counter_longitude": "121.5"}.get) == \
        CounterPlace("c", "310115", 31.2, 121.5)
    for bad, says in (({"alert_client_failures": "many"}, "positive number"),
                      ({"alert_key_trouble_ratio": "2"}, "between 0 and 1"),
                      ({"alert_webhook_url": "file:///etc/passwd"}, "http:// or https://")):
        with pytest.raises(ConfigError, match=says):
            AlertSettings.from_lookup(bad.get)
    with pytest.raises(ConfigError, match="2, 4 or 6 digits"):
        counter_place("c", {"counter_region": "Shanghai"}.get)
    with pytest.raises(ConfigError, match="both latitude and longitude"):
        counter_place("c", {"counter_latitude": "31.2"}.get)


# ---------------------------------------------------------------------- authorised agents
def test_holder_and_agent_in_two_cities_are_no_clone_but_one_agent_twice_is(
        counters, store: StateStore, world: World) -> None:
    """A holder in Shanghai and the agent they authorised in Beijing show one licence ten
    minutes apart: normal (docs/decisions/0220). The agent's own phone seen in both cities
    is still a clone."""
    import licence
    from verifier.delegations import RevokedDelegations

    from .world import private_key

    agent = private_key("alert-agent")
    delegation, shared = licence.delegate(world.licences["bound"], ["age_over_18"],
                                          world.device_keys["bound"],
                                          licence.compressed_public_key(agent),
                                          world.now + 86_400)
    shanghai, beijing = counters(SHANGHAI), counters(BEIJING)
    for counter in (shanghai, beijing):
        counter.verifier.pipeline.checks = (*default_checks(RevokedDelegations(store)),
                                            ReplayCheck(counter.replay))
    shanghai.scan(world.live("bound"), world.now)
    assert shanghai.monitor.flush(world.now) == []

    def agent_code(at: int) -> str:
        return licence.present_delegated(shared, delegation, agent, at).to_qr()

    beijing.scan(agent_code(world.now + 600), world.now + 600)
    assert beijing.monitor.flush(world.now + 600) == []
    shanghai.scan(agent_code(world.now + 660), world.now + 660)
    assert [a.kind for a in shanghai.monitor.flush(world.now + 660)] == ["cloned_licence"]
