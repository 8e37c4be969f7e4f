"""The verification checks, one module each, and the default order they run in.

A counter's server appends two checks that need its shared state (verifier/web/service.py):
`challenge.ChallengeCheck` (this counter's challenge, per its policy) and, last,
`replay.ReplayCheck` (each live code accepted once per installation)."""

from __future__ import annotations

from ..delegations import DelegationRevoked
from .accreditation import AccreditationCheck
from .base import Check
from .decode import DecodeCheck
from .delegation import DelegationCheck
from .device_binding import DeviceBindingCheck
from .freshness import FreshnessCheck
from .key_window import KeyWindowCheck
from .limits import LimitsCheck
from .merkle_proof import MerkleProofCheck
from .scope import ScopeCheck
from .signature import SignatureCheck
from .status import StatusCheck
from .validity import ValidityCheck
from .withdrawal import WithdrawalCheck


def default_checks(revoked_delegations: DelegationRevoked | None = None) -> list[Check]:
    """Input first, then what proves the licence genuine, then what can withdraw it.

    `revoked_delegations`: the installation's revoked delegations (verifier.delegations);
    without them an agent's live code is unknown."""
    return [LimitsCheck(), DecodeCheck(), SignatureCheck(), MerkleProofCheck(),
            AccreditationCheck(), ScopeCheck(), KeyWindowCheck(), WithdrawalCheck(),
            StatusCheck(), ValidityCheck(),
            DeviceBindingCheck(), DelegationCheck(revoked_delegations), FreshnessCheck()]


__all__ = [
    "AccreditationCheck", "Check", "DecodeCheck", "DelegationCheck", "DeviceBindingCheck",
    "FreshnessCheck",
    "KeyWindowCheck", "LimitsCheck", "MerkleProofCheck", "ScopeCheck", "SignatureCheck",
    "StatusCheck", "ValidityCheck", "WithdrawalCheck", "default_checks",
]
