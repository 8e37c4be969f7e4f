"""Recording a command in the audit log at its edge: the command fills an AuditRecord while
it runs; when it ends, done or failed, the record is appended, then the head is anchored
when the command holds the authority's anchor account. A failure to anchor never hides the
command's own outcome: the head is anchored by the next command or `elicence audit anchor`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from chain.registry import Registry
from issuer.audit.anchoring import anchor_head
from issuer.audit.entry import AuditRecord
from issuer.audit.log import append
from issuer.store import Store
from licence.errors import ElicenceError

log = logging.getLogger(__name__)


@contextmanager
def audited(store: Store, record: AuditRecord, *,
            registry: Callable[[], Registry | None] = lambda: None,
            warn: Callable[[str], None] = log.warning) -> Iterator[AuditRecord]:
    """Appends `record` when the block ends; `registry` gives the anchor account's client
    (None: the head is left for the next anchoring)."""
    try:
        yield record
    except ElicenceError as exc:
        record.outcome = f"failed: {exc.reason}"
        raise
    except BaseException as exc:
        record.outcome = f"failed: {type(exc).__name__}"
        raise
    finally:
        append(store, record)
        client = None
        try:
            client = registry()
            if client is not None:
                anchor_head(store, client, record.authority_id)
        except ElicenceError as exc:
            warn(f"The audit log's head was not anchored on chain ({exc.message}); run "
                 "`elicence audit anchor` once the chain is reachable.")
