"""A rejected row's problems name the row, the field and what is wrong, never a value of
the row: not on the terminal, not in rejected.csv, not in any log or other file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from issuer.issue.rows import Row
from issuer.issue.samples import DRIVING_FIELDS, driving_rows, write_csv
from issuer.issue.validation import check_row
from licence import load_schema
from tests.support.home import Home
from tests.support.issuing import report

ROOT = Path(__file__).resolve().parents[2]
NOW = 1_800_000_000

# Each value would have been quoted back by some message; each is wrong in its own way.
PERSONAL = {
    "family_name": "欧阳保密",
    "given_name": "秘密娜娜",
    "licence_number": "SECRET-4711-0815",  # not the expected form
    "birth_date": "1987-02-30",  # no such date
    "vehicle_classes": "C1 QQSECRET",  # a class that does not exist
    "sex": "SECRETSEX",  # not an allowed value
    "nationality": "Q7Z",  # not the expected form
    "address": "私密路13号后院",
}
NAMES = {k: PERSONAL[k] for k in ("family_name", "given_name", "address")}
# Values only rejected rows hold: after the run, nowhere on disk but in the input.
REJECTED_ONLY = ("SECRET-4711-0815", "1987-02-30", "QQSECRET", "SECRETSEX", "2003-04-05")


def sample(start: int, **changes: str) -> dict[str, str]:
    return {**next(driving_rows(1, seed=start, start=start)), **changes}


def test_field_problems_do_not_quote_values() -> None:
    schema = load_schema("driving")
    claims, _, problems = check_row(schema, Row(7, sample(100, **PERSONAL)), NOW)
    assert claims is None
    assert {p.field for p in problems} == {"licence_number", "birth_date", "vehicle_classes",
                                           "sex", "nationality"}
    assert [p.line() for p in problems if p.field == "birth_date"] == [
        "row 7: birth_date: not a valid YYYY-MM-DD date. Expected: a date as YYYY-MM-DD."]
    _assert_no_personal_data("\n".join(p.line() for p in problems))


def test_a_credit_code_problem_does_not_quote_the_code() -> None:
    schema = load_schema("business")
    _, _, problems = check_row(schema, Row(2, {"credit_code": "91310000IOZSV1234X"}), NOW)
    (problem,) = [p for p in problems if p.field == "credit_code"]
    assert problem.message == "credit_code: contains characters not used in credit codes."


@pytest.mark.anvil
def test_rejected_rows_leave_no_personal_data_anywhere(chain_home: Home,
                                                        tmp_path: Path) -> None:
    first = sample(204, **NAMES)
    rows = [
        sample(202, **PERSONAL),  # five fields wrong at once
        sample(203, **NAMES, birth_date="1970-05-06", issue_date="1999-01-02",
               expiry_date="2003-04-05"),  # expired
        first,
        sample(205, **NAMES, licence_number=first["licence_number"]),  # twice in this file
    ]
    source = tmp_path / "rows.csv"
    out = tmp_path / "out"
    write_csv(source, DRIVING_FIELDS, iter(rows))
    result = subprocess.run(
        [sys.executable, "-m", "elicence", "issue", "--authority", "CN-31-DMV", "--type",
         "driving", "--input", str(source), "--out", str(out), "--no-pdf"],
        env=chain_home.subprocess_env(), cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 3, result.stderr
    assert "row 5: licence_number is the same as on row 4 of this file." in result.stderr
    assert "row 3: expiry_date has already passed." in result.stderr
    rejected = (out / "rejected.csv").read_text(encoding="utf-8-sig")
    assert len(rejected.splitlines()) == 1 + 5 + 1 + 1
    issued = first["licence_number"]  # in report.json, where it belongs; not in messages
    for text in (result.stdout, result.stderr, rejected):
        _assert_no_personal_data(text, also=(issued, "2003-04-05"))
    # The rejected rows' values are nowhere but in the input: no log, store or output file.
    assert [e["licence_number"] for e in report(out)["licences"]] == [issued]
    for path in [*chain_home.path.rglob("*"), *out.rglob("*")]:
        if path.is_file():
            content = path.read_bytes()
            for value in REJECTED_ONLY:
                assert value.encode() not in content, (value, path)


def _assert_no_personal_data(text: str, also: tuple[str, ...] = ()) -> None:
    for value in (*PERSONAL.values(), "QQSECRET", "Q7Z", *also):
        assert value not in text, (value, text)
