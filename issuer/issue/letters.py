"""Printable letters and QR images for a confirmed batch, rendered in the worker processes
from what the store keeps (each file written whole, or not at all, and private)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from chain.private_files import write_private
from issuer.claims.codes import derive
from issuer.issue.outputs import StoredLicence, stem_for
from issuer.issue.validation import CHINA, LONG_TERM
from issuer.render import LetterData, render_licence_pdf, render_qr_png
from licence import Licence, load_schema
from licence.qr import LICENCE_PREFIX, encode_text


@dataclass(frozen=True)
class LetterContext:
    """What every letter of a run shares: the authority and where to claim and verify."""

    authority_id: str
    name_zh: str
    name_en: str
    jurisdiction: str
    claim_secret: bytes
    public_url: str
    out_dir: Path


def local_date(seconds: int) -> dt.date:
    return dt.datetime.fromtimestamp(seconds, CHINA).date()


def end_date(seconds: int) -> dt.date | None:
    """The last day of validity, or None for a long-term licence."""
    return None if seconds >= LONG_TERM else local_date(seconds)


def render_letters(context: LetterContext, issued_at: int,
                   records: list[StoredLicence]) -> int:
    """Worker task: writes pdf/<stem>.pdf and qr/<stem>.png for each licence."""
    for record in records:
        schema = load_schema(record.licence_type)
        qr_text = encode_text(LICENCE_PREFIX, record.encoded)
        stem = stem_for(record.row_number, record.id)
        data = LetterData(
            licence_type=schema.name,
            claims=Licence.from_bytes_unverified(record.encoded).claims,
            authority_id=context.authority_id, authority_name_zh=context.name_zh,
            authority_name_en=context.name_en, jurisdiction=context.jurisdiction,
            qr_text=qr_text,
            claim_code=derive(context.claim_secret, record.authority_id, record.status_ref),
            claim_expires=local_date(record.claim_expires_at),
            verify_url=f"{context.public_url}/verify", wallet_url=f"{context.public_url}/wallet/",
            status_ref=record.status_ref, issued_at=local_date(issued_at),
            valid_from=local_date(record.valid_from), valid_until=end_date(record.valid_until),
        )
        write_private(context.out_dir / "pdf" / f"{stem}.pdf", render_licence_pdf(data))
        write_private(context.out_dir / "qr" / f"{stem}.png", render_qr_png(qr_text))
    return len(records)
