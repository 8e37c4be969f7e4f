"""A counter's id within an installation: one rule for the counter tokens that prove it
(elicence.limits_counters) and the per-counter policies that name it
(verifier.counter_policy), so a policy can be written for every id a token can carry."""

from __future__ import annotations

import re

COUNTER_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
COUNTER_ID_RULE = ("A counter id is 1 to 64 lower-case letters, digits and hyphens, "
                   "starting with a letter or digit.")


def is_counter_id(text: object) -> bool:
    return isinstance(text, str) and COUNTER_ID.fullmatch(text) is not None
