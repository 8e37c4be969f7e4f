"""A licence's region: the GB/T 2260 administrative division code prefix it belongs to
(2, 4 or 6 digits, e.g. "32" Jiangsu, "3201" Nanjing, "320102" Xuanwu district).

Business licences take it from characters 3-8 of the credit code; other types from the
issuing authority's scope. A licence's region must lie within the region of the scope its
batch was anchored under (a prefix; "" = nationwide covers everything). See
docs/decisions/0130-region-in-the-leaf.md.
"""

from __future__ import annotations

from collections.abc import Iterable


def is_region(value: object) -> bool:
    """True for the digits of a division code prefix (2, 4 or 6 ASCII digits)."""
    return (type(value) is str and len(value) in (2, 4, 6) and value.isascii()
            and value.isdigit())


def within(region: str, scope_region: str) -> bool:
    """Whether `region` lies within `scope_region` (a prefix; "" contains everything)."""
    return region.startswith(scope_region)


def widest_scope(region: str, scope_regions: Iterable[str]) -> str | None:
    """The widest of `scope_regions` containing `region` (None if none does): the region a
    batch holding this licence is declared under, so one batch covers the most rows."""
    containing = [s for s in scope_regions if within(region, s)]
    return min(containing, key=lambda s: (len(s), s)) if containing else None
