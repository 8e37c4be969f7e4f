"""`elicence purge`: erase the personal data of licences whose retention period is over.

What goes: the claims and the encoded licence (which carries the claims and salt seed),
the wallet-bound copies made from it (`bindings.encoded`), and the licence number (a
driving licence number is the holder's ID number), replaced by `purged-<id>`; in the
output folders, the licence's letter, QR image, report.json entry and claim-codes.csv row
(or, with `remove_files=False`, they are listed instead; purge_outputs.py). What stays is
bookkeeping that identifies nobody: the status reference, batch and position, status and
its reason, dates, the device key a copy was bound to. Nothing on chain changes: the
chain never held personal data. A licence still valid (active or suspended, not expired)
is never purged.

The files go first, the store after, in one unit of work: a purge interrupted (or refused
because a file cannot be removed) leaves the store as it was, so running it again finds
every licence, and whatever files are left of it, again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import String, and_, cast, literal, or_, select, update

from issuer.errors import PurgeError
from issuer.lifecycle.purge_outputs import FolderPurge, purge_folder
from issuer.lifecycle.request import Refusal
from issuer.lifecycle.resolving import china_date
from issuer.lifecycle.status_changes import IN_CHUNK
from issuer.store import Binding, IssuedLicence, OutputFolder, Store
from licence.vocabulary import LicenceState

PURGED_PREFIX = "purged-"
ENDED = (LicenceState.REVOKED, LicenceState.SUPERSEDED)


@dataclass
class PurgeSummary:
    purged: int = 0
    refused: list[Refusal] = field(default_factory=list)
    folders: list[FolderPurge] = field(default_factory=list)
    files_removed: bool = True  # False: the files were only listed

    def line(self) -> str:
        return (f"{self.purged:,} purged, {len(self.refused):,} refused (status and batch "
                "records are kept).")


def still_valid(now: int):
    """SQL condition: the licence may still be shown and accepted."""
    return and_(IssuedLicence.status.in_([LicenceState.ACTIVE, LicenceState.SUSPENDED]),
                IssuedLicence.valid_until > now)


def purge_expired(store: Store, authority_id: str, *, before: int, now: int,
                  remove_files: bool = True) -> PurgeSummary:
    """Every licence of the authority that expired, or was revoked or superseded, before
    `before` (a time not in the future)."""
    if before > now:
        raise PurgeError("The purge date lies in the future: give a date no later than today.",
                         reason="purge_date_in_future")
    retention_over = or_(
        IssuedLicence.valid_until < before,
        and_(IssuedLicence.status.in_(ENDED), IssuedLicence.status_changed_at < before))
    with store.session() as s:
        ids = list(s.scalars(select(IssuedLicence.id).where(
            IssuedLicence.authority_id == authority_id, IssuedLicence.purged_at.is_(None),
            retention_over, ~still_valid(now))))
        summary = PurgeSummary(files_removed=remove_files)
        summary.purged = _erase(s, authority_id, ids, now, summary)
        return summary


def purge_numbers(store: Store, authority_id: str, numbers: list[str], *,
                  now: int, remove_files: bool = True) -> PurgeSummary:
    """Every stored version of each named licence, unless one is still valid."""
    summary = PurgeSummary(files_removed=remove_files)
    wanted = list(dict.fromkeys(n.strip().upper() for n in numbers if n.strip()))
    with store.session() as s:
        versions: dict[str, list[IssuedLicence]] = {}
        for part in range(0, len(wanted), IN_CHUNK):
            for licence in s.scalars(select(IssuedLicence).where(
                    IssuedLicence.authority_id == authority_id,
                    IssuedLicence.licence_number.in_(wanted[part:part + IN_CHUNK]))):
                versions.setdefault(licence.licence_number, []).append(licence)
        ids = []
        for number in wanted:
            found = versions.get(number)
            valid = [v for v in found or [] if v.status in (LicenceState.ACTIVE,
                     LicenceState.SUSPENDED) and v.valid_until > now]
            if not found:
                summary.refused.append(Refusal(
                    number, "unknown_licence", f"no licence with this number issued by "
                    f"{authority_id} is in the store (or it was purged already): check the "
                    "number."))
            elif valid:
                summary.refused.append(Refusal(
                    number, "still_valid", f"it is still valid until "
                    f"{china_date(valid[0].valid_until)}: revoke it first, or wait until it "
                    "expires."))
            else:
                ids.extend(v.id for v in found)
        summary.purged = _erase(s, authority_id, ids, now, summary)
    return summary


def _erase(session, authority_id: str, ids: list[int], now: int,
           summary: PurgeSummary) -> int:
    refs: set[str] = set()
    for part in range(0, len(ids), IN_CHUNK):
        refs.update(ref.hex() for ref in session.scalars(select(IssuedLicence.status_ref).where(
            IssuedLicence.id.in_(ids[part:part + IN_CHUNK]))))
    if refs:
        summary.folders = _purge_folders(session, authority_id, refs, summary.files_removed)
    for part in range(0, len(ids), IN_CHUNK):
        chosen = ids[part:part + IN_CHUNK]
        session.execute(update(IssuedLicence).execution_options(synchronize_session=False)
                        .where(IssuedLicence.id.in_(chosen)).values(
            encoded=None, purged_at=now,
            licence_number=literal(PURGED_PREFIX).concat(cast(IssuedLicence.id, String))))
        session.execute(update(Binding).execution_options(synchronize_session=False)
                        .where(Binding.licence_id.in_(chosen)).values(encoded=None))
    return len(ids)


def _purge_folders(session, authority_id: str, refs: set[str],
                   remove: bool) -> list[FolderPurge]:
    folders = session.scalars(select(OutputFolder.path).where(
        OutputFolder.authority_id == authority_id).order_by(OutputFolder.id))
    done = []
    for folder in map(Path, folders):
        try:
            done.append(purge_folder(folder, refs, remove=remove))
        except OSError as exc:
            raise PurgeError(f"Cannot clean the output folder {folder} ({exc.strerror}): "
                             "make its files yours and writable, then run the purge again "
                             "(the store is unchanged).", reason="outputs_unwritable") from None
    return done
