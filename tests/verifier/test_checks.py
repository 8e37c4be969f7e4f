"""Each check alone (a one-check pipeline) against fixtures whose names state their defect.

Fixtures are real licences anchored on a real registry (eth-tester), read through the real
indexer; see world.py.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from chain.index import LicenceIndex
from verifier import Policy, Verifier
from verifier.checks import (
    AccreditationCheck,
    Check,
    DecodeCheck,
    DeviceBindingCheck,
    FreshnessCheck,
    KeyWindowCheck,
    LimitsCheck,
    MerkleProofCheck,
    SignatureCheck,
    StatusCheck,
    ValidityCheck,
)

from .world import World, live_with_foreign_signature, live_with_wrong_device_key

pytestmark = pytest.mark.timeout(120)

Input = Callable[[World], object]


def printed(name: str) -> Input:
    return lambda world: world.qr[name]


def live(name: str, *, age: int = 0, challenge: bytes = b"") -> Input:
    return lambda world: world.live(name, at=world.now - age, challenge=challenge)


def run_one(check: Check, world: World, index: LicenceIndex, text: object, *,
            now: int | None = None, challenge: bytes | None = None) -> tuple[str, str]:
    verifier = Verifier(index, checks=[check])
    result = verifier.verify(text, now=world.now if now is None else now, challenge=challenge)
    (only,) = result.checks
    return only.result, only.reason


CASES: list[tuple[type[Check], str, Input, str, str]] = [
    (LimitsCheck, "good", printed("good"), "pass", "within_limits"),
    (LimitsCheck, "empty_text", lambda w: "", "fail", "input_empty"),
    (LimitsCheck, "not_text", lambda w: b"ELC1:ABC", "fail", "input_not_text"),
    (LimitsCheck, "oversized_text", lambda w: "ELC1:" + "0" * 5000, "fail", "text_too_long"),
    (LimitsCheck, "non_ascii_text", lambda w: "ELC1:驾驶证", "fail", "input_not_ascii"),
    (DecodeCheck, "good", printed("good"), "pass", "decoded"),
    (DecodeCheck, "wrong_prefix", lambda w: "HC1:" + w.qr["good"][5:], "fail",
     "prefix_unknown"),
    (DecodeCheck, "truncated_text", lambda w: w.qr["good"][:5 + 300], "fail", "cbor_invalid"),
    (DecodeCheck, "bound_copy_shown_printed",
     lambda w: w.licences["bound"].to_qr(), "fail", "bound_licence_not_live"),
    (SignatureCheck, "good", printed("good"), "pass", "signature_valid"),
    (SignatureCheck, "tampered_claim", printed("tampered_claim"), "fail", "signature_invalid"),
    (SignatureCheck, "unregistered_key_id", printed("unregistered_key_id"), "fail",
     "key_unknown"),
    (SignatureCheck, "live_with_wrong_device_key", live_with_wrong_device_key, "fail",
     "signature_invalid"),
    (MerkleProofCheck, "good", printed("good"), "pass", "root_anchored"),
    (MerkleProofCheck, "root_never_anchored", printed("root_never_anchored"), "fail",
     "root_not_anchored"),
    (MerkleProofCheck, "root_of_other_authority", printed("root_of_other_authority"), "fail",
     "root_anchored_by_other_authority"),
    (MerkleProofCheck, "signer_not_accredited_for_type",
     printed("signer_not_accredited_for_type"), "fail", "batch_type_mismatch"),
    (AccreditationCheck, "good", printed("good"), "pass", "authority_accredited"),
    (AccreditationCheck, "signer_not_accredited_for_type",
     printed("signer_not_accredited_for_type"), "fail", "authority_not_accredited"),
    (AccreditationCheck, "root_never_anchored", printed("root_never_anchored"), "unknown",
     "batch_not_found"),
    (KeyWindowCheck, "good", printed("good"), "pass", "key_valid_at_anchoring"),
    (KeyWindowCheck, "key_compromised_before_anchoring",
     printed("key_compromised_before_anchoring"), "fail", "key_compromised"),
    (KeyWindowCheck, "key_compromised_after_anchoring",
     printed("key_compromised_after_anchoring"), "pass", "key_valid_at_anchoring"),
    (KeyWindowCheck, "key_not_yet_valid_at_anchoring",
     printed("key_not_yet_valid_at_anchoring"), "fail", "key_not_yet_valid"),
    (KeyWindowCheck, "key_expired_at_anchoring", printed("key_expired_at_anchoring"), "fail",
     "key_expired"),
    (StatusCheck, "good", printed("good"), "pass", "status_active"),
    (StatusCheck, "revoked", printed("revoked"), "fail", "revoked"),
    (StatusCheck, "suspended_until_future", printed("suspended_until_future"), "fail",
     "suspended"),
    (StatusCheck, "suspended_until_past", printed("suspended_until_past"), "pass",
     "suspension_ended"),
    (StatusCheck, "reinstated", printed("reinstated"), "pass", "status_reinstated"),
    (StatusCheck, "superseded", printed("superseded"), "fail", "superseded"),
    (ValidityCheck, "good", printed("good"), "pass", "within_validity"),
    (ValidityCheck, "expired", printed("expired"), "fail", "expired"),
    (ValidityCheck, "not_yet_valid", printed("not_yet_valid"), "fail", "not_yet_valid"),
    (DeviceBindingCheck, "live_good", live("bound"), "pass", "device_bound"),
    (DeviceBindingCheck, "live_with_foreign_signature", live_with_foreign_signature, "fail",
     "device_signature_invalid"),
    (DeviceBindingCheck, "printed_good", printed("good"), "skipped", "not_applicable"),
    (FreshnessCheck, "live_good", live("bound", age=30), "pass", "presentation_fresh"),
    (FreshnessCheck, "stale_presentation", live("bound", age=61), "fail",
     "presentation_stale"),
    (FreshnessCheck, "presentation_from_future", live("bound", age=-31), "fail",
     "presentation_from_future"),
    (FreshnessCheck, "printed_good", printed("good"), "skipped", "not_applicable"),
]


@pytest.mark.parametrize(("check", "fixture", "make_input", "result", "reason"), CASES,
                         ids=[f"{c[0].name}-{c[1]}" for c in CASES])
def test_one_check(world: World, index: LicenceIndex, check: type[Check], fixture: str,
                   make_input: Input, result: str, reason: str) -> None:
    assert run_one(check(), world, index, make_input(world)) == (result, reason)


def test_same_status_ref_revoked_by_another_authority_does_not_count(
        world: World, index: LicenceIndex) -> None:
    # The AMR revoked the 16 bytes of the DMV's "good" reference in its own namespace.
    assert run_one(StatusCheck(), world, index, world.qr["good"]) == ("pass", "status_active")


def test_stale_index_makes_status_unknown(world: World, index: LicenceIndex) -> None:
    stale_now = world.now + Policy().max_staleness + 1
    assert run_one(StatusCheck(), world, index, world.qr["good"], now=stale_now) == (
        "unknown", "status_index_stale")
    # Suspensions can be lifted by events the index has not seen: unknown too.
    assert run_one(StatusCheck(), world, index, world.qr["suspended_until_future"],
                   now=stale_now) == ("unknown", "status_index_stale")


def test_revocation_in_a_stale_index_is_still_certain(world: World,
                                                      index: LicenceIndex) -> None:
    stale_now = world.now + Policy().max_staleness + 1
    assert run_one(StatusCheck(), world, index, world.qr["revoked"], now=stale_now) == (
        "fail", "revoked")


def test_challenge_must_match_when_the_verifier_issued_one(world: World,
                                                           index: LicenceIndex) -> None:
    text = world.live("bound", challenge=b"counter-7-nonce")
    assert run_one(FreshnessCheck(), world, index, text, challenge=b"counter-7-nonce") == (
        "pass", "presentation_fresh")
    assert run_one(FreshnessCheck(), world, index, text, challenge=b"other-nonce") == (
        "fail", "challenge_mismatch")


def test_checks_that_need_a_licence_do_not_run_on_unreadable_input(
        world: World, index: LicenceIndex) -> None:
    assert run_one(StatusCheck(), world, index, "ELC1:%%%") == ("skipped", "not_run")
