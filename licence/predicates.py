"""Predicates: true/false claims computed from other claims on the day a licence is signed.

A predicate (`age_over_60`, `in_operation`, ...) answers a counter's question without
disclosing the data behind it. Its rule is data in the licence type's schema JSON, so the
issuer, the verifier's titles and the wallet (which recomputes the date rules to notice
when a predicate would have changed; wallet/static/js/predicates.js) read one definition:

    {"rule": "years_since", "from": "birth_date", "years": 60}
        whole years from the `from` date to the signing day are at least `years`
    {"rule": "within", "from": "established_date", "until": "expiry_date"}
        the signing day lies between the two dates, both included (no `until`: open ended)
    {"rule": "amount_at_least", "of": "registered_capital", "yuan": 1000000}
        the text claim reads as an amount in yuan (人民币) of at least `yuan`; when it does not
        read as one (another currency, free text) the predicate is left out, not guessed

Every rule is evaluated against the signing day (China Standard Time), never a date in
the claims: a renewal or a wallet refresh signs again and so computes again. See
docs/decisions/0215-predicates-at-signing.md.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

# Licence days are China Standard Time (UTC+8), as validity ends are.
CHINA = dt.timezone(dt.timedelta(hours=8))

RULES = {"years_since": ("from",), "within": ("from", "until"), "amount_at_least": ("of",)}

_AMOUNT = re.compile(r"^(?:人民币)?\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*(万|亿)?\s*元(?:人民币)?$")
_UNIT = {None: Decimal(1), "万": Decimal(10_000), "亿": Decimal(100_000_000)}


def signing_day(timestamp: int) -> dt.date:
    """The calendar day (China Standard Time) of a signing time in unix seconds."""
    return dt.datetime.fromtimestamp(timestamp, CHINA).date()


def whole_years(start: dt.date, on: dt.date) -> int:
    """Completed years from `start` to `on` (a birthday on 29 February counts on 1 March)."""
    return on.year - start.year - ((on.month, on.day) < (start.month, start.day))


def yuan(text: str) -> Decimal | None:
    """An amount of registered capital in yuan ("500万元人民币" → 5000000), or None."""
    match = _AMOUNT.fullmatch(text.strip())
    if match is None:
        return None
    try:
        return Decimal(match[1].replace(",", "")) * _UNIT[match[2]]
    except InvalidOperation:
        return None


def evaluate(rule: Mapping[str, Any], claims: Mapping[str, Any], on: dt.date) -> bool | None:
    """The predicate's value on day `on`, or None when the claims do not support it."""
    kind = rule["rule"]
    if kind == "years_since":
        return whole_years(claims[rule["from"]], on) >= rule["years"]
    if kind == "within":
        until = claims.get(rule["until"])
        return claims[rule["from"]] <= on and (until is None or on <= until)
    amount = yuan(str(claims[rule["of"]]))
    return None if amount is None else amount >= rule["yuan"]


def rule_problem(rule: Any, types: Mapping[str, tuple[str, bool]]) -> str | None:
    """What is wrong with a rule given the schema's claims (name → (type, required))."""
    if not isinstance(rule, Mapping) or rule.get("rule") not in RULES:
        return "a derived claim needs a rule: " + ", ".join(RULES)
    kind = rule["rule"]
    for ref in RULES[kind]:
        if rule.get(ref) not in types:
            return f"{kind} names no claim in {ref!r}"
    if kind == "years_since" and not (types[rule["from"]] == ("date", True)
                                      and type(rule.get("years")) is int):
        return "years_since needs a required date and whole years"
    if kind == "within" and not (types[rule["from"]] == ("date", True)
                                 and types[rule["until"]][0] == "date"):
        return "within needs a required start date and an end date"
    if kind == "amount_at_least" and not (types[rule["of"]][0] == "text"
                                          and type(rule.get("yuan")) is int):
        return "amount_at_least needs a text claim and a whole number of yuan"
    return None
