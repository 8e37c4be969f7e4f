from __future__ import annotations

import datetime as dt
import unicodedata

import pytest

import licence
from licence import credit_code

from .licence_testdata import BUSINESS_ROW, DRIVING_ROW


@pytest.mark.parametrize(("ref", "name", "code"),
                         [("driving", "driving", 1), (2, "business", 2), (3, "professional", 3)])
def test_load_schema_by_name_or_code(ref, name, code):
    schema = licence.load_schema(ref)
    assert (schema.name, schema.code) == (name, code)
    assert sorted(c.key for c in schema.leaves) == sorted(c.key for c in schema.claims)


@pytest.mark.parametrize("ref", ["boat", 0, 9, True])
def test_unknown_schema_is_a_schema_error(ref):
    with pytest.raises(licence.SchemaError) as info:
        licence.load_schema(ref)
    assert info.value.reason == "schema_unknown"


def test_driving_row_is_normalised_with_derived_ages():
    claims = licence.load_schema("driving").validate(DRIVING_ROW)
    assert claims["vehicle_classes"] == ["C1", "D"]
    assert claims["birth_date"] == dt.date(1988, 11, 30)
    assert (claims["age_over_18"], claims["age_over_21"], claims["age_over_60"]) == (
        True, True, False)
    assert claims["family_name"] == "欧阳"


@pytest.mark.parametrize(("birth", "over_18"), [("2003-06-15", True), ("2003-06-16", False),
                                                ("2004-02-29", False)])
def test_age_predicates_are_relative_to_the_signing_day(birth, over_18):
    row = {**DRIVING_ROW, "birth_date": birth, "issue_date": "2021-06-15"}
    on = dt.date(2021, 6, 15)
    assert licence.load_schema("driving").validate(row, on=on)["age_over_18"] is over_18


def test_age_predicates_ignore_the_date_of_first_issue():
    """A licence first issued at 59 says "over 60" once signed after the 60th birthday."""
    row = {**DRIVING_ROW, "birth_date": "1966-03-10", "issue_date": "2018-05-01"}
    schema = licence.load_schema("driving")
    assert schema.validate(row, on=dt.date(2026, 3, 9))["age_over_60"] is False
    assert schema.validate(row, on=dt.date(2026, 3, 10))["age_over_60"] is True


def test_text_is_nfc_normalised():
    decomposed = unicodedata.normalize("NFD", "Zoë")
    claims = licence.load_schema("driving").validate({**DRIVING_ROW, "given_name": decomposed})
    assert claims["given_name"] == "Zoë" and unicodedata.is_normalized("NFC", claims["given_name"])


def test_all_field_errors_are_collected_in_one_exception():
    row = {**DRIVING_ROW, "family_name": "张" * 40, "birth_date": "1990-13-01",
           "vehicle_classes": "C1 Z9", "licence_number": "", "age_over_18": "true",
           "shoe_size": "42", "expiry_date": "2001-01-01"}
    with pytest.raises(licence.ClaimsError) as info:
        licence.load_schema("driving").validate(row)
    problems = {(e.field, e.problem) for e in info.value.errors}
    assert problems == {("family_name", "too_long"), ("birth_date", "date"),
                        ("vehicle_classes", "not_allowed"), ("licence_number", "missing"),
                        ("age_over_18", "derived"), ("shoe_size", "unknown"),
                        ("expiry_date", "order")}
    assert info.value.reason == "claims_invalid"
    assert all(e.expected and e.message for e in info.value.errors)


def test_control_characters_are_rejected():
    with pytest.raises(licence.ClaimsError) as info:
        licence.load_schema("driving").validate({**DRIVING_ROW, "address": "上海\n浦东"})
    assert info.value.errors[0].problem == "control_character"


def test_duplicate_vehicle_class_is_rejected():
    with pytest.raises(licence.ClaimsError):
        licence.load_schema("driving").validate({**DRIVING_ROW, "vehicle_classes": "C1,C1"})


def test_business_row_without_expiry_is_long_term():
    claims = licence.load_schema("business").validate(BUSINESS_ROW)
    assert "expiry_date" not in claims and claims["credit_code"] == "91350100M000100Y43"


@pytest.mark.parametrize(("code", "problem"), [
    ("91350100M000100Y44", "check_digit"), ("91350100M000100Y4", "length"),
    ("9135010OM000100Y43", "character"), ("91AB0100M000100Y43", "pattern")])
def test_bad_credit_codes_name_the_problem(code, problem):
    with pytest.raises(licence.ClaimsError) as info:
        licence.load_schema("business").validate({**BUSINESS_ROW, "credit_code": code})
    assert info.value.errors[0].problem == problem


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000802100433B"])
def test_published_credit_codes_pass(code):
    assert credit_code.problem(code) is None


def test_every_single_character_typo_in_a_credit_code_is_caught():
    code = "91350100M000100Y43"
    for i in range(18):
        for c in credit_code.ALPHABET:
            typo = code[:i] + c + code[i + 1 :]
            if typo != code:
                assert credit_code.problem(typo) is not None


def test_professional_row_validates():
    row = {"family_name": "李", "given_name": "娜", "birth_date": "1985-01-01",
           "certificate_number": "CZ20230001", "profession": "电工", "level": "3",
           "issue_date": "2023-05-01"}
    assert licence.load_schema(3).validate(row)["level"] == "3"
