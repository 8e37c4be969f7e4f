"""Stage 1 of a lifecycle job: each number resolved to this authority's current licence,
or refused with a reason code and one sentence saying what to do."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from issuer.issue.validation import CHINA
from issuer.lifecycle.request import (
    PAST,
    REINSTATE,
    REISSUING,
    RENEW,
    REPLACE,
    SUSPEND,
    LifecycleRequest,
    Refusal,
)
from issuer.lifecycle.status_changes import IN_CHUNK
from issuer.store import Batch, BatchState, IssuedLicence, Store
from licence.vocabulary import LicenceState


def resolve(store: Store, authority_id: str, request: LifecycleRequest, *,
            now: int) -> tuple[list[IssuedLicence], list[Refusal]]:
    """This authority's current licence for each number, or why it cannot be changed."""
    numbers = request.wanted()
    newest: dict[str, IssuedLicence] = {}
    elsewhere: dict[str, str] = {}
    with store.session() as s:
        for part in range(0, len(numbers), IN_CHUNK):
            for licence in s.scalars(select(IssuedLicence).where(
                    IssuedLicence.licence_number.in_(numbers[part:part + IN_CHUNK]))
                    .order_by(IssuedLicence.id)):
                if licence.authority_id == authority_id:
                    newest[licence.licence_number] = licence
                else:
                    elsewhere[licence.licence_number] = licence.authority_id
        unanchored = _unanchored_batches(s, {lic.batch_id for lic in newest.values()})
    targets, refusals = [], []
    for number in numbers:
        licence = newest.get(number)
        if licence is None:
            refusals.append(_unknown(number, authority_id, elsewhere.get(number)))
            continue
        problem = refusal_for(request, licence, now=now, unanchored=licence.batch_id in
                              unanchored)
        if problem is None:
            targets.append(licence)
        else:
            refusals.append(Refusal(number, *problem))
    return targets, refusals


def _unanchored_batches(session, batch_ids: set[int]) -> set[int]:
    ids = list(batch_ids)
    found: set[int] = set()
    for part in range(0, len(ids), IN_CHUNK):
        found.update(session.scalars(select(Batch.id).where(
            Batch.id.in_(ids[part:part + IN_CHUNK]), Batch.state != BatchState.CONFIRMED)))
    return found


def _unknown(number: str, authority_id: str, other: str | None) -> Refusal:
    if other is not None:
        return Refusal(number, "other_authority",
                       f"issued by {other}, not {authority_id}: only {other} can change it.")
    return Refusal(number, "unknown_licence",
                   f"no licence with this number was issued by {authority_id}: check the "
                   "number.")


def refusal_for(request: LifecycleRequest, licence: IssuedLicence, *, now: int,
                unanchored: bool = False) -> tuple[str, str] | None:
    """(reason code, sentence) when `request` cannot apply to `licence`, else None."""
    action = request.action
    suspended = licence.status == LicenceState.SUSPENDED and (licence.suspended_until or 0) > now
    if unanchored:
        return ("not_anchored", "its issuance is not finished on chain yet: run the same "
                "`elicence issue` command again, or `elicence reconcile`, first.")
    if licence.status == LicenceState.REVOKED:
        return ("revoked", "it is revoked, which is final: issue a new licence instead.")
    if licence.status == LicenceState.SUPERSEDED:
        return ("superseded", "it has been superseded by a newer licence, which is the one to "
                "change.")
    if action == SUSPEND and suspended:
        return ("already_suspended", "it is already suspended until "
                f"{china_date(licence.suspended_until)}: reinstate it first to set another "
                "end date.")
    if action == REINSTATE and licence.status != LicenceState.SUSPENDED:
        return ("not_suspended", "it is not suspended, so there is nothing to reinstate.")
    if action in REISSUING:
        if suspended:
            return ("suspended", f"it is suspended until {china_date(licence.suspended_until)}: "
                    f"reinstate it before it can be {PAST[action]}.")
        if licence.claims is None:
            return ("purged", "its personal data has been erased (purged), so it cannot be "
                    "reissued: issue a new licence from the holder's details.")
    if action == REPLACE and licence.valid_until <= now:
        return ("expired", f"it expired on {china_date(licence.valid_until)}: renew it instead.")
    if action == RENEW:
        current = licence.claims.get("expiry_date")
        if current is None:
            return ("no_expiry", "it has no expiry date, so it needs no renewal.")
        if request.until is not None and request.until <= licence.valid_until:
            return ("expiry_not_later", f"the new expiry date {china_date(request.until)} is not "
                    f"later than its current one, {current}: give a later --until date.")
    return None


def china_date(seconds: int | None) -> str:
    return dt.datetime.fromtimestamp(seconds or 0, CHINA).date().isoformat()
