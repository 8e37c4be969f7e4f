"""Which region each licence belongs to and which scope region its batch is declared under
(docs/decisions/0131-issuing-by-scope-region.md).

A licence's region is read from its credit code (business licences) or is the authority's
own (its widest scope for the type). Its batch is declared under the widest of the
authority's scopes containing it; rows no scope contains are rejected before signing, with
a row error naming the field, not its value.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from issuer.issue.rows import Row, RowProblem
from licence import Schema
from licence.regions import is_region, widest_scope


@dataclass(frozen=True)
class Scopes:
    """The authority's scope regions for one licence type, as held on chain at issue.

    Every row of an issuance asks for its regions: the answers are kept (an authority has
    a handful of scopes, its licences a few thousand regions at most)."""

    regions: tuple[str, ...]
    _batch_regions: dict[str, str | None] = field(default_factory=dict, init=False,
                                                  repr=False, compare=False)

    @cached_property
    def authority_region(self) -> str:
        """The region of licences whose type has no region claim: the widest scope."""
        return min(self.regions, key=lambda r: (len(r), r)) if self.regions else ""

    def licence_region(self, schema: Schema, claims: Mapping[str, Any]) -> str:
        own = schema.region_of(claims)
        return self.authority_region if own is None else own

    def batch_region(self, region: str) -> str | None:
        try:
            return self._batch_regions[region]
        except KeyError:
            found = self._batch_regions[region] = widest_scope(region, self.regions)
            return found

    def problem(self, schema: Schema, row: int, region: str) -> RowProblem | None:
        """A row error when no scope contains `region`; None when one does."""
        if self.batch_region(region) is not None:
            return None
        field = schema.region_from or "-"
        where = ", ".join(self.regions) or "none"
        return RowProblem(row, field, "out_of_scope",
                          f"{field}: characters 3 to 8 name a region outside this "
                          "authority's scope on chain." if schema.region_from else
                          "The authority holds no scope on chain for this licence type.",
                          f"a region within the authority's scope ({where})")

    def raw_batch_region(self, schema: Schema, row: Row) -> str:
        """The batch region a row goes to, read from its raw value before validation (a row
        whose value is unreadable goes to the widest scope; validation rejects it there)."""
        region = self.authority_region
        if schema.region_from is not None:
            raw = row.values.get(schema.region_from)
            own = raw.strip().upper()[2:8] if isinstance(raw, str) else ""
            if is_region(own):
                region = own
        return self.batch_region(region) or self.authority_region


def chunks_by_region(rows: Iterable[Row], size: int,
                     region_of: Any) -> Iterator[tuple[str, list[Row]]]:
    """Rows grouped into chunks of at most `size` sharing one batch region, in a fixed order
    for a given input (a resumed job rebuilds the same chunks): a chunk is released when
    full, the partly filled ones at the end in region order."""
    open_chunks: dict[str, list[Row]] = {}
    for row in rows:
        region = region_of(row)
        chunk = open_chunks.setdefault(region, [])
        chunk.append(row)
        if len(chunk) == size:
            yield region, chunk
            open_chunks[region] = []
    for region in sorted(open_chunks):
        if open_chunks[region]:
            yield region, open_chunks[region]
