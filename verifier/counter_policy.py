"""What one counter accepts: licence types, and issuing authorities or regions; and whether
it requires live codes to answer its challenge.

A counter of a Zhejiang tax office may take only business licences, or only licences of
Zhejiang's own authorities; by default it takes every licence type from every authority
the council accredited (cross-province recognition, 跨省通办). A genuine licence outside
the policy is `not_accepted` — never `invalid`: the holder did nothing wrong, the counter
just does not deal in that kind of licence (docs/decisions/0180-counter-policy.md).

The installation's policy, in config.json or the environment:

    ELICENCE_ACCEPT_TYPES         driving,business        (licence type names)
    ELICENCE_ACCEPT_AUTHORITIES   CN-31-DMV,CN-33-AMR     (authority ids)
    ELICENCE_ACCEPT_REGIONS       33,3101                 (region code prefixes)
    ELICENCE_CHALLENGE            required | preferred | off

Empty or unset: no restriction. Authorities and regions together accept a licence that
matches either (an authority listed by name, or a licence issued within a region).

Counters within one installation (each proving its id with a counter token,
elicence.limits_counters) may have policies of their own, in config.json only
(docs/decisions/0285-per-counter-policies.md):

    "counter_policies": {"tax-3": {"accept_types": ["business"], "challenge": "required"}}

A key an entry leaves out keeps the installation's value; an empty list means "any".
A counter id without an entry, and every request without a valid token, gets the
installation's policy.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from chain.config import ConfigError
from licence.regions import is_region, within
from licence.schema import SCHEMA_NAMES

from .challenges import ChallengePolicy
from .counter_id import counter_entries

SETTINGS = ("accept_types", "accept_authorities", "accept_regions", "challenge")
TABLE = "counter_policies"  # the config.json key of the per-counter table


@dataclass(frozen=True)
class CounterPolicy:
    """None for a dimension means "any"."""

    licence_types: frozenset[str] | None = None  # schema names ("driving", "business")
    authorities: frozenset[str] | None = None  # authority ids ("CN-31-DMV")
    regions: frozenset[str] | None = None  # region prefixes of the licence ("33", "3101")
    challenge: ChallengePolicy = ChallengePolicy.PREFERRED
    # Whose policy this is, for the reason a refusal gives: a counter of the installation's
    # table; None for the installation's own.
    counter: str | None = None

    @property
    def accepts_everything(self) -> bool:
        return self.licence_types is None and self.authorities is None and self.regions is None

    def refusal(self, licence_type: str, authority_id: str | None, region: str
                ) -> str | None:
        """The reason code why a genuine licence is outside this policy (None: accepted)."""
        if self.licence_types is not None and licence_type not in self.licence_types:
            return "licence_type_not_accepted"
        if self.authorities is None and self.regions is None:
            return None
        if self.authorities is not None and authority_id in self.authorities:
            return None
        if self.regions is not None and any(within(region, r) for r in self.regions):
            return None
        return "issuer_not_accepted"

    def to_json(self) -> dict[str, Any]:
        def listed(values: frozenset[str] | None) -> list[str] | None:
            return None if values is None else sorted(values)

        return {"licence_types": listed(self.licence_types),
                "authorities": listed(self.authorities), "regions": listed(self.regions),
                "challenge": str(self.challenge), "counter": self.counter}

    @classmethod
    def parse(cls, types: str | Iterable[str] | None = None,
              authorities: str | Iterable[str] | None = None,
              regions: str | Iterable[str] | None = None, *,
              challenge: ChallengePolicy = ChallengePolicy.PREFERRED,
              where: str = "ELICENCE_") -> CounterPolicy:
        """From comma-separated text or lists; ConfigError names the first bad value.
        `where`: how the messages name the setting (ELICENCE_ACCEPT_TYPES, or
        counter_policies.tax-3.accept_types)."""
        return cls(_types(types, where), _items(authorities), _regions(regions, where),
                   challenge)

    @classmethod
    def from_settings(cls, extra: Mapping[str, Any], env: Mapping[str, str]) -> CounterPolicy:
        """The installation's policy: ELICENCE_* variables first, then config.json."""
        def given(name: str) -> Any:
            return env.get(f"ELICENCE_{name.upper()}") or extra.get(name)

        challenge = parse_challenge(given("challenge") or ChallengePolicy.PREFERRED)
        return cls.parse(given("accept_types"), given("accept_authorities"),
                         given("accept_regions"), challenge=challenge)


