"""The authority's audit trail: every issuer-side action appended to a hash-chained log in
its store (log), anchored on chain (anchoring), checked (verify) and exported for
inspectors (export). Licences are named by number; nothing personal is recorded."""

from issuer.audit.anchoring import anchor_head
from issuer.audit.entry import AuditRecord, entry_hash
from issuer.audit.log import append, entries, head
from issuer.audit.recording import audited
from issuer.audit.verify import AuditFinding, AuditReport, verify

__all__ = ["AuditFinding", "AuditRecord", "AuditReport", "anchor_head", "append", "audited",
           "entries", "entry_hash", "head", "verify"]
