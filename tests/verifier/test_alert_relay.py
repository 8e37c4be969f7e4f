"""The alert collector of `elicence serve`: workers' observations reach one monitor over a
socket pair, raise the alerts a local flush raises, and a full or missing collector costs
a worker nothing but the observations (counted)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from verifier.alerts import AlertMonitor, AlertSettings
from verifier.alerts.relay import AlertRelay, collect, relay_pair
from verifier.state import StateStore

from .test_alerts import BEIJING, SHANGHAI, Counter
from .world import World


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StateStore]:
    store = StateStore(StateStore.sqlite_url(tmp_path))
    yield store
    store.close()


def test_sightings_from_two_workers_meet_in_the_collector_as_a_clone(
        store: StateStore, world: World, tmp_path: Path) -> None:
    """Two desks served by two workers: neither worker writes the store, the collector's
    monitor sees both sightings and raises the cloned-licence alert."""
    settings = AlertSettings(flush_interval=86_400)
    collector_end, workers_end = relay_pair()
    collector = AlertMonitor(store, SHANGHAI, settings)
    stopped = threading.Event()
    receiving = threading.Thread(target=collect, daemon=True,
                                 args=(collector_end, collector.absorb, stopped, os.getppid()))
    receiving.start()
    workers = []
    for place in (SHANGHAI, BEIJING):
        worker = Counter(store, place, tmp_path, settings).attach(world)
        worker.monitor.relay = AlertRelay(workers_end)
        workers.append(worker)
    try:
        workers[0].scan(world.qr["good"], world.now)
        workers[1].scan(world.qr["good"], world.now + 600)
        for worker in workers:
            worker.monitor.close(world.now + 600)  # sends what it holds
        assert collector.store.since(0) == []  # the workers wrote nothing themselves
        AlertRelay(workers_end).stop_collector()
        receiving.join(timeout=10)
        assert stopped.is_set()
        raised = collector.flush(world.now + 600)
        assert [a.kind for a in raised] == ["cloned_licence"]
        assert [s["counter"] for s in raised[0].evidence["sightings"]] == [
            SHANGHAI.counter_id, BEIJING.counter_id]
    finally:
        for worker in workers:
            worker.close()
        collector_end.close()
        workers_end.close()


def test_a_full_collector_queue_drops_observations_without_waiting(
        store: StateStore, world: World, tmp_path: Path) -> None:
    """Nobody reads the collector's end: sends fail at once once its queue is full, and
    the worker counts what it lost instead of holding it or blocking."""
    collector_end, workers_end = relay_pair()
    worker = Counter(store, SHANGHAI, tmp_path, AlertSettings(flush_interval=86_400))
    worker.attach(world)
    worker.monitor.relay = AlertRelay(workers_end)
    try:
        worker.scan(world.qr["good"], world.now, times=200)
        observed = worker.monitor._verifications[:]
        started = time.monotonic()
        lost = 0
        for _ in range(2_000):  # far beyond any socket buffer
            lost += worker.monitor.relay.send(observed, [])
            if lost:
                break
        assert lost > 0 and time.monotonic() - started < 30
        collector_end.close()  # the collector is gone: everything sent now is lost
        assert worker.monitor.relay.send(observed, []) == len(observed)
    finally:
        worker.close()
        workers_end.close()


def test_the_collector_absorbs_at_most_its_pending_limit(store: StateStore,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from verifier.alerts import monitor as monitor_module

    monkeypatch.setattr(monitor_module, "MAX_PENDING", 5)
    collector = AlertMonitor(store, SHANGHAI, AlertSettings(flush_interval=86_400))
    collector.absorb([("v", i) for i in range(4)], [("l", i) for i in range(7)])
    collector.absorb([("v", i) for i in range(4)], [])
    assert len(collector._verifications) == 5 and len(collector._lookups) == 5
    assert collector.dropped == 3 + 2
