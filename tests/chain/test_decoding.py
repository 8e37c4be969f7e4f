"""Revert and event decoding against the committed registry ABI (no chain needed)."""

from __future__ import annotations

from typing import Any

import pytest
from eth_abi import encode
from eth_utils import event_signature_to_log_topic, function_signature_to_4byte_selector
from hypothesis import given
from hypothesis import strategies as st

from chain.events import EventDecoder
from chain.registry import load_registry_artifact
from chain.reverts import SENTENCES, RevertDecoder

ABI: list[dict[str, Any]] = load_registry_artifact()["abi"]
ERRORS = [e for e in ABI if e["type"] == "error"]
SAMPLE = {"address": "0x" + "ab" * 20, "bool": True, "string": "CN-31-DMV", "bytes": b"\x01\x02",
          "bytes1": b"\x04", "bytes4": b"\xde\xad\xbe\xef", "bytes6": b"3201\0\0",
          "bytes32": b"\x11" * 32}


def sample(kind: str) -> Any:
    return SAMPLE.get(kind, 7)


@pytest.mark.parametrize("error", ERRORS, ids=[e["name"] for e in ERRORS])
def test_every_registry_error_has_a_sentence(error: dict[str, Any]) -> None:
    types = [i["type"] for i in error["inputs"]]
    data = function_signature_to_4byte_selector(f"{error['name']}({','.join(types)})")
    data += encode(types, [sample(t) for t in types])
    decoded = RevertDecoder(ABI).decode(data)
    assert error["name"] in SENTENCES
    assert decoded.error == error["name"]
    assert set(decoded.args_by_name) == {i["name"] for i in error["inputs"]}
    text = str(decoded)
    assert ": " in text and text.endswith(".") and "{" not in text
    for param in error["inputs"]:  # the values involved are shown
        if param["type"].startswith("uint"):
            assert "7" in text
        if param["type"] == "bytes6":
            assert "3201" in text


def test_panic_string_and_unknown_reverts() -> None:
    decoder = RevertDecoder(ABI)
    panic = decoder.decode(bytes.fromhex("4e487b71") + encode(["uint256"], [0x11]))
    assert panic.error == "Panic" and "panic 0x11" in str(panic)
    message = decoder.decode("0x08c379a0" + encode(["string"], ["no way"]).hex())
    assert message.error == "Error" and "no way" in str(message)
    unknown = decoder.decode(b"\x00\x01\x02\x03")
    assert unknown.error == "" and "without a reason" in str(unknown)
    assert decoder.decode(None).reason == "reverted"


STATUS_TYPES = ["uint8", "uint64", "uint8", "bytes", "bytes", "bytes32"]


@given(
    authority=st.integers(0, 2**32 - 1), status=st.integers(0, 255),
    until=st.integers(0, 2**64 - 1), reason=st.integers(0, 2**8 - 1),
    refs=st.binary(max_size=200), successors=st.binary(max_size=200),
    head=st.binary(min_size=32, max_size=32), hex_form=st.booleans(),
)
def test_fast_event_decoding_matches_the_abi(
    authority: int, status: int, until: int, reason: int, refs: bytes, successors: bytes,
    head: bytes, hex_form: bool,
) -> None:
    topic = event_signature_to_log_topic(
        "StatusChanged(uint32,uint8,uint64,uint8,bytes,bytes,bytes32)")
    data = encode(STATUS_TYPES, [status, until, reason, refs, successors, head])
    topics = [topic, authority.to_bytes(32, "big")]
    log: dict[str, Any] = {"topics": topics, "data": data, "blockNumber": 5, "logIndex": 2}
    if hex_form:  # raw JSON-RPC form
        log = {"topics": ["0x" + t.hex() for t in topics], "data": "0x" + data.hex(),
               "blockNumber": "0x5", "logIndex": "0x2"}
    event = EventDecoder(ABI).decode(log)
    assert event is not None and event.name == "StatusChanged"
    assert (event.block_number, event.log_index) == (5, 2)
    assert event.args == {"authority": authority, "status": status, "until": until,
                          "reasonClass": reason, "refs": refs, "successors": successors,
                          "head": head}


def test_addresses_and_strings_decode() -> None:
    decoder = EventDecoder(ABI)
    member = "0x" + "ab" * 20
    log = {"topics": [decoder.topic("AuthorityAccountSet"), (3).to_bytes(32, "big"),
                      bytes(12) + bytes.fromhex(member[2:])],
           "data": encode(["uint8", "uint8"], [0, 6]), "blockNumber": 1, "logIndex": 0}
    event = decoder.decode(log)
    assert event is not None and event.args == {
        "authority": 3, "account": "0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB", "oldRoles": 0,
        "roles": 6}
    scope = decoder.decode({
        "topics": [decoder.topic("ScopeChanged"), (3).to_bytes(32, "big")],
        "data": encode(["uint8", "bytes6", "bool", "uint64"], [1, b"3201\0\0", False, 9]),
        "blockNumber": 1, "logIndex": 0})
    assert scope is not None and scope.args["region"] == b"3201\0\0"
    registered = decoder.decode({
        "topics": [decoder.topic("AuthorityRegistered"), (1).to_bytes(32, "big")],
        "data": encode(["string"] * 4,
                       ["CN-31-DMV", "上海市公安局交通管理局", "Shanghai", "CN-31"]),
        "blockNumber": 1, "logIndex": 0})
    assert registered is not None and registered.args["nameZh"] == "上海市公安局交通管理局"
    assert decoder.decode({"topics": [b"\x00" * 32], "data": b"", "blockNumber": 1,
                           "logIndex": 0}) is None