@dataclass(frozen=True)
class CounterPolicies:
    """The installation's policy and its counters' own, by counter id."""

    installation: CounterPolicy = field(default_factory=CounterPolicy)
    counters: Mapping[str, CounterPolicy] = field(default_factory=dict)

    def of(self, counter_id: str | None) -> CounterPolicy:
        """The policy of an authenticated counter (None: no valid counter token)."""
        if counter_id is None:
            return self.installation
        return self.counters.get(counter_id, self.installation)

    @classmethod
    def from_settings(cls, extra: Mapping[str, Any], env: Mapping[str, str]
                      ) -> CounterPolicies:
        """Raises ConfigError with one sentence for the first mistake found."""
        installation = CounterPolicy.from_settings(extra, env)
        return cls(installation, counter_table(extra.get(TABLE), installation))


def counter_table(table: Any, installation: CounterPolicy) -> dict[str, CounterPolicy]:
    """config.json's "counter_policies", each entry over the installation's policy."""
    counters = {}
    for counter_id, entry, where in counter_entries(
            table, TABLE, SETTINGS, 'policies, e.g. {"tax-3": {"accept_types": ["business"]}}',
            "counter policy setting"):
        for key in SETTINGS[:3]:
            value = entry.get(key)
            if not (value is None or isinstance(value, str) or (
                    isinstance(value, list) and all(isinstance(v, str) for v in value))):
                raise ConfigError(f"{where}{key} must be a list of text values such as "
                                  f'["33", "44"], not {value!r}.')
        changes: dict[str, Any] = {"counter": counter_id}
        if "accept_types" in entry:
            changes["licence_types"] = _types(entry["accept_types"], where)
        if "accept_authorities" in entry:
            changes["authorities"] = _items(entry["accept_authorities"])
        if "accept_regions" in entry:
            changes["regions"] = _regions(entry["accept_regions"], where)
        if "challenge" in entry:
            changes["challenge"] = parse_challenge(entry["challenge"], where)
        counters[counter_id] = dataclasses.replace(installation, **changes)
    return counters


def parse_challenge(value: object, where: str = "ELICENCE_") -> ChallengePolicy:
    text = str(value).strip().lower()
    if text not in set(ChallengePolicy):
        raise ConfigError(f"{_name(where, 'challenge')} must be required, preferred or off, "
                          f"not {value!r}.")
    return ChallengePolicy(text)


def _types(value: str | Iterable[str] | None, where: str) -> frozenset[str] | None:
    names = _items(value)
    for name in names or ():
        if name not in SCHEMA_NAMES:
            raise ConfigError(f"{_name(where, 'accept_types')}: {name!r} is not a licence "
                              f"type; use one or more of {', '.join(SCHEMA_NAMES)}.")
    return names


def _regions(value: str | Iterable[str] | None, where: str) -> frozenset[str] | None:
    prefixes = _items(value)
    for region in prefixes or ():
        if not is_region(region):
            raise ConfigError(f"{_name(where, 'accept_regions')}: {region!r} is not a region "
                              "code prefix; use 2, 4 or 6 digits such as 33 or 3301.")
    return prefixes


def _name(where: str, setting: str) -> str:
    # Environment variables are upper case; config.json's table keys are as written.
    return f"{where}{setting.upper()}" if where == "ELICENCE_" else f"{where}{setting}"


def _items(value: str | Iterable[str] | None) -> frozenset[str] | None:
    if value is None:
        return None
    parts = value.split(",") if isinstance(value, str) else [str(v) for v in value]
    items = frozenset(p.strip() for p in parts if p.strip())
    return items or None
