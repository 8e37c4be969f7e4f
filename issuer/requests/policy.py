"""An authority's four-eyes policy: issuance files over N rows, revocations of more than M
licences, purges, and key and operator changes wait for a second operator. No policy:
nothing waits."""

from __future__ import annotations

from dataclasses import dataclass

from issuer.store import ApprovalPolicy, Store

ISSUE, REVOKE, PURGE = "issue", "revoke", "purge"
# Key and operator changes (one policy switch): a signing key made, rotated or marked
# compromised, an operator added or disabled.
ADD_KEY, ROTATE_KEY, COMPROMISE_KEY = "add-key", "rotate-key", "compromise-key"
OPERATOR_ADD, OPERATOR_DISABLE = "operator-add", "operator-disable"
POLICY = "policy"  # changing this policy, once it covers key changes
KEY_CHANGES = (ADD_KEY, ROTATE_KEY, COMPROMISE_KEY, OPERATOR_ADD, OPERATOR_DISABLE, POLICY)


@dataclass(frozen=True)
class Policy:
    issue_rows_over: int | None = None
    revoke_over: int | None = None
    purges: bool = False
    key_changes: bool = False

    def describe(self) -> str:
        parts = []
        if self.issue_rows_over is not None:
            parts.append(f"issuance files over {self.issue_rows_over:,} rows")
        if self.revoke_over is not None:
            parts.append(f"revocations of more than {self.revoke_over:,} licences")
        if self.purges:
            parts.append("purges")
        if self.key_changes:
            parts.append("key and operator changes")
        return ("Second approval needed for: " + ", ".join(parts) + ".") if parts else \
            "No action needs a second approval."


def policy_for(store: Store, authority_id: str) -> Policy:
    with store.session() as s:
        row = s.get(ApprovalPolicy, authority_id)
        if row is None:
            return Policy()
        return Policy(row.issue_rows_over, row.revoke_over, bool(row.purges),
                      bool(row.key_changes))


def set_policy(store: Store, authority_id: str, policy: Policy, *, by: str, now: int) -> None:
    with store.session() as s:
        row = s.get(ApprovalPolicy, authority_id)
        if row is None:
            row = ApprovalPolicy(authority_id=authority_id, changed_at=now, changed_by=by)
            s.add(row)
        row.issue_rows_over, row.revoke_over, row.purges, row.key_changes = (
            policy.issue_rows_over, policy.revoke_over, policy.purges, policy.key_changes)
        row.changed_at, row.changed_by = now, by


def needs_approval(policy: Policy, action: str, count: int) -> bool:
    if action == ISSUE:
        return policy.issue_rows_over is not None and count > policy.issue_rows_over
    if action == REVOKE:
        return policy.revoke_over is not None and count > policy.revoke_over
    if action in KEY_CHANGES:
        return policy.key_changes
    return action == PURGE and policy.purges
