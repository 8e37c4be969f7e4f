"""Slither's static analysis of contracts/src: every high or medium finding is either fixed
or accepted with its reason in docs/decisions/0112-slither-findings.md."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PYTHON = REPO / ".venv-slither" / "bin" / "python"
DRIVER = REPO / "contracts" / "tools" / "slither_check.py"
DECISION = REPO / "docs" / "decisions" / "0112-slither-findings.md"

pytestmark = pytest.mark.timeout(300)


def accepted() -> set[tuple[str, str]]:
    """(check, function) pairs the decision record accepts: lines `- \\`check\\` in \\`fn\\``."""
    text = DECISION.read_text(encoding="utf-8")
    return set(re.findall(r"^- `([\w-]+)` in `(\w+)`", text, flags=re.MULTILINE))


@pytest.fixture(scope="module")
def findings() -> list[dict[str, str]]:
    if not PYTHON.exists():
        pytest.fail(f"{PYTHON} is missing: run scripts/bootstrap to install slither-analyzer.")
    done = subprocess.run([str(PYTHON), str(DRIVER)], capture_output=True, text=True,
                          cwd=REPO, timeout=280, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_slither_analyses_the_registry(findings: list[dict[str, str]]) -> None:
    # A run that found nothing at all would more likely be a broken run than clean code.
    assert any(f["check"] == "timestamp" for f in findings)


def test_no_high_or_medium_finding_is_left_unexplained(findings: list[dict[str, str]]) -> None:
    serious = {(f["check"], f["function"]) for f in findings if f["impact"] in ("High", "Medium")}
    unexplained = serious - accepted()
    assert not unexplained, (
        f"Slither findings neither fixed nor accepted in {DECISION.name}: {sorted(unexplained)}")


def test_every_accepted_finding_still_exists(findings: list[dict[str, str]]) -> None:
    present = {(f["check"], f["function"]) for f in findings}
    assert accepted() <= present, "remove accepted findings Slither no longer reports"
