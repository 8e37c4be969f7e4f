"""Live codes answer this counter's challenge (verifier.challenges), per the counter's
policy (ELICENCE_CHALLENGE):

- required: a code without one is `invalid (challenge_missing)`;
- preferred (default): a code without one is accepted, and the check says so;
- off: not checked.

A code carrying a challenge that is not this counter's current or previous one is
`invalid (challenge_mismatch)` under both required and preferred: it was made for another
counter, or earlier.
"""

from __future__ import annotations

from ..challenges import ChallengePolicy, CounterChallenges
from ..context import Context
from ..result import CheckResult
from .base import Check

__all__ = ["ChallengeCheck", "ChallengePolicy"]


class ChallengeCheck(Check):
    name = "challenge"

    def __init__(self, challenges: CounterChallenges, policy: ChallengePolicy) -> None:
        self.challenges = challenges
        self.policy = policy

    def applies(self, ctx: Context) -> bool:
        return ctx.presentation is not None and self.policy != ChallengePolicy.OFF

    def run(self, ctx: Context) -> CheckResult:
        p = ctx.presentation
        assert p is not None
        if not p.challenge:
            if self.policy == ChallengePolicy.REQUIRED:
                return self.failed("challenge_missing")
            return self.passed("no_challenge")
        if self.challenges.accepts(p.challenge, ctx.now):
            return self.passed("challenge_answered")
        return self.failed("challenge_mismatch")
