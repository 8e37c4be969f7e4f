"""Named operators of an authority: their roles (roles), their own key files and
passphrases (credentials), the directory kept in the issuer store (directory) and the
check each command makes before it acts (login)."""

from issuer.operators.directory import add_operator, disable_operator, list_operators
from issuer.operators.login import UNNAMED, act_as
from issuer.operators.roles import OperatorRole, parse_roles

__all__ = ["UNNAMED", "OperatorRole", "act_as", "add_operator", "disable_operator",
           "list_operators", "parse_roles"]
