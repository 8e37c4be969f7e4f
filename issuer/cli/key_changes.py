"""The issuer's oversight of an authority's key changes (`elicence authority add-key`,
`rotate-key`, `mark-compromised`; see chain/cli/key_oversight.py for the seam): the same
rules as every issuer command.

- who: a named operator with the key-officer role, once the authority has operators
  (refused in one sentence, exit 77, and logged as `login-failed` otherwise);
- four eyes: when the authority's policy covers key changes (`elicence requests policy
  --key-changes`), the change is stored as a request and exits 75; an approver's
  `requests approve` runs the very same command;
- audit: the change, its key numbers and transaction hashes, and its approver are appended
  to the authority's audit log and its head anchored when the command ends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from chain.cli.key_oversight import KeyChange
from chain.installation import Installation
from issuer.audit import AuditRecord
from issuer.cli.acting import OperatorRole, act, approved_by, audit, hold_if_needed
from issuer.store import Store

_DOING = {"add-key": "add signing keys", "rotate-key": "rotate signing keys",
          "compromise-key": "mark signing keys compromised"}


@contextmanager
def oversee_key_change(installation: Installation, change: KeyChange) -> Iterator[KeyChange]:
    store = Store.open(installation.settings.store_url)
    authority_id = change.authority_id
    who = act(installation, store, authority_id, change.operator, OperatorRole.KEY_OFFICER,
              _DOING.get(change.action, change.action))
    hold_if_needed(installation, store, authority_id, who, change.action, 1,
                   {"text": change.summary, "key_change": change.detail})
    record = AuditRecord(authority_id, who.name, change.action,
                         approved_by=approved_by(authority_id), licence_count=0,
                         detail=dict(change.detail))
    with audit(installation, store, record):
        try:
            yield change
        finally:
            record.detail.update(change.detail)
            record.tx_hashes = list(change.tx_hashes)
