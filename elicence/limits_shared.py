"""Request budgets shared by every worker and replica through Redis, without a Redis round
trip on most requests (decision 0245).

A synchronous round trip per request cost 0.14–0.6 ms on the deployment's 2 cores (the
redis-server process has to be scheduled to answer), over the 0.1 ms bar for the whole
limiter. So each process decides most requests from what it knows:

- a *snapshot* of the key's sliding window as Redis last reported it (the `limits`
  library's sliding-window-counter layout: a current and a previous window count with
  their TTLs), decayed locally as time passes — the true count is never below it;
- its own *pending* units, spent since that snapshot and not yet written to Redis.

A request is refused locally when snapshot + pending + cost exceeds the limit (the truth
is at least that). It is admitted locally only while that sum stays under RESERVE of the
limit and the pending units under SLACK of it; everything else — a client this process
has not seen yet, the last quarter of a budget, a burst — is one atomic check in Redis
that also writes the pending units. A daemon thread writes every key's pending units in one
script call every SYNC_SECONDS and refreshes their snapshots.

What this gives up: a process admits at most SLACK of a budget on knowledge that may be
stale, so a client spraying N processes can overshoot its budget by at most N × SLACK
(4 processes: 8 %); small budgets (SLACK under one request's cost) are counted exactly.
Units admitted in the last SYNC_SECONDS before a process dies are not counted.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import limits
from limits.storage import RedisStorage

SYNC_SECONDS = 0.05  # how stale another process's spending may be for a busy key
RESERVE = 0.75  # beyond this share of a budget, every admission is checked in Redis
SLACK = 0.02  # at most this share of a budget admitted by one process between checks
RETRY_SECONDS = 5.0  # the writer's pause after Redis failed (one log line, not twenty a second)

# Adds `amount` to each key's sliding window (the library's acquire_sliding_window.lua,
# window shift included), conditionally when `limit` > 0, and returns each window, so a
# whole batch of keys is one call. Per entry i: KEYS[2i-1] previous and KEYS[2i] current
# window; ARGV[3i-2] expiry (s), ARGV[3i-1] amount, ARGV[3i] limit (0: unconditional).
BATCH_SCRIPT = """
local out = {}
for i = 1, #KEYS / 2 do
    local previous, current = KEYS[2 * i - 1], KEYS[2 * i]
    local expiry = tonumber(ARGV[3 * i - 2]) * 1000
    local amount = tonumber(ARGV[3 * i - 1])
    local limit = tonumber(ARGV[3 * i])
    local current_ttl = tonumber(redis.call('pttl', current))
    if current_ttl > 0 and current_ttl < expiry then
        redis.call('rename', current, previous)
        redis.call('set', current, 0, 'PX', current_ttl + expiry)
    end
    local previous_count = tonumber(redis.call('get', previous)) or 0
    local previous_ttl = math.max(tonumber(redis.call('pttl', previous)), 0)
    local current_count = tonumber(redis.call('get', current)) or 0
    local weighted = math.floor(previous_count * previous_ttl / expiry) + current_count
    local acquired = 0
    if limit == 0 or weighted + amount <= limit then
        acquired = 1
        if amount > 0 then
            if redis.call('exists', current) == 1 then
                redis.call('incrby', current, amount)
            else
                redis.call('set', current, amount, 'PX', expiry * 2)
            end
            current_count = current_count + amount
        end
    end
    current_ttl = math.max(tonumber(redis.call('pttl', current)), 0)
    table.insert(out, acquired)
    table.insert(out, previous_count)
    table.insert(out, previous_ttl)
    table.insert(out, current_count)
    table.insert(out, current_ttl)
end
return out
"""


@dataclass
class _Window:
    """One key's sliding window as Redis reported it at `taken` (local clock), plus this
    process's units not yet written."""

    expiry: float
    previous_count: int = 0
    previous_ttl: float = 0.0  # seconds
    current_count: int = 0
    current_ttl: float = 0.0
    taken: float = -math.inf
    pending: int = 0
    writing: int = 0  # units on their way to Redis: counted until the snapshot has them

    def count(self, now: float) -> float:
        """The window's weighted count now, as far as Redis has told us (never above the
        truth: time only lowers it, and other processes only raise it)."""
        elapsed = now - self.taken
        current_ttl = self.current_ttl - elapsed
        if current_ttl <= 0:
            return 0.0
        if current_ttl < self.expiry:  # the current window has become the previous one
            return self.current_count * current_ttl / self.expiry
        previous_ttl = max(0.0, self.previous_ttl - elapsed)
        return self.previous_count * previous_ttl / self.expiry + self.current_count

    def reset_in(self, now: float) -> float:
        """Seconds until one unit of the window frees (the library's get_window_stats)."""
        elapsed = now - self.taken
        previous_ttl = max(0.0, self.previous_ttl - elapsed)
        current_ttl = max(0.0, self.current_ttl - elapsed)
        waits = []
        if self.previous_count and previous_ttl:
            waits.append(previous_ttl % (self.expiry / self.previous_count))
        if self.current_count and current_ttl:
            waits.append(current_ttl % self.expiry)
        return min(waits) if waits else 1.0  # nothing counted: the cost exceeds the budget

    def update(self, reply: Sequence[int], taken: float) -> None:
        self.previous_count, self.current_count = int(reply[1]), int(reply[3])
        self.previous_ttl, self.current_ttl = reply[2] / 1000, reply[4] / 1000
        self.taken = taken


