"""The detectors' rules, as pure functions over what the monitor observed (no I/O): which
verifications count as failures, forgeries or key trouble, and when two sightings of one
licence are too far apart for the time between them.

Reason codes come from verifier.reasons; a failure is a verification that is `invalid` or
`unreadable` (revoked, suspended, expired and unknown answers are the system working).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from licence.vocabulary import Verdict

from .settings import AlertSettings
from .store import Sighting


class AlertKind(StrEnum):
    CLONED_LICENCE = "cloned_licence"
    REPLAYED_CODE = "replayed_code"
    FAILURE_BURST = "failure_burst"
    STATUS_ENUMERATION = "status_enumeration"
    AUTHORITY_KEY_TROUBLE = "authority_key_trouble"


FAILED_VERDICTS = frozenset({Verdict.INVALID, Verdict.UNREADABLE})

# Failures that mean the code was made or altered by someone other than its authority.
FORGERY_REASONS = frozenset({
    "signature_invalid", "proof_invalid", "claims_proof_invalid", "leaf_index_out_of_range",
    "root_not_anchored", "root_anchored_by_other_authority", "device_signature_invalid",
    "device_key_mismatch"})

# Failures that, many at once for one authority, point at its keys (a lost or rotated key,
# a key marked compromised, a registration gone wrong) rather than at one bad code.
KEY_TROUBLE_REASONS = frozenset({
    "signature_invalid", "key_unknown", "key_not_indexed", "key_invalid", "key_not_yet_valid",
    "key_expired", "key_compromised"})

EARTH_RADIUS_KM = 6371.0


def distance_km(a: Sighting, b: Sighting) -> float:
    """Great-circle (haversine) distance between two sightings with coordinates."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude,  # type: ignore[arg-type]
                                                b.latitude, b.longitude))
    h = math.sin((lat2 - lat1) / 2) ** 2 + \
        math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class ImpossibleTravel:
    first: Sighting
    second: Sighting
    seconds: int
    distance_km: float | None  # None: judged by province (counters without coordinates)

    def evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ref": self.first.ref, "seconds_between": self.seconds,
            "sightings": [_place(self.first), _place(self.second)]}
        if self.distance_km is not None:
            out["distance_km"] = round(self.distance_km, 1)
            out["speed_kmh"] = None if self.seconds == 0 else \
                round(self.distance_km * 3600 / self.seconds, 1)
        return out


def impossible_travel(a: Sighting, b: Sighting, settings: AlertSettings
                      ) -> ImpossibleTravel | None:
    """Whether one licence verified at `a` and `b` cannot have travelled between them."""
    if a.counter == b.counter:
        return None
    first, second = (a, b) if (a.time, a.counter) <= (b.time, b.counter) else (b, a)
    seconds = second.time - first.time
    if first.latitude is not None and first.longitude is not None and \
            second.latitude is not None and second.longitude is not None:
        km = distance_km(first, second)
        if km >= settings.clone_min_distance_km and \
                km > settings.clone_max_speed_kmh * seconds / 3600:
            return ImpossibleTravel(first, second, seconds, km)
        return None
    # Without coordinates only provinces can be told apart, with a coarser time bound.
    if first.region and second.region and first.region[:2] != second.region[:2] and \
            seconds < settings.clone_region_travel:
        return ImpossibleTravel(first, second, seconds, None)
    return None


def reason_counts(reasons: Mapping[str, int]) -> dict[str, int]:
    """Reason codes by count, for evidence (at most ten, most frequent first)."""
    return dict(sorted(reasons.items(), key=lambda item: (-item[1], item[0]))[:10])


def _place(s: Sighting) -> dict[str, Any]:
    place: dict[str, Any] = {"counter": s.counter, "time": s.time, "region": s.region}
    if s.latitude is not None:
        place["latitude"], place["longitude"] = s.latitude, s.longitude
    return place
