"""Four-eyes approval: which actions need a second operator (policy), and the requests
held until one approves or rejects them (held)."""

from issuer.requests.held import (
    APPROVED,
    DONE,
    PENDING,
    REJECTED,
    RUNNING,
    approve,
    create,
    finish,
    get,
    list_requests,
    reject,
    start,
)
from issuer.requests.policy import Policy, needs_approval, policy_for, set_policy

__all__ = ["APPROVED", "DONE", "PENDING", "REJECTED", "RUNNING", "Policy", "approve", "create",
           "finish", "get", "list_requests", "needs_approval", "policy_for", "reject",
           "set_policy", "start"]