class SharedBudgets:
    """Budgets counted in one Redis by every process, mostly decided without asking it.

    `spend` raises the Redis client's errors (RedisError, OSError); so does `flush`. The
    background writer reports its errors to `on_error` and keeps the units for later."""

    def __init__(self, storage: RedisStorage, on_error: Callable[[Exception], None],
                 clock: Callable[[], float] = time.monotonic,
                 sync_seconds: float = SYNC_SECONDS) -> None:
        self._storage = storage
        self._script = storage.get_connection().register_script(BATCH_SCRIPT)
        self._on_error = on_error
        self._clock = clock
        self._sync_seconds = sync_seconds
        self._windows: dict[str, _Window] = {}
        self._lock = threading.Lock()
        self._writer_pid = 0  # the process whose writer thread runs (none after a fork)

    def spend(self, item: limits.RateLimitItem, key: str, cost: int) -> float:
        """Takes `cost` units of `key`'s budget: 0 when allowed, else seconds to wait."""
        name, limit = item.key_for(key), item.amount
        now = self._clock()
        with self._lock:
            window = self._windows.get(name)
            if window is None:
                window = self._windows[name] = _Window(float(item.get_expiry()))
            used = window.count(now) + window.pending + window.writing
            if used + cost > limit:
                return window.reset_in(now)  # the truth is at least `used`
            known = window.taken > -math.inf  # a client new to this process: ask Redis
            if known and used + cost <= limit * RESERVE and window.pending + cost <= limit * SLACK:
                window.pending += cost
                if self._writer_pid != os.getpid():
                    self._start_writer()
                return 0.0
            pending, window.pending = window.pending, 0
            window.writing += pending
        try:  # one round trip: write what was admitted here, then check this request
            reply = self._run([(name, window.expiry, pending, 0),
                               (name, window.expiry, cost, limit)])
        except Exception:
            with self._lock:
                window.writing -= pending
                window.pending += pending
            raise
        taken = self._clock()
        with self._lock:
            window.writing -= pending
            window.update(reply[5:], taken)
            return 0.0 if reply[5] else window.reset_in(taken)

    def flush(self) -> None:
        """Writes every key's pending units to Redis and refreshes their snapshots."""
        with self._lock:
            batch = [(name, window.expiry, window.pending, 0)
                     for name, window in self._windows.items() if window.pending]
            for name, _, pending, _ in batch:
                self._windows[name].pending = 0
                self._windows[name].writing += pending
        if not batch:
            return
        try:
            reply = self._run(batch)
        except Exception:
            with self._lock:
                for name, expiry, pending, _ in batch:
                    window = self._windows.setdefault(name, _Window(expiry))
                    window.writing -= pending
                    window.pending += pending
            raise
        taken = self._clock()
        with self._lock:
            for i, (name, expiry, pending, _) in enumerate(batch):
                window = self._windows.setdefault(name, _Window(expiry))
                window.writing -= pending
                window.update(reply[5 * i:5 * i + 5], taken)
            self._forget_expired(taken)

    def _forget_expired(self, now: float) -> None:
        """Drops windows that are over and have nothing pending (bounded memory)."""
        if len(self._windows) < 1024:
            return
        for name in [name for name, window in self._windows.items()
                     if not (window.pending or window.writing)
                     and now - window.taken > window.current_ttl]:
            del self._windows[name]

    def _run(self, entries: Sequence[tuple[str, float, int, int]]) -> list[int]:
        keys: list[str] = []
        args: list[int | float] = []
        storage = self._storage
        for name, expiry, amount, limit in entries:
            keys += [storage.prefixed_key(storage._previous_window_key(name)),
                     storage.prefixed_key(storage._current_window_key(name))]
            args += [int(expiry), amount, limit]
        return [int(value) for value in self._script(keys, args)]

    def _start_writer(self) -> None:
        # Called under the lock; once per process (a forked worker starts its own).
        self._writer_pid = os.getpid()
        threading.Thread(target=self._write_forever, name="elicence-budgets",
                         daemon=True).start()

    def _write_forever(self) -> None:
        while True:
            time.sleep(self._sync_seconds)
            try:
                self.flush()
            except Exception as exc:  # Redis away: the units wait, and so does the writer
                self._on_error(exc)
                time.sleep(RETRY_SECONDS)
