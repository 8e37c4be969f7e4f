"""`elicence serve`'s alert collector: a process beside the workers that runs the alert
detectors for all of them (verifier.alerts.relay; docs/decisions/0299)."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable

from chain.config import Settings
from verifier.alerts import AlertMonitor, CounterPlace
from verifier.alerts.relay import AlertRelay, relay_pair, run_collector
from verifier.state import StateStore
from verifier.web import WebConfig

STOP_SECONDS = 10  # the collector's last flush


def start_alert_collector(settings: Settings) -> tuple[AlertRelay, Callable[[], None]]:
    """Forks the collector; returns the relay the workers send through and the function
    that stops the collector after its last flush. Call it before any other thread or
    database connection exists in this process: the collector is forked from it."""
    config = WebConfig.from_settings(settings)

    def make_monitor() -> AlertMonitor:
        state = StateStore(config.state_url or StateStore.sqlite_url(config.home))
        return AlertMonitor(state, config.place or CounterPlace(config.counter.id),
                            config.alerts)

    collector_end, workers_end = relay_pair()
    process = multiprocessing.get_context("fork").Process(
        target=run_collector, args=(collector_end, make_monitor, os.getpid()),
        name="elicence-alert-collector")
    process.start()
    collector_end.close()
    relay = AlertRelay(workers_end)

    def stop() -> None:
        relay.stop_collector()
        process.join(STOP_SECONDS)
        if process.is_alive():
            process.kill()

    return relay, stop
