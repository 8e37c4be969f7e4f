"""The authority's operators as kept in the issuer store: add, list, disable."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from chain.keystore import Passphrase
from issuer.errors import OperatorError
from issuer.operators.credentials import create_credential
from issuer.operators.roles import OperatorRole
from issuer.store import Operator, Store

ACTIVE, DISABLED = "active", "disabled"
_NAME = re.compile(r"^[a-z][a-z0-9._-]{1,31}$")


def list_operators(store: Store, authority_id: str) -> list[Operator]:
    with store.session() as s:
        return list(s.scalars(select(Operator).where(Operator.authority_id == authority_id)
                              .order_by(Operator.name)))


def find_operator(store: Store, authority_id: str, name: str) -> Operator | None:
    with store.session() as s:
        return s.scalars(select(Operator).where(Operator.authority_id == authority_id,
                                                Operator.name == name)).first()


def has_operators(store: Store, authority_id: str) -> bool:
    with store.session() as s:
        return s.scalar(select(Operator.id).where(Operator.authority_id == authority_id)
                        .limit(1)) is not None


def add_operator(store: Store, home: Path, authority_id: str, name: str,
                 roles: list[OperatorRole], passphrase: Passphrase, *, by: str,
                 now: int) -> Operator:
    """Creates the operator's key file under their passphrase and records them. The first
    operator of an authority must be a key-officer, who then adds the others."""
    if not _NAME.match(name):
        raise OperatorError(f"{name!r} cannot name an operator: use 2 to 32 lower-case "
                            "letters, digits, '.', '_' or '-', starting with a letter.",
                            reason="operator_name_invalid")
    if find_operator(store, authority_id, name) is not None:
        raise OperatorError(f"{authority_id} already has an operator named {name}: choose "
                            "another name (a disabled one keeps theirs).",
                            reason="operator_exists")
    if not has_operators(store, authority_id) and OperatorRole.KEY_OFFICER not in roles:
        raise OperatorError("The first operator of an authority must hold the key-officer "
                            "role, to add the others: add --role key-officer.",
                            reason="first_operator_not_key_officer")
    public_key = create_credential(home, authority_id, name, passphrase)
    with store.session() as s:
        operator = Operator(authority_id=authority_id, name=name,
                            roles=[str(r) for r in roles], public_key=public_key,
                            state=ACTIVE, created_at=now, created_by=by)
        s.add(operator)
    return operator


def disable_operator(store: Store, authority_id: str, name: str, *, now: int) -> bool:
    """Disables the operator for good; False when they already were."""
    with store.session() as s:
        operator = s.scalars(select(Operator).where(Operator.authority_id == authority_id,
                                                    Operator.name == name)).first()
        if operator is None:
            raise OperatorError(f"{authority_id} has no operator named {name}: see "
                                "`elicence operator list`.", reason="operator_unknown")
        if operator.state == DISABLED:
            return False
        active_officers = s.scalars(select(Operator).where(
            Operator.authority_id == authority_id, Operator.state == ACTIVE)).all()
        officers = [o for o in active_officers if OperatorRole.KEY_OFFICER in o.roles]
        if officers == [operator]:
            raise OperatorError(f"{name} is {authority_id}'s last active key-officer: add "
                                "another one first.", reason="last_key_officer")
        operator.state, operator.disabled_at = DISABLED, now
        return True
