"""What one counter accepts: licence types, and issuing authorities or regions.

A counter of a Zhejiang tax office may take only business licences, or only licences of
Zhejiang's own authorities; by default it takes every licence type from every authority
the council accredited (cross-province recognition, 跨省通办). A genuine licence outside
the policy is `not_accepted` — never `invalid`: the holder did nothing wrong, the counter
just does not deal in that kind of licence (docs/decisions/0180-counter-policy.md).

The setting, per installation (one installation serves one counter id), in config.json
or the environment:

    ELICENCE_ACCEPT_TYPES         driving,business        (licence type names)
    ELICENCE_ACCEPT_AUTHORITIES   CN-31-DMV,CN-33-AMR     (authority ids)
    ELICENCE_ACCEPT_REGIONS       33,3101                 (region code prefixes)

Empty or unset: no restriction. Authorities and regions together accept a licence that
matches either (an authority listed by name, or a licence issued within a region).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from chain.config import ConfigError
from licence.regions import is_region, within
from licence.schema import SCHEMA_NAMES


@dataclass(frozen=True)
class CounterPolicy:
    """None for a dimension means "any"."""

    licence_types: frozenset[str] | None = None  # schema names ("driving", "business")
    authorities: frozenset[str] | None = None  # authority ids ("CN-31-DMV")
    regions: frozenset[str] | None = None  # region prefixes of the licence ("33", "3101")

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
                "authorities": listed(self.authorities), "regions": listed(self.regions)}

    @classmethod
    def parse(cls, types: str | Iterable[str] | None = None,
              authorities: str | Iterable[str] | None = None,
              regions: str | Iterable[str] | None = None) -> CounterPolicy:
        """From comma-separated text or lists; ConfigError names the first bad value."""
        names = _items(types)
        for name in names or ():
            if name not in SCHEMA_NAMES:
                raise ConfigError(f"ELICENCE_ACCEPT_TYPES: {name!r} is not a licence type; "
                                  f"use one or more of {', '.join(SCHEMA_NAMES)}.")
        prefixes = _items(regions)
        for region in prefixes or ():
            if not is_region(region):
                raise ConfigError(f"ELICENCE_ACCEPT_REGIONS: {region!r} is not a region code "
                                  "prefix; use 2, 4 or 6 digits such as 33 or 3301.")
        return cls(names, _items(authorities), prefixes)

    @classmethod
    def from_settings(cls, extra: Mapping[str, Any], env: Mapping[str, str]) -> CounterPolicy:
        def given(name: str) -> Any:
            return env.get(f"ELICENCE_{name.upper()}") or extra.get(name)

        return cls.parse(given("accept_types"), given("accept_authorities"),
                         given("accept_regions"))


def _items(value: str | Iterable[str] | None) -> frozenset[str] | None:
    if value is None:
        return None
    parts = value.split(",") if isinstance(value, str) else [str(v) for v in value]
    items = frozenset(p.strip() for p in parts if p.strip())
    return items or None
