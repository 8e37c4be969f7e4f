"""The check every issuer command makes before it acts: who runs it, are they who they say
(their key file opens with their passphrase and matches the public key on record), and do
they hold the role the command needs. Each failure is one sentence, and is appended to the
authority's audit log (action `login-failed`) before it is raised.

An authority with no operators yet runs as before, as one office ("authority"), so existing
installations keep working; from its first `elicence operator add` on, every command of
that authority names its operator."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec

from chain.keystore import compressed_public_key
from issuer.audit import AuditRecord, append
from issuer.audit.entry import LOGIN_FAILED
from issuer.errors import OperatorError
from issuer.operators.credentials import open_credential, operator_passphrase
from issuer.operators.directory import DISABLED, find_operator, has_operators
from issuer.operators.roles import OperatorRole
from issuer.store import Store

UNNAMED = "authority"  # recorded while an authority has no operators


@dataclass(frozen=True)
class Acting:
    name: str
    roles: tuple[str, ...] = ()
    key: ec.EllipticCurvePrivateKey | None = None  # None while the authority has no operators


def act_as(store: Store, home: Path, authority_id: str, name: str | None, role: OperatorRole,
           *, action: str, environ: dict[str, str] | None = None) -> Acting:
    """The operator `name` logged in for `action`, which needs `role`; OperatorError (and an
    audit entry) otherwise."""
    if not has_operators(store, authority_id):
        return Acting(name or UNNAMED)
    try:
        return _log_in(store, home, authority_id, name, role, action,
                       os.environ if environ is None else environ)
    except OperatorError as exc:
        append(store, AuditRecord(authority_id, name or "(none)", LOGIN_FAILED,
                                  outcome=f"failed: {exc.reason}",
                                  detail={"attempted": action}))
        raise


def _log_in(store: Store, home: Path, authority_id: str, name: str | None,
            role: OperatorRole, action: str, environ: dict[str, str]) -> Acting:
    if not name:
        raise OperatorError(f"{authority_id} works with named operators: say who runs this "
                            "command with --operator NAME (or ELICENCE_OPERATOR).",
                            reason="operator_required")
    operator = find_operator(store, authority_id, name)
    if operator is None:
        raise OperatorError(f"{authority_id} has no operator named {name}: see `elicence "
                            "operator list`.", reason="operator_unknown")
    if operator.state == DISABLED:
        raise OperatorError(f"{name} is disabled at {authority_id} and can no longer act.",
                            reason="operator_disabled")
    key = open_credential(home, authority_id, name, operator_passphrase(environ))
    if compressed_public_key(key) != operator.public_key:
        raise OperatorError(f"The key file for {name} is not the one on record: restore "
                            f"{name}'s own key file.", reason="login_failed")
    if role not in operator.roles:
        held = ", ".join(operator.roles) or "no role"
        raise OperatorError(f"{name} may not {action}: that needs the {role} role, and "
                            f"{name} holds {held}.", reason="role_missing")
    return Acting(name, tuple(operator.roles), key)
