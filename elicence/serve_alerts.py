"""`elicence serve`'s alert collector: a process beside the workers that runs the alert
detectors for all of them (verifier.alerts.relay; docs/decisions/0299)."""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from collections.abc import Callable

from verifier.alerts import AlertMonitor, CounterPlace
from verifier.alerts.relay import AlertRelay, relay_pair, run_collector
from verifier.state import StateStore
from verifier.web import WebConfig

log = logging.getLogger("elicence.alerts")
STOP_SECONDS = 10  # the collector's last flush


def start_alert_collector(config: WebConfig) -> tuple[AlertRelay, Callable[[], None]]:
    """Forks the collector; returns the relay the workers send through and the function
    that stops the collector after its last flush. Call it before any other thread or
    database connection exists in this process: the collector is forked from it.

    A plain fork, not multiprocessing: gunicorn's workers are forked from this process too,
    and each would inherit a multiprocessing child it must not wait for."""
    def make_monitor() -> AlertMonitor:
        state = StateStore(config.state_url or StateStore.sqlite_url(config.home))
        return AlertMonitor(state, config.place or CounterPlace(config.counter.id),
                            config.alerts)

    collector_end, workers_end = relay_pair()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the collector
        try:
            workers_end.close()
            # Stopped with the server's process group (systemd, a terminal): flush first.
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
            run_collector(collector_end, make_monitor, parent)
        except Exception:
            log.exception("the alert collector stopped on an error")
        finally:
            os._exit(0)  # gunicorn's arbiter reaps this child too: a clean exit, no alarm
    collector_end.close()
    relay = AlertRelay(workers_end)

    def stop() -> None:
        relay.stop_collector()
        deadline = time.monotonic() + STOP_SECONDS
        while time.monotonic() < deadline:
            try:
                if os.waitpid(pid, os.WNOHANG)[0] == pid:
                    return
            except ChildProcessError:
                return  # already reaped (gunicorn's arbiter waits for any child)
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)

    return relay, stop
