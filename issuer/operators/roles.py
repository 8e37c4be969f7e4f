"""The four operator roles and what each may do (least power per person):

- clerk: prepares issuance and lifecycle requests (issue, revoke, suspend, reinstate,
  replace, renew, purge, reconcile, wallet copies and claim codes);
- approver: approves or rejects another operator's request (four-eyes);
- auditor: reads, verifies, exports and anchors the audit log;
- key-officer: manages the authority's operators and keys.
"""

from __future__ import annotations

from enum import StrEnum

from issuer.errors import OperatorError


class OperatorRole(StrEnum):
    CLERK = "clerk"
    APPROVER = "approver"
    AUDITOR = "auditor"
    KEY_OFFICER = "key-officer"


def parse_roles(names: tuple[str, ...] | list[str]) -> list[OperatorRole]:
    roles = []
    for name in names:
        try:
            roles.append(OperatorRole(name.strip().lower()))
        except ValueError:
            raise OperatorError(f"{name!r} is not a role: use clerk, approver, auditor or "
                                "key-officer.", reason="role_unknown") from None
    if not roles:
        raise OperatorError("Give the operator at least one role with --role.",
                            reason="role_unknown")
    return sorted(set(roles), key=list(OperatorRole).index)
