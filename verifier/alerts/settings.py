"""What an installation configures for alerts: where its counter is, the detectors'
thresholds, the webhook and the operator token.

Each value comes from an ELICENCE_* environment variable or the same name in config.json
(`counter_region`, `alert_client_failures`, ...), as the verifier's other settings do
(verifier.web.service.WebConfig). A value that cannot be used is a ConfigError naming it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, fields
from urllib.parse import urlsplit

from chain.config import ConfigError

MIN_TOKEN_CHARS = 24  # an operator token is a random secret, not a password to remember

Lookup = Callable[[str], "str | None"]


@dataclass(frozen=True)
class CounterPlace:
    """Where a counter stands: a region code (2, 4 or 6 digits, as in licences, 0130) and,
    when known, its coordinates in degrees. Carried with each sighting, so a replica only
    needs to know its own counter's place."""

    counter_id: str
    region: str | None = None
    latitude: float | None = None
    longitude: float | None = None

    @property
    def province(self) -> str | None:
        return None if self.region is None else self.region[:2]

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None


@dataclass(frozen=True)
class AlertSettings:
    """Detector thresholds (counts and seconds). Defaults suit one busy counter; raise them
    for a replica serving many counters behind one address."""

    # Cloned licence: seen at two counters further apart than this speed allows.
    clone_max_speed_kmh: float = 900.0  # a scheduled flight, door to door, is slower
    clone_min_distance_km: float = 50.0  # closer counters: neighbours, never an alert
    clone_window: int = 6 * 3600  # how long a sighting is kept to compare against
    # Counters without coordinates in different provinces: closer in time than this.
    clone_region_travel: int = 3600
    # Bursts: counted over the last `burst_window` seconds.
    burst_window: int = 300
    client_failures: int = 30  # failed verifications from one client address
    counter_failures: int = 100  # failed verifications at one counter
    client_lookups: int = 120  # distinct status references looked up by one client
    # Key trouble: at least this many of an authority's verifications failing on its
    # signature or key, making at least this share of all its verifications.
    key_trouble_failures: int = 20
    key_trouble_ratio: float = 0.5
    key_trouble_clients: int = 3  # ... from at least this many client addresses
    # The same alert (kind and subject) is raised again only after this long.
    repeat_after: int = 3600
    # Observations are written to the shared store at most this often per process.
    flush_interval: int = 2
    webhook_url: str | None = None
    webhook_timeout: float = 3.0

    @classmethod
    def from_lookup(cls, lookup: Lookup) -> AlertSettings:
        """`lookup("alert_client_failures")` → the configured text or None."""
        values: dict[str, object] = {}
        for f in fields(cls):
            name = f"alert_{f.name}"
            given = lookup(name)
            if given is None or given == "":
                continue
            values[f.name] = _parse(name, given, f.default)
        settings = cls(**values)  # type: ignore[arg-type]
        if settings.webhook_url is not None:
            _check_url(settings.webhook_url)
        return settings


def counter_place(counter_id: str, lookup: Lookup) -> CounterPlace:
    """The installation's own counter's place (ELICENCE_COUNTER_REGION / _LATITUDE /
    _LONGITUDE or config.json's counter_region, ...)."""
    return place_of(counter_id, lookup("counter_region"), lookup("counter_latitude"),
                    lookup("counter_longitude"), where="ELICENCE_COUNTER_")


def place_of(counter_id: str, region: object, latitude: object, longitude: object, *,
             where: str) -> CounterPlace:
    """A counter's place from its configured values; ConfigError names the first mistake.
    `where` prefixes the setting's name in messages: ELICENCE_COUNTER_ (environment, upper
    case) or counters.tax-3. (config.json's table, as written)."""
    def name(setting: str) -> str:
        return f"{where}{setting.upper()}" if where.startswith("ELICENCE_") \
            else f"{where}{setting}"

    text = "" if region is None else str(region).strip()
    if text and (len(text) not in (2, 4, 6) or not text.isdigit()):
        raise ConfigError(f"{name('region')} must be a region code of 2, 4 or 6 digits "
                          f"(such as 310115), not {region!r}.")
    if latitude in (None, "") and longitude in (None, ""):
        return CounterPlace(counter_id, text or None)
    return CounterPlace(counter_id, text or None,
                        _degrees(name("latitude"), latitude, 90),
                        _degrees(name("longitude"), longitude, 180))


def operator_token(lookup: Lookup) -> str | None:
    token = (lookup("operator_token") or "").strip() or None
    if token is not None and len(token) < MIN_TOKEN_CHARS:
        raise ConfigError(f"ELICENCE_OPERATOR_TOKEN must be at least {MIN_TOKEN_CHARS} "
                          "characters: make one with `openssl rand -hex 32`.")
    return token


def _parse(name: str, given: str, default: object) -> object:
    variable = f"ELICENCE_{name.upper()}"
    if default is None or isinstance(default, str):  # the webhook address
        return given.strip()
    try:
        number = float(given) if isinstance(default, float) else int(given)
    except ValueError:
        number = -1
    if not number > 0 or not math.isfinite(number):
        raise ConfigError(f"{variable} must be a positive number, not {given!r}.")
    if name == "alert_key_trouble_ratio" and number > 1:
        raise ConfigError(f"{variable} is a share between 0 and 1, not {given!r}.")
    return number


def _degrees(variable: str, given: object, limit: int) -> float:
    try:  # a number in config.json, text in the environment; never a boolean
        value = math.inf if isinstance(given, bool) else float(given)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        value = math.inf
    if not -limit <= value <= limit:
        raise ConfigError(f"{variable} must be given in degrees between -{limit} and {limit} "
                          "(set both latitude and longitude, or neither).")
    return value


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"ELICENCE_ALERT_WEBHOOK_URL must be an http:// or https:// address, "
                          f"not {url!r}.")
