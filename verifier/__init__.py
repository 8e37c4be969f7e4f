"""Licence verification: a pipeline of named checks over the local chain index.

See docs/verifying.md. The HTTP API and the counter page build on `Verifier` and `to_json`.
"""

from .audit import VerificationLog, installation_salt
from .checks import Check, default_checks
from .context import Context, Policy
from .pipeline import Pipeline
from .result import CheckResult, Verification, to_json, verdict_of
from .verification import Verifier

__all__ = [
    "Check",
    "CheckResult",
    "Context",
    "Pipeline",
    "Policy",
    "Verification",
    "VerificationLog",
    "Verifier",
    "default_checks",
    "installation_salt",
    "to_json",
    "verdict_of",
]
