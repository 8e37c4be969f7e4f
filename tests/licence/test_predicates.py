"""Predicates are computed from the claims for the signing day, by rules in the schema."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import licence
from licence import predicates
from licence.schema import parse_schema, schema_text

from .licence_testdata import BUSINESS_ROW


@pytest.mark.parametrize(("text", "amount"), [
    ("500万元人民币", 5_000_000), ("100万元", 1_000_000), ("人民币1.5亿元", 150_000_000),
    ("1,200,000元", 1_200_000), ("99.99万元", 999_900), ("100万美元", None),
    ("壹佰万元", None), ("", None)])
def test_registered_capital_reads_as_yuan_or_not_at_all(text, amount):
    assert predicates.yuan(text) == amount


def test_business_predicates_follow_the_signing_day():
    schema = licence.load_schema("business")
    row = {**BUSINESS_ROW, "established_date": "2015-03-02", "expiry_date": "2035-03-01"}
    early = schema.validate(row, on=dt.date(2018, 3, 1))
    later = schema.validate(row, on=dt.date(2018, 3, 2))
    assert (early["established_3_years"], later["established_3_years"]) == (False, True)
    assert early["in_operation"] is later["in_operation"] is True
    assert schema.validate(row, on=dt.date(2035, 3, 2))["in_operation"] is False
    assert later["registered_capital_at_least_1m"] is True


def test_capital_below_a_million_is_false_and_another_currency_is_left_out():
    schema = licence.load_schema("business")
    on = dt.date(2026, 1, 1)
    small = schema.validate({**BUSINESS_ROW, "registered_capital": "50万元人民币"}, on=on)
    assert small["registered_capital_at_least_1m"] is False
    dollars = schema.validate({**BUSINESS_ROW, "registered_capital": "100万美元"}, on=on)
    assert "registered_capital_at_least_1m" not in dollars


def test_a_stored_licence_gets_its_predicates_recomputed():
    schema = licence.load_schema("driving")
    from .licence_testdata import DRIVING_ROW
    claims = schema.validate({**DRIVING_ROW, "birth_date": "1966-03-10"}, on=dt.date(2025, 1, 1))
    assert claims["age_over_60"] is False
    assert schema.with_predicates(claims, on=dt.date(2026, 3, 10))["age_over_60"] is True


@pytest.mark.parametrize(("rule", "says"), [
    ({"rule": "years_since", "from": "company_name", "years": 3}, "required date"),
    ({"rule": "within", "from": "established_date", "until": "nowhere"}, "names no claim"),
    ({"rule": "guess"}, "needs a rule"),
])
def test_a_schema_with_a_bad_rule_is_refused(rule, says):
    data = json.loads(schema_text("business"))
    data["claims"][-1]["derived"] = rule
    with pytest.raises(licence.SchemaError, match=says):
        parse_schema(data)
