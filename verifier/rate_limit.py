"""Per-client request budgets: a token bucket per address, in memory.

A budget "600/minute" lets a client send bursts of up to 600 requests, refilled at 10 per
second. Each server process keeps its own buckets (with N workers a client may get up to
N times the budget): enough to stop one runaway scanner or script without a shared store.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from chain.config import ConfigError

_PERIODS = {"second": 1, "minute": 60, "hour": 3600}
MAX_CLIENTS = 100_000  # forget idle buckets beyond this many addresses


@dataclass(frozen=True)
class Budget:
    requests: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Budget:
        """"600/minute", "50/second", "10000/hour" (also "600/60" for 600 per 60 s)."""
        count, _, period = text.strip().partition("/")
        try:
            requests = int(count)
            seconds = _PERIODS.get(period.strip().lower()) or int(period)
        except ValueError:
            raise ConfigError(
                f"The rate limit {text!r} is not like \"600/minute\": give a whole number of "
                "requests per second, minute or hour.") from None
        if requests < 1 or seconds < 1:
            raise ConfigError(f"The rate limit {text!r} must allow at least one "
                                       "request per period.")
        return cls(requests, seconds)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


class RateLimiter:
    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, client: str, now: float) -> float:
        """Spends one request of `client`'s budget: 0 if allowed, else the seconds to wait."""
        capacity, rate = float(self.budget.requests), self.budget.rate
        with self._lock:
            tokens, at = self._buckets.get(client, (capacity, now))
            tokens = min(capacity, tokens + max(0.0, now - at) * rate)
            if tokens >= 1:
                if len(self._buckets) >= MAX_CLIENTS and client not in self._buckets:
                    self._forget_full(now)
                self._buckets[client] = (tokens - 1, now)
                return 0.0
            self._buckets[client] = (tokens, now)
            return (1 - tokens) / rate

    def _forget_full(self, now: float) -> None:
        # A bucket refilled to capacity is the same as no bucket: drop those.
        capacity, rate = self.budget.requests, self.budget.rate
        self._buckets = {c: (t, at) for c, (t, at) in self._buckets.items()
                         if t + (now - at) * rate < capacity}


def retry_after_seconds(wait: float) -> int:
    """Whole seconds for a Retry-After header: at least 1."""
    return max(1, math.ceil(wait))
