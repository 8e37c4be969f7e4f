"""The verifier: runs the check pipeline over scanned text against the local index.

    verifier = Verifier(LicenceIndex(settings.index_path), refresh=sync_hook)
    result = verifier.verify(qr_text, now=int(time.time()))
    result.verdict            # valid | revoked | suspended | expired | invalid | unknown
                              # | unreadable
    to_json(result)           # the API document

A verification makes no RPC call: every chain fact comes from the index. When the index
is older than the policy's maximum staleness, the optional `refresh` hook (typically an
indexer sync) is called first, at most once per `refresh_interval` seconds; if it fails,
verification goes on from the index as it is and its age decides `unknown`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from chain.index import IndexState, LicenceIndex
from chain.status import IndexFreshness
from licence import load_schema

from .audit import VerificationLog
from .checks import Check
from .context import Context, Policy
from .delegations import agent_document
from .index_view import IndexView
from .pipeline import Pipeline
from .result import FAIL, PASS, AsOf, Verification, verdict_of, warnings_of

log = logging.getLogger("elicence.verifier")


class Verifier:
    def __init__(self, index: LicenceIndex | None, *, checks: Sequence[Check] | None = None,
                 policy: Policy | None = None, refresh: Callable[[], object] | None = None,
                 refresh_interval: int = 30, log: VerificationLog | None = None) -> None:
        self.view = IndexView(index)
        self.pipeline = Pipeline(checks)
        self.policy = policy or Policy()
        self.refresh = refresh
        self.refresh_interval = refresh_interval
        self.log = log
        self._last_refresh: int | None = None
        self._state_read_for: int | None = None
        # The state read for that second and the policy's freshness answer for it.
        self._judged: tuple[IndexState | None, IndexFreshness | None] = (None, None)

    def verify(self, text: object, *, now: int, challenge: bytes | None = None) -> Verification:
        """Verifies ELC1/ELP1 text at unix time `now`; never raises on bad input."""
        self._read_state(now)
        state, freshness = self._judged
        ctx = Context(text, now, self.view, policy=self.policy, challenge=challenge,
                      state=state, freshness=freshness)
        results = self.pipeline.run(ctx)
        verification = summarise(ctx, results)
        if self.log is not None:
            licence = ctx.licence if ctx.readable else None
            self.log.record(verification, now=now,
                            authority=None if licence is None else licence.header.authority,
                            status_ref=None if licence is None else licence.status_ref)
        return verification

    def _read_state(self, now: int) -> None:
        # Once per second of `now` at most: a busy counter verifies thousands per second,
        # and an answer "as of" a state up to a second old is still truthful.
        if now == self._state_read_for:
            return
        self._state_read_for = now
        state = self.view.read_state()
        # The freshness rule depends on the state and `now` only: judged once for this
        # second and handed to every verification in it, which still applies it.
        freshness = self.policy.freshness(state, now)
        self._judged = (state, freshness)
        if self.refresh is None or freshness.fresh:
            return
        if self._last_refresh is not None and now - self._last_refresh < self.refresh_interval:
            return
        self._last_refresh = now
        try:
            self.refresh()
        except Exception as exc:  # an unreachable node must not stop verification
            log.warning("status index refresh failed (%s); verifying from the index as it is",
                        type(exc).__name__)
        state = self.view.read_state()
        self._judged = (state, self.policy.freshness(state, now))


def summarise(ctx: Context, results: list[Any]) -> Verification:
    verdict, decided_by = verdict_of(results)
    by_name = {r.name: r for r in results}
    presentation = licence_type = authority = status = None
    claims: dict[str, Any] = {}
    if ctx.readable:
        licence = ctx.licence
        presentation = "live" if ctx.presentation is not None else "printed"
        licence_type = licence_type_info(licence.header.licence_type)
        found = ctx.view.authority(licence.header.authority)
        if found is not None:
            authority = {"number": found.number, "id": found.id, "name_zh": found.name_zh,
                         "name_en": found.name_en, "jurisdiction": found.jurisdiction}
        signature = by_name.get("signature")
        if signature is not None and signature.result == PASS:  # only authenticated claims
            claims = licence.claims
        status_check = by_name.get("status")
        if status_check is not None and status_check.result == FAIL:
            status = status_check.details.get("record")
    agent = by_name.get("delegation")
    delegation = None
    if agent is not None and agent.result == PASS and ctx.presentation is not None:
        delegation = agent_document(ctx.presentation.delegations[0], claims)
    as_of = None if ctx.state is None else AsOf(
        ctx.state.block_number, ctx.state.block_time, ctx.state.synced_at)
    return Verification(verdict=verdict, checks=tuple(results), decided_by=decided_by,
                        presentation=presentation, licence_type=licence_type,
                        authority=authority, claims=claims, status=status, status_as_of=as_of,
                        warnings=warnings_of(results) if verdict == "valid" else (),
                        delegation=delegation)


@cache
def licence_type_info(code: int) -> dict[str, Any]:
    schema = load_schema(code)
    return {"code": code, "name": schema.name, "title_en": schema.title.get("en"),
            "title_zh": schema.title.get("zh")}
