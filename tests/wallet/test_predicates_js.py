"""The wallet decides when to ask for a refreshed copy by evaluating the schema's date rules
itself (wallet/static/js/predicates.js): it must agree with the issuer (licence/predicates.py)
on every day, birthdays on 29 February and the ends of a term of operation included."""

from __future__ import annotations

import datetime as dt
import json
import random
import subprocess
from pathlib import Path

import licence
from licence.schema import date_to_days

HERE = Path(__file__).resolve().parent
EDGES = [dt.date(1964, 2, 29), dt.date(1966, 3, 1), dt.date(1966, 2, 28), dt.date(2005, 12, 31)]


def js_predicates(cases: list[dict]) -> list[dict]:
    done = subprocess.run(
        ["node", "--experimental-default-type=module", str(HERE / "js" / "predicates.mjs")],
        input=json.dumps({"cases": cases}), capture_output=True, text=True, timeout=60,
        check=True)
    return json.loads(done.stdout)


def date_rules(schema: licence.Schema) -> list[str]:
    return [c.name for c in schema.predicates() if c.derived["rule"] != "amount_at_least"]


def _anniversary(start: dt.date, years: int) -> dt.date:
    if (start.month, start.day) == (2, 29):
        return dt.date(start.year + years, 2, 28)
    return start.replace(year=start.year + years)


def _driving_case(rng: random.Random, i: int) -> tuple[dict, dt.date]:
    birth = EDGES[i % len(EDGES)] if i < 40 else \
        dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 70))
    flip = _anniversary(birth, rng.choice([18, 21, 60]))
    # Days around the birthday that flips a predicate, and anywhere else.
    on = flip + dt.timedelta(days=rng.choice([-1, 0, 1, 2, rng.randrange(-900, 900)]))
    return {"birth_date": birth}, on


def _business_case(rng: random.Random) -> tuple[dict, dt.date]:
    start = dt.date(1995, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 25))
    end = None if rng.random() < 0.3 else \
        start + dt.timedelta(days=rng.randrange(30, 365 * 30))
    pivot = rng.choice([start, end or start, _anniversary(start, 3)])
    on = pivot + dt.timedelta(days=rng.choice([-1, 0, 1, rng.randrange(-2000, 2000)]))
    claims = {"established_date": start, "registered_capital": "100万元"}
    return claims if end is None else {**claims, "expiry_date": end}, on


def test_the_wallet_and_the_issuer_agree_on_date_predicates() -> None:
    rng = random.Random(15)
    cases, expected = [], []
    for i in range(600):
        type_name = "driving" if i % 2 == 0 else "business"
        claims, on = _driving_case(rng, i // 2) if i % 2 == 0 else _business_case(rng)
        schema = licence.load_schema(type_name)
        python = schema.with_predicates(claims, on=on)
        expected.append({n: python[n] for n in date_rules(schema)})
        cases.append({"type": type_name, "day": date_to_days(on), "claims": {
            k: date_to_days(v) for k, v in claims.items() if isinstance(v, dt.date)}})
    assert js_predicates(cases) == expected
