"""Who and where each counter of an installation is: its display names (on the holder's
usage records) and its place (for the cloned-licence detector).

The installation's own counter comes from ELICENCE_COUNTER_ID / _NAME_ZH / _NAME_EN and
ELICENCE_COUNTER_REGION / _LATITUDE / _LONGITUDE (or the same names in config.json). The
counters that prove their id with a counter token (elicence.limits_counters) are described
in config.json's "counters" table (docs/decisions/0288-records-name-the-requesting-counter.md):

    "counters": {"tax-3": {"name_zh": "税务窗口", "name_en": "Tax window",
                           "region": "330106", "latitude": 30.27, "longitude": 120.15}}

Every key is optional. A counter without an entry, or a name an entry leaves out, takes the
installation's value: desks of one hall share its names and place unless told otherwise.
The place is taken whole: an entry giving a region or coordinates inherits neither (a
desk in another city must not keep the hall's coordinates under its own region).
What a counter accepts is a separate fact, in "counter_policies" (verifier.counter_policy).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from chain.config import ConfigError

from .alerts.settings import CounterPlace, place_of
from .counter_id import counter_entries
from .receipts import Counter

TABLE = "counters"  # the config.json key
NAMES = ("name_zh", "name_en")
PLACE = ("region", "latitude", "longitude")
SETTINGS = (*NAMES, *PLACE)
MAX_NAME_CHARS = 64  # shown on a phone's history list


@dataclass(frozen=True)
class CounterProfile:
    """A counter's names and place; both carry its id."""

    counter: Counter
    place: CounterPlace

    @property
    def id(self) -> str:
        return self.counter.id


@dataclass
class CounterProfiles:
    """The installation's counter and the table's, by the id a counter token proved."""

    installation: CounterProfile
    counters: dict[str, CounterProfile] = field(default_factory=dict)

    def of(self, counter_id: str | None) -> CounterProfile:
        """One dict lookup for a known id. A token's counter without an entry gets the
        installation's names and place under its own id (made once: only ids a valid token
        proved reach here, so the table stays as small as the operator's token list)."""
        if counter_id is None:
            return self.installation
        found = self.counters.get(counter_id)
        if found is None:
            found = self.counters[counter_id] = _inherit(counter_id, self.installation, {})
        return found


def counter_profiles(table: Any, installation: CounterProfile) -> dict[str, CounterProfile]:
    """config.json's "counters", each entry over the installation's counter. Raises
    ConfigError with one sentence for the first mistake."""
    profiles = {}
    for counter_id, entry, where in counter_entries(
            table, TABLE, SETTINGS, 'their names and places, e.g. {"tax-3": {"name_en": '
            '"Tax window", "region": "330106"}}', "counter setting",
            " (what it accepts goes in counter_policies)"):
        for key in NAMES:
            name = entry.get(key)
            if key in entry and not (isinstance(name, str) and
                                     0 < len(name.strip()) <= MAX_NAME_CHARS):
                raise ConfigError(f"{where}{key} must be text of 1 to {MAX_NAME_CHARS} "
                                  f"characters, not {name!r}.")
        if ("latitude" in entry) != ("longitude" in entry):
            raise ConfigError(f"{where}latitude and {where}longitude go together: set both "
                              "or neither.")
        profiles[counter_id] = _inherit(counter_id, installation, entry, where)
    return profiles


def _inherit(counter_id: str, installation: CounterProfile, entry: Mapping[str, Any],
             where: str = "") -> CounterProfile:
    home = installation.counter
    names = Counter(counter_id, str(entry.get("name_zh", home.name_zh)).strip(),
                    str(entry.get("name_en", home.name_en)).strip())
    if any(key in entry for key in PLACE):  # a place is one fact: never half inherited
        place = place_of(counter_id, entry.get("region"), entry.get("latitude"),
                         entry.get("longitude"), where=where)
    else:
        here = installation.place
        place = CounterPlace(counter_id, here.region, here.latitude, here.longitude)
    return CounterProfile(names, place)
