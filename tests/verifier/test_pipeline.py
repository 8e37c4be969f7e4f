"""The whole pipeline: verdicts, the result document, stale indexes, faults in checks."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from chain.index import LicenceIndex
from verifier import CheckResult, Policy, Verifier, to_json
from verifier.checks import Check, StatusCheck, default_checks
from verifier.context import Context

from .world import World, live_with_foreign_signature, live_with_wrong_device_key

pytestmark = pytest.mark.timeout(120)

VERDICTS = [
    ("good", "valid", None),
    ("key_compromised_after_anchoring", "valid", None),
    ("suspended_until_past", "valid", None),
    ("reinstated", "valid", None),
    ("revoked", "revoked", "revoked"),
    ("suspended_until_future", "suspended", "suspended"),
    ("superseded", "invalid", "superseded"),
    ("expired", "expired", "expired"),
    ("not_yet_valid", "invalid", "not_yet_valid"),
    ("tampered_claim", "invalid", "signature_invalid"),
    ("unregistered_key_id", "invalid", "key_unknown"),
    ("root_never_anchored", "invalid", "root_not_anchored"),
    ("root_of_other_authority", "invalid", "root_anchored_by_other_authority"),
    ("signer_not_accredited_for_type", "invalid", "batch_type_mismatch"),
    ("key_compromised_before_anchoring", "invalid", "key_compromised"),
    ("key_not_yet_valid_at_anchoring", "invalid", "key_not_yet_valid"),
    ("key_expired_at_anchoring", "invalid", "key_expired"),
]


@pytest.mark.parametrize(("fixture", "verdict", "reason"), VERDICTS,
                         ids=[v[0] for v in VERDICTS])
def test_printed_licence_verdicts(world: World, index: LicenceIndex, fixture: str,
                                  verdict: str, reason: str | None) -> None:
    result = Verifier(index).verify(world.qr[fixture], now=world.now)
    assert result.verdict == verdict
    assert (result.decided_by and result.decided_by.reason) == reason
    assert result.presentation == "printed"


def test_bound_copy_shown_as_printed_code_is_invalid_not_unreadable(
        world: World, index: LicenceIndex) -> None:
    result = Verifier(index).verify(world.licences["bound"].to_qr(), now=world.now)
    assert result.verdict == "invalid"
    assert result.decided_by is not None and result.decided_by.reason == "bound_licence_not_live"


def test_valid_result_document(world: World, index: LicenceIndex) -> None:
    doc = to_json(Verifier(index).verify(world.qr["good"], now=world.now))
    json.dumps(doc)  # JSON-ready
    assert doc["verdict"] == "valid" and doc["reason"] is None
    assert [c["name"] for c in doc["checks"]] == [c.name for c in default_checks()]
    assert all(set(c) == {"name", "result", "reason", "message", "message_zh"}
               for c in doc["checks"])
    assert {c["result"] for c in doc["checks"]} == {"pass", "skipped"}  # live-only skipped
    assert doc["claims"]["family_name"] == "欧阳"
    assert doc["claims"]["birth_date"] == "1988-11-30"
    assert doc["claims"]["vehicle_classes"] == ["C1", "D"]
    assert doc["authority"] == {"number": 1, "id": "CN-31-DMV", "name_zh": "上海市公安局交通管理局",
                                "name_en": "Shanghai Traffic Police", "jurisdiction": "CN-31"}
    assert doc["licence_type"]["code"] == 1 and doc["licence_type"]["name"] == "driving"
    state = index.as_of()
    assert state is not None
    assert doc["status_as_of"] == {"block": state.block_number, "time": state.block_time,
                                   "synced_at": world.now}
    assert doc["presentation"] == "printed" and "status" not in doc


def test_status_block_of_revoked_suspended_superseded(world: World,
                                                     index: LicenceIndex) -> None:
    verifier = Verifier(index)
    revoked = verifier.verify(world.qr["revoked"], now=world.now)
    # The chain carries the public class only: the counter never learns the precise cause.
    assert to_json(revoked)["status"]["reason"] == "withdrawn"
    assert revoked.decided_by is not None
    assert "Withdrawn by the issuing authority" in revoked.decided_by.message
    assert "发证机关撤销" in revoked.decided_by.message_zh
    suspended = to_json(verifier.verify(world.qr["suspended_until_future"], now=world.now))
    assert suspended["status"]["state"] == "suspended"
    assert suspended["status"]["until"] == world.t0 + 365 * 86_400
    superseded = to_json(verifier.verify(world.qr["superseded"], now=world.now))
    assert superseded["status"]["state"] == "superseded"
    assert superseded["status"]["successor"] == world.licences["good_2"].status_ref.hex()


def test_forged_licence_shows_no_claims(world: World, index: LicenceIndex) -> None:
    doc = to_json(Verifier(index).verify(world.qr["tampered_claim"], now=world.now))
    assert doc["verdict"] == "invalid" and doc["claims"] == {}
    skipped = [c["name"] for c in doc["checks"] if c["reason"] == "not_run"]
    assert skipped == ["merkle_proof", "accreditation", "scope", "key_window", "withdrawal",
                       "status", "validity",
                       "device_binding", "delegation", "freshness"]


def test_live_presentation_valid_with_selected_claims(world: World,
                                                       index: LicenceIndex) -> None:
    text = world.live("bound", disclose=["age_over_18"])
    doc = to_json(Verifier(index).verify(text, now=world.now + 10))
    assert doc["verdict"] == "valid" and doc["presentation"] == "live"
    assert doc["claims"] == {"age_over_18": True}
    # Every check passed; the agent's one does not apply to the holder's own code.
    results = {c["name"]: (c["result"], c["reason"]) for c in doc["checks"]}
    assert results.pop("delegation") == ("skipped", "not_applicable")
    assert all(result == "pass" for result, _ in results.values())


@pytest.mark.parametrize(("make", "reason"), [
    (lambda w: w.live("bound", at=w.now - 61), "presentation_stale"),
    (lambda w: w.live("bound", at=w.now + 31), "presentation_from_future"),
    (live_with_wrong_device_key, "signature_invalid"),
    (live_with_foreign_signature, "device_signature_invalid"),
], ids=["stale_presentation", "presentation_from_future", "wrong_device_key",
        "foreign_device_signature"])
def test_live_presentation_defects(world: World, index: LicenceIndex, make, reason) -> None:
    result = Verifier(index).verify(make(world), now=world.now)
    assert result.verdict == "invalid"
    assert result.decided_by is not None and result.decided_by.reason == reason


def test_stale_index_gives_unknown_with_its_age(world: World, index: LicenceIndex) -> None:
    now = world.now + 301
    result = Verifier(index).verify(world.qr["good"], now=now)
    assert result.verdict == "unknown"
    assert result.decided_by is not None and result.decided_by.reason == "status_index_stale"
    assert result.status_as_of is not None and result.status_as_of.synced_at == world.now
    # Facts that do not depend on freshness still decide.
    assert Verifier(index).verify(world.qr["expired"], now=now).verdict == "expired"
    assert Verifier(index).verify(world.qr["revoked"], now=now).verdict == "revoked"
    assert Verifier(index, policy=Policy(max_staleness=3600, max_head_age=3600)).verify(
        world.qr["good"], now=now).verdict == "valid"


def test_refresh_hook_runs_when_stale_and_its_failure_is_survived(
        world: World, tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    world.sync(path, synced_at=world.now - 1000)  # an old copy
    index = LicenceIndex(path)
    calls: list[int] = []

    def failing_refresh() -> None:
        calls.append(1)
        raise ConnectionError("node down")

    verifier = Verifier(index, refresh=failing_refresh, refresh_interval=30)
    assert verifier.verify(world.qr["good"], now=world.now).verdict == "unknown"
    assert verifier.verify(world.qr["good"], now=world.now + 5).verdict == "unknown"
    assert len(calls) == 1  # not retried within refresh_interval

    def working_refresh() -> None:
        calls.append(2)
        world.sync(path, synced_at=world.now + 40)

    verifier.refresh = working_refresh
    result = verifier.verify(world.qr["good"], now=world.now + 40)
    assert calls == [1, 2] and result.verdict == "valid"
    assert result.status_as_of is not None and result.status_as_of.synced_at == world.now + 40
    index.close()


def test_no_index_at_all_gives_unknown(world: World) -> None:
    result = Verifier(None).verify(world.qr["good"], now=world.now)
    assert result.verdict == "unknown" and result.status_as_of is None
    assert Verifier(None).verify("ELC1:??", now=world.now).verdict == "unreadable"


class ExplodingCheck(Check):
    name = "exploding"

    def run(self, ctx: Context) -> CheckResult:
        raise RuntimeError(f"bad value {ctx.licence.claims['family_name']}")


def test_a_check_that_raises_becomes_internal_error_and_is_logged(
        world: World, index: LicenceIndex, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="elicence.verifier"):
        result = Verifier(index, checks=[ExplodingCheck(), StatusCheck()]).verify(
            world.qr["good"], now=world.now)
    assert [(c.name, c.result, c.reason) for c in result.checks] == [
        ("exploding", "unknown", "internal_error"), ("status", "pass", "status_active")]
    assert result.verdict == "unknown"
    assert "exploding raised RuntimeError" in caplog.text
    assert "欧阳" not in caplog.text  # the exception's text may quote claims: never logged


def test_signature_cache_gives_the_same_answers(world: World, index: LicenceIndex) -> None:
    verifier = Verifier(index)
    first = [verifier.verify(world.qr[n], now=world.now).verdict for n, _, _ in VERDICTS]
    second = [verifier.verify(world.qr[n], now=world.now).verdict for n, _, _ in VERDICTS]
    assert first == second == [v for _, v, _ in VERDICTS]
    # A tampered licence sharing a cached good root's signature still fails.
    assert verifier.verify(world.qr["tampered_claim"], now=world.now).verdict == "invalid"
