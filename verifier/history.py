"""A licence's history for whoever holds its QR code (`elicence history`,
`POST /api/v1/history`): anchored when, each status change with its public reason class,
the licences it replaced and that replaced it, and for a phone copy when that copy was
added and whether it was stopped.

Asking takes the code itself, checked genuine first (signed by its authority's registered
key, its batch anchored by that authority): a status reference is only ever learnt from a
genuine licence, so history cannot be enumerated by licence number or made-up references.
Staff with the issuer's store ask by number instead (`elicence history --authority`).
Chain facts come from the local index (chain.licence_history); nothing is personal.
"""

from __future__ import annotations

from typing import Any

from chain.index import LicenceIndex
from chain.licence_history import Anchoring, Change, LicenceHistory, anchoring, changes
from chain.licence_history import licence_history as chain_history
from licence.copy_ref import copy_status_ref

from .checks import DecodeCheck, LimitsCheck, MerkleProofCheck, SignatureCheck
from .context import Context
from .errors import RequestError
from .index_view import IndexView
from .pipeline import Pipeline
from .result import PASS
from .timefmt import utc_text

_GENUINE = Pipeline([LimitsCheck(), DecodeCheck(), SignatureCheck(), MerkleProofCheck()])


class NotGenuine(RequestError):
    """History is told only of a licence the verifier finds genuine."""

    reason = "licence_not_genuine"


def history_document(text: object, index: LicenceIndex | None, *, now: int) -> dict[str, Any]:
    """The history of the licence in `text` (ELC1 or ELP1) as JSON; NotGenuine when the
    code is not a genuine licence whose batch this index holds."""
    view = IndexView(index)
    view.read_state()
    ctx = Context(text, now, view)
    results = _GENUINE.run(ctx)
    failed = next((r for r in results if r.result != PASS), None)
    if failed is not None or index is None:
        # The failed check's message already says what to do; the empty index needs a sync.
        why = ("the status index is empty; ask again once the verifier has synced."
               if failed is None else failed.message)
        raise NotGenuine(f"History is shown only for a genuine licence found on the chain: {why}",
                         check=None if failed is None else failed.reason)
    licence = ctx.licence
    authority = licence.header.authority
    batch = ctx.batch
    assert batch is not None  # merkle_proof passed
    history = chain_history(index, authority, licence.status_ref, batch.root)
    doc = document(history, index)
    doc["presentation"] = "live" if ctx.presentation is not None else "printed"
    if licence.device_digest is not None:  # a phone copy: its own reference (decision 0142)
        ref = copy_status_ref(licence.status_ref, licence.device_digest)
        doc["copy"] = {"status_ref": ref.hex(),
                       "added": _anchored(anchoring(index, authority, batch.root)),
                       "changes": _changes(changes(index, authority, ref))}
    state = view.state
    doc["as_of"] = None if state is None else {
        "block": state.block_number, "time": state.block_time, "synced_at": state.synced_at}
    return doc


def document(history: LicenceHistory, index: LicenceIndex) -> dict[str, Any]:
    """The JSON shape shared by the API and `elicence history --json`."""
    found = index.authority(history.authority)
    return {
        "authority": None if found is None else {
            "number": found.number, "id": found.id, "name_zh": found.name_zh,
            "name_en": found.name_en, "jurisdiction": found.jurisdiction},
        "status_ref": history.status_ref.hex(),
        "anchored": _anchored(history.anchored),
        "changes": _changes(history.changes),
        "replaced": [link.to_json() for link in history.replaced],
        "superseded_by": [link.to_json() for link in history.superseded_by],
    }


def _anchored(a: Anchoring | None) -> dict[str, Any] | None:
    return None if a is None else a.to_json()


def _changes(items: list[Change]) -> list[dict[str, Any]]:
    return [c.to_json() for c in items]


def lines(doc: dict[str, Any]) -> list[str]:
    """The history for people: one line per fact, oldest first, in English and Chinese."""
    a = doc.get("authority")
    out = [f"Licence history 证照历史 — status reference {doc['status_ref']}"]
    if a:
        out.append(f"  {a['name_en']} {a['name_zh']} ({a['id']})")
    for link in reversed(doc.get("replaced", [])):
        out.append(f"  replaced licence 被换发的旧证 {link['status_ref']}")
        out += [f"    {_change_line(c)}" for c in link["changes"]]
    anchored = doc.get("anchored")
    if anchored is None:
        out.append("  anchored 上链: not in the local index 本地索引中没有")
    else:
        what = "copy added to this phone 本机副本添加" if doc.get("copy") else "anchored 上链"
        out.append(f"  {utc_text(anchored['time'])}  block {anchored['block']:>8}  {what}, "
                   f"batch {anchored['batch']}, region {anchored['region'] or 'nationwide'}")
    out += [f"  {_change_line(c)}" for c in doc.get("changes", [])]
    copy = doc.get("copy")
    if copy:
        out += [f"  this phone's copy 本机副本: {_change_line(c)}"
                for c in copy["changes"]]
    if not doc.get("changes") and not (copy and copy["changes"]):
        out.append("  no status change 无状态变更")
    for link in doc.get("superseded_by", []):
        out.append(f"  replaced by 已由新证取代 {link['status_ref']}")
        out += [f"    {_change_line(c)}" for c in link["changes"]]
    as_of = doc.get("as_of")
    if as_of:
        out.append(f"As of block {as_of['block']} ({utc_text(as_of['time'])})")
    return out


def _change_line(c: dict[str, Any]) -> str:
    text = f"{utc_text(c['time'])}  block {c['block']:>8}  {c['event']}"
    text += f" — {c['reason_en']} {c['reason_zh']}"
    if "until" in c:
        text += f" (until {utc_text(c['until'])})"
    if "successor" in c:
        text += f" → {c['successor']}"
    if c["by"] == "council":
        text += " [council 理事会]"
    return text
