"""Whether this counter accepts the licence (verifier.counter_policy): its type, and its
authority or region. Runs last: `not_accepted` is said only of a licence every other
check found genuine and current (verifier.result.verdict_of). A counter's own policy is
named in the reason, so staff and scripts see whose policy refused."""

from __future__ import annotations

from licence import load_schema

from ..context import Context
from ..counter_policy import CounterPolicy
from ..result import CheckResult
from .base import Check


class AcceptanceCheck(Check):
    name = "acceptance"

    def __init__(self, policy: CounterPolicy) -> None:
        self.policy = policy

    def applies(self, ctx: Context) -> bool:
        return not self.policy.accepts_everything

    def run(self, ctx: Context) -> CheckResult:
        licence = ctx.licence
        schema = load_schema(licence.header.licence_type)
        batch = ctx.batch
        if batch is None:
            return self.unknown("batch_not_found")
        found = ctx.view.authority(licence.header.authority)
        region = licence.region_in(batch.region)
        refusal = self.policy.refusal(schema.name, None if found is None else found.id, region)
        title_en, title_zh = schema.title.get("en", schema.name), schema.title.get("zh", "")
        issuer = "?" if found is None else found.id
        if refusal is None:
            return self.passed("accepted_here")
        # Which policy refused: a counter's own (per counter token), or the installation's.
        counter = self.policy.counter
        return self.failed(refusal, type=title_en, type_zh=title_zh, authority=issuer,
                           region=region,
                           policy_of="" if counter is None else f" under counter {counter}'s "
                                                               "policy",
                           policy_of_zh="" if counter is None else f"（{counter} 号柜台的"
                                                                   "受理规则）")
