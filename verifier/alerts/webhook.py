"""Posting alerts to an operator's webhook, away from the verification path.

A daemon thread of each serving process looks every few seconds for undelivered alerts,
claims one in the shared store (so two replicas never post it at the same time), and POSTs
its JSON document with a bounded timeout. A failure is logged by alert id and error class
only (the webhook address may carry a secret; the alert's evidence stays in the store) and
retried later, waiting twice as long each time, up to MAX_ATTEMPTS; `elicence alerts` and
GET /api/v1/alerts list it either way.
"""

from __future__ import annotations

import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable

import orjson

from .store import Alert, AlertStore

log = logging.getLogger("elicence.alerts")

MAX_ATTEMPTS = 8
FIRST_RETRY = 30  # seconds; doubled on each failure, at most MAX_RETRY
MAX_RETRY = 3600
POLL_INTERVAL = 5.0
NEVER = 2**31 - 1  # next_attempt of an alert given up on (fits a 32-bit column)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is a failed delivery: urllib would repeat a POST as a GET elsewhere."""

    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


class WebhookSender:
    def __init__(self, store: AlertStore, url: str, *, timeout: float = 3.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.url = url
        self.timeout = timeout
        self.clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def deliver_due(self) -> int:
        """Posts every alert due for delivery now; returns how many were delivered."""
        delivered = 0
        now = int(self.clock())
        for alert in self.store.due_for_delivery(now):
            # hold the claim past the timeout, so a slow post is not taken twice
            if not self.store.claim_delivery(alert.id, now, int(self.timeout) + FIRST_RETRY):
                continue
            try:
                self._post(alert)
            except Exception as exc:
                self._failed(alert, now, exc)
                continue
            self.store.mark_delivered(alert.id)
            delivered += 1
        return delivered

    def _post(self, alert: Alert) -> None:
        request = urllib.request.Request(
            self.url, data=orjson.dumps({"alert": alert.to_json()}), method="POST",
            headers={"Content-Type": "application/json", "User-Agent": "elicence-alerts"})
        with _OPENER.open(request, timeout=self.timeout) as answer:
            answer.read(4096)  # only the status matters

    def _failed(self, alert: Alert, now: int, exc: Exception) -> None:
        what = f"HTTP {exc.code}" if isinstance(exc, urllib.error.HTTPError) \
            else type(exc).__name__
        attempts = self.store.retry_at(alert.id, now)  # the claim counted this attempt
        if attempts >= MAX_ATTEMPTS:
            self.store.retry_at(alert.id, NEVER)  # given up: listed, not posted
            log.error("alert %s could not be posted to the webhook after %d attempts (%s); "
                      "see `elicence alerts`", alert.id, attempts, what)
            return
        wait = min(FIRST_RETRY * 2 ** (attempts - 1), MAX_RETRY)
        self.store.retry_at(alert.id, now + wait)
        log.warning("alert %s could not be posted to the webhook (%s); retrying in %d s",
                    alert.id, what, wait)

    # ------------------------------------------------------------------ the thread
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="elicence-alert-webhook",
                                        daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(POLL_INTERVAL):
            try:
                self.deliver_due()
            except Exception as exc:  # a store briefly away: next round
                log.warning("alert webhook round failed (%s)", type(exc).__name__)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.timeout + 1)
