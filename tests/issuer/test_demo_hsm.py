"""`scripts/demo --hsm` end to end (its Python entry, `python -m elicence.demo --hsm`, so
the test never runs scripts/bootstrap): keys made in a SoftHSM2 token, CN-31-DMV run as an
office of three named operators, the clerk's 1,000-row issuance held by the approval
policy and approved by a second operator, and an audit log that says who did what on whose
approval and passes `elicence audit verify` against the heads anchored on chain.

The demo runs once, in a subprocess on a fresh home, until its ready block; the checks read
its output, demo.json, and the `elicence audit` commands an inspector would type."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from chain.config import load_settings
from tests.support.ports import free_port

from ..demo.test_demo_children import demo_env, stop_demo, wait_ready

pytestmark = [pytest.mark.anvil, pytest.mark.slow, pytest.mark.timeout(1500)]

ROOT = Path(__file__).resolve().parents[2]
FIRST_RUN_S = 1200  # 1,100 licences with PDF letters, signed in the token, on a busy machine
DMV = "CN-31-DMV"


@dataclass(frozen=True)
class Demo:
    home: Path
    output: str
    facts: dict


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    home = tmp_path_factory.mktemp("demo-hsm") / "home"
    home.mkdir()
    load_settings(home, {}).with_values(node_port=free_port()).save()
    port, log = free_port(), home.parent / "demo.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "elicence.demo", "--hsm", "--port", str(port)], cwd=ROOT,
            env=demo_env(home), stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_ready(log, process, FIRST_RUN_S)
        yield Demo(home, log.read_text(errors="replace"),
                   json.loads((home / "demo.json").read_text(encoding="utf-8")))
    finally:
        stop_demo(process, home, port)


def elicence(demo: Demo, *args: str, who: str = "chen") -> subprocess.CompletedProcess[str]:
    env = {**demo_env(demo.home), "ELICENCE_OPERATOR": who,
           "ELICENCE_OPERATOR_PASSPHRASE_FILE": str(demo.home / "operator-passphrases" / who)}
    return subprocess.run([sys.executable, "-m", "elicence", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def audit_entries(demo: Demo, *args: str) -> list[dict]:
    shown = elicence(demo, "audit", "show", "--authority", DMV, "--json", *args)
    assert shown.returncode == 0, shown.stderr
    return json.loads(shown.stdout)


def test_keys_live_in_the_token_not_in_key_files(demo: Demo) -> None:
    reference = json.loads((demo.home / "keys" / "signing" / f"{DMV}-1.json")
                           .read_text(encoding="utf-8"))
    assert reference["pkcs11"]["token"] and "ciphertext" not in reference  # no secret here
    assert (demo.home / "hsm" / "tokens").is_dir()


def test_the_office_and_its_approval_are_printed_plainly(demo: Demo) -> None:
    office = demo.facts["office"]
    assert [(o["name"], o["roles"]) for o in office["operators"]] == [
        ("chen", ["key-officer", "auditor"]), ("li", ["clerk"]), ("zhang", ["approver"])]
    approval = office["approval"]
    assert (approval["requested_by"], approval["approved_by"], approval["count"]) == \
        ("li", "zhang", 1000)
    assert f"$ elicence issue --authority {DMV} --type driving" in demo.output
    assert "waits for a second operator's approval" in demo.output
    assert f"$ elicence requests approve {approval['request']} --authority {DMV}" in demo.output
    assert f"Request {approval['request']} approved by zhang; running it." in demo.output
    assert ("operators       CN-31-DMV: chen (key-officer, auditor), li (clerk), zhang "
            "(approver)") in demo.output
    assert (f"four eyes       request {approval['request']}: 1,000 licences prepared by li, "
            "approved by zhang") in demo.output


def test_the_audit_log_says_who_did_what_on_whose_approval(demo: Demo) -> None:
    entries = audit_entries(demo)
    by_action: dict[str, list[dict]] = {}
    for entry in entries:
        by_action.setdefault(entry["action"], []).append(entry)
    added = [(e["operator"], e["detail"]["name"]) for e in by_action["operator-add"]]
    assert added == [("chen", "chen"), ("chen", "li"), ("chen", "zhang")]
    assert by_action["policy"][0]["operator"] == "chen"
    assert by_action["policy"][0]["detail"]["issue_rows_over"] == 500
    (request,) = by_action["request"]
    assert (request["operator"], request["detail"]["action"], request["licence_count"]) == \
        ("li", "issue", 1000)
    (approval,) = by_action["approve"]
    assert (approval["operator"], approval["detail"]["requested_by"]) == ("zhang", "li")
    assert approval["file_sha256"] == request["file_sha256"]
    issued = [e for e in by_action["issue"] if e["file_sha256"] == request["file_sha256"]]
    assert [(e["operator"], e["approved_by"], e["licence_count"], e["outcome"])
            for e in issued] == [("li", "zhang", 1000, "done")]
    assert issued[0]["tx_hashes"]
    assert request["sequence"] < approval["sequence"] < issued[0]["sequence"]
    (revoked,) = by_action["revoke"]
    assert revoked["operator"] == "li" and revoked["case_number"] == "demo"
    assert revoked["approved_by"] is None  # two licences: under the policy's threshold
    # An inspector asks about one licence: its issuance (requested, approved, run) and its
    # revocation.
    about = audit_entries(demo, "--licence", revoked["licences"][0])
    assert [(e["action"], e["operator"], e["approved_by"]) for e in about] == [
        ("request", "li", None), ("approve", "zhang", None), ("issue", "li", "zhang"),
        ("revoke", "li", None)]
    # The signing key was made before the office had operators: recorded as the authority.
    assert [e["operator"] for e in by_action["add-key"]] == ["authority"]
    assert {e["operator"] for e in audit_entries(demo, "--operator", "zhang")} == {"zhang"}


def test_audit_verify_passes_against_the_anchored_heads(demo: Demo) -> None:
    checked = elicence(demo, "audit", "verify", "--authority", DMV)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.startswith(f"Audit log of {DMV} is intact: ")
    assert "Audit log of CN-31-DMV is intact" in demo.output  # the demo ran it too


def test_only_the_auditor_reads_the_log(demo: Demo) -> None:
    refused = elicence(demo, "audit", "show", "--authority", DMV, who="li")
    assert refused.returncode == 77
    assert refused.stderr.strip() == ("Error: li may not read the audit log: that needs the "
                                      "auditor role, and li holds clerk.")
    assert os.stat(demo.home / "operator-passphrases" / "li").st_mode & 0o077 == 0
