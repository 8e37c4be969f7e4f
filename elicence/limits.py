"""Request budgets for every endpoint of the app, priced by what a request costs us.

One WSGI layer in front of everything (the lean verify endpoint, Flask, every blueprint,
static files) takes each request's cost from its client's budget before any body is read:

- the client is the peer address, or the address an X-Forwarded-For entry names when the
  peer is a configured trusted proxy (a client cannot name itself past our own proxy);
  IPv6 clients count per /64, since one host gets a whole /64 to rotate through;
- a counter presenting its token (`Authorization: Counter <token>`, see limits_counters)
  spends its own budget, so counters behind one shared address do not starve each other;
- costs are in units of a tenth of a JSON verification: a photo to decode costs 20
  verifications, a static file a tenth of one (COSTS below);
- the engine is the `limits` library (sliding window counter), in memory per process by
  default and in Redis when ELICENCE_REDIS_URL is set, so every replica spends one budget
  (most requests decided in the process, written to Redis in batches: limits_shared).
  When Redis cannot be reached the process falls back to its own counters for a while
  rather than refusing or waving through everything (docs/decisions/0160).
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import math
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import limits
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter
from redis.exceptions import RedisError

from chain.config import ConfigError, Settings
from verifier.errors import RateLimited
from verifier.web.requester import COUNTER, REQUESTER

from .limits_body import DEFAULT_BODY_SECONDS
from .limits_counters import CounterTokens
from .limits_shared import SharedBudgets

log = logging.getLogger("elicence.limits")

REDIS_URL_VARIABLE = "ELICENCE_REDIS_URL"
DEFAULT_CLIENT_BUDGET = "600/minute"  # JSON verifications' worth per client address
DEFAULT_COUNTER_BUDGET = "3000/minute"  # per authenticated counter (a busy counter's desks)
UNITS_PER_VERIFICATION = 10
REDIS_TIMEOUT = 0.25  # seconds: a slower Redis counts as down
REDIS_RETRY_AFTER = 5.0  # seconds on local counters after Redis failed

# What a request costs, in units (UNITS_PER_VERIFICATION per JSON verification), measured
# by bench/http_load.py and bench/verify.py: a photo decode is ~20 verifications of CPU, a
# chain read holds a worker for a round trip, a claim signs and writes, a file is cheap.
IMAGE, CLAIM, CHAIN_READ, VERIFY, SIGNED, API, FILE = 200, 50, 20, 10, 10, 2, 1


def request_cost(method: str, path: str, content_type: str) -> int:
    """The units one request costs, from its method, path and content type alone."""
    if path.startswith("/api/v1/claims"):
        return CLAIM
    if path == "/wallet/api/key":
        return CHAIN_READ
    if path == "/api/v1/verify" and method == "POST":
        return IMAGE if content_type.startswith("multipart/") else VERIFY
    if path == "/api/v1/history":  # reads every status event of the licence's authority
        return IMAGE
    if path.startswith(("/api/v1/receipts/", "/api/v1/status", "/api/v1/delegations/")):
        return SIGNED
    if path.startswith("/api/") or path == "/healthz":
        return API
    return FILE


def parse_budget(text: str, name: str) -> limits.RateLimitItem | None:
    """"600/minute" (JSON verifications' worth per period) as a budget in units; "off": None."""
    if text.strip().lower() == "off":
        return None
    try:
        (item,) = limits.parse_many(text)
    except ValueError:
        item = None
    if item is None or item.amount < 1 or item.multiples < 1:
        raise ConfigError(f"The rate limit {name}={text!r} is not like \"600/minute\": give a "
                          "whole number of requests per second, minute or hour, or off.")
    return type(item)(item.amount * UNITS_PER_VERIFICATION, item.multiples)


def parse_networks(text: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """"10.0.0.1, 192.168.0.0/24, ::1" as networks; ConfigError for anything else."""
    try:
        return tuple(ipaddress.ip_network(part.strip(), strict=False)
                     for part in text.split(",") if part.strip())
    except ValueError:
        raise ConfigError(f"ELICENCE_TRUSTED_PROXIES={text!r} must list addresses or networks "
                          "of your reverse proxies, comma-separated (e.g. 127.0.0.1,"
                          "10.0.0.0/24).") from None


@dataclass(frozen=True)
class LimitConfig:
    client_budget: limits.RateLimitItem | None  # None: no limits at all
    counter_budget: limits.RateLimitItem | None
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    storage_url: str = "memory://"
    body_seconds: float = DEFAULT_BODY_SECONDS  # to receive a request body (limits_body)

    @classmethod
    def from_settings(cls, settings: Settings,
                      env: Mapping[str, str] | None = None) -> LimitConfig:
        """ELICENCE_* variables first, then config.json; ConfigError for a bad value."""
        env = os.environ if env is None else env

        def value(name: str, default: str) -> str:
            return env.get(f"ELICENCE_{name.upper()}") or str(settings.extra.get(name) or
                                                              default)

        client = parse_budget(value("rate_limit", DEFAULT_CLIENT_BUDGET), "ELICENCE_RATE_LIMIT")
        counter = parse_budget(value("counter_rate_limit", DEFAULT_COUNTER_BUDGET),
                               "ELICENCE_COUNTER_RATE_LIMIT")
        storage = value("redis_url", "memory://")
        if not storage.startswith(("memory://", "redis://", "rediss://", "unix://")):
            raise ConfigError(f"{REDIS_URL_VARIABLE} must be a redis:// or rediss:// URL, not "
                              f"{storage!r}.")
        body = value("body_timeout", str(DEFAULT_BODY_SECONDS))
        try:
            body_seconds = float(body)
        except ValueError:
            body_seconds = 0.0
        if not 0.1 <= body_seconds <= 600:
            raise ConfigError(f"ELICENCE_BODY_TIMEOUT must be the seconds a client has to send "
                              f"a request body (0.1 to 600), not {body!r}.")
        return cls(client, counter, parse_networks(value("trusted_proxies", "")), storage,
                   body_seconds)


class ClientKeys:
    """Whose budget a request spends: the peer, or the client a trusted proxy names; an
    IPv6 client as its /64. Answers are cached: parsing addresses is the slowest part of
    a budget check, and the same clients come back."""

    def __init__(self, trusted: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network]
                 ) -> None:
        self.trusted = tuple(trusted)
        self.of = functools.lru_cache(maxsize=65536)(self._key)

    def __call__(self, environ: Mapping[str, Any]) -> str:
        forwarded = environ.get("HTTP_X_FORWARDED_FOR") if self.trusted else None
        return self.of(environ.get("REMOTE_ADDR") or "", forwarded or "")

    def _key(self, remote_addr: str, forwarded: str) -> str:
        peer = _address(remote_addr)
        if peer is None:
            return "?"
        if forwarded and _within(peer, self.trusted):
            # Right to left: each proxy appends the address it saw; the first one that is
            # not ours is the client (anything further left was written by the client).
            for entry in reversed(forwarded.split(",")):
                named = _address(entry.strip())
                if named is None:
                    break  # a garbled entry: count against the last proxy we trust
                peer = named
                if not _within(named, self.trusted):
                    break
        if peer.version == 6:
            return f"{int(peer) >> 64:x}/64"
        return str(peer)


def client_key(environ: Mapping[str, Any],
               trusted: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> str:
    """ClientKeys' answer for one request (uncached)."""
    return ClientKeys(trusted)._key(environ.get("REMOTE_ADDR") or "",
                                    environ.get("HTTP_X_FORWARDED_FOR") or "")


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _within(address: ipaddress.IPv4Address | ipaddress.IPv6Address,
            networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]) -> bool:
    return any(address in network for network in networks)


class LocalStorage(MemoryStorage):
    """The library's in-memory storage, expiring old windows once a second instead of
    every 10 ms: its expiry pass walks every client's key in a thread of its own, and at
    that rate it takes the interpreter from request threads for longer the more clients
    there are (measured: 0.6 ms added per request at 1,000 clients, bench/limiter.py)."""

    EXPIRY_INTERVAL = 1.0

    def _MemoryStorage__schedule_expiry(self) -> None:  # the base class's private hook
        if not self.timer.is_alive():
            self.timer = threading.Timer(self.EXPIRY_INTERVAL,
                                         self._MemoryStorage__expire_events)  # type: ignore[attr-defined]
            self.timer.daemon = True
            self.timer.start()


class Budgets:
    """Spends request costs from shared (Redis, elicence.limits_shared) or local counters."""

    def __init__(self, storage_url: str = "memory://",
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._local = SlidingWindowCounterRateLimiter(LocalStorage())
        self._shared: SharedBudgets | None = None
        if not storage_url.startswith("memory://"):
            storage = storage_from_string(storage_url, socket_timeout=REDIS_TIMEOUT,
                                          socket_connect_timeout=REDIS_TIMEOUT)
            self._shared = SharedBudgets(storage, self._shared_failed)  # type: ignore[arg-type]
        self._clock = clock
        self._shared_down_until = 0.0

    def spend(self, item: limits.RateLimitItem, key: str, cost: int) -> float:
        """Takes `cost` units of `key`'s budget: 0 when allowed, else seconds to wait."""
        if self._shared is not None and self._clock() >= self._shared_down_until:
            try:
                return self._shared.spend(item, key, cost)
            except (RedisError, OSError) as exc:
                self._shared_failed(exc)
        if self._local.hit(item, key, cost=cost):
            return 0.0
        return max(0.0, self._local.get_window_stats(item, key).reset_time - time.time())

    def _shared_failed(self, exc: Exception) -> None:
        self._shared_down_until = self._clock() + REDIS_RETRY_AFTER
        log.error("the shared rate-limit store cannot be reached (%s): counting in this "
                  "process for %.0f s", type(exc).__name__, REDIS_RETRY_AFTER)


ErrorRenderer = Callable[[BaseException], tuple[int, dict[str, Any], list[tuple[str, str]]]]


class RequestLimits:
    """WSGI middleware: every request pays its cost before the app sees it."""

    def __init__(self, app: Callable[..., Any], config: LimitConfig,
                 counters: CounterTokens, render_error: ErrorRenderer,
                 budgets: Budgets | None = None) -> None:
        self.app = app
        self.config = config
        self.counters = counters
        self.render_error = render_error
        self.budgets = budgets or Budgets(config.storage_url)
        self.client_key = ClientKeys(config.trusted_proxies)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        try:
            self._spend(environ)
        except Exception as exc:  # refused (or a bad counter token): answered as errors are
            from .web_errors import json_error_response

            return json_error_response(self.render_error(exc), start_response)
        return self.app(environ, start_response)

    def _spend(self, environ: dict[str, Any]) -> None:
        config = self.config
        counter = self.counters.from_header(environ.get("HTTP_AUTHORIZATION"))
        address = self.client_key(environ)
        # Who asked, for the alert detectors (verifier.web.requester): the counter if any.
        environ[REQUESTER] = address if counter is None else "counter:" + counter
        if counter is not None:  # whose policy the verifier applies (verifier.counter_policy)
            environ[COUNTER] = counter
        if config.client_budget is None:
            return
        if counter is not None and config.counter_budget is not None:
            item, key = config.counter_budget, "counter:" + counter
        else:
            item, key = config.client_budget, address
        cost = request_cost(environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", ""),
                            environ.get("CONTENT_TYPE", ""))
        wait = self.budgets.spend(item, key, cost)
        if wait:
            raise RateLimited(max(1, math.ceil(wait)))
