"""Decoding registry logs into `Event`s with eth_abi directly (fast enough for bulk indexing)."""

from __future__ import annotations

from typing import Any

from eth_abi import decode as abi_decode
from eth_utils import event_signature_to_log_topic, to_checksum_address

from chain.records import Event


class EventDecoder:
    """Decodes logs of one contract ABI; unknown topics decode to None."""

    def __init__(self, abi: list[dict[str, Any]]) -> None:
        # topic0 → (name, indexed (name, type) pairs, plain names, plain types, address names)
        self._by_topic: dict[bytes, tuple[str, list[tuple[str, str]], list[str], list[str],
                                          list[str]]] = {}
        for entry in abi:
            if entry.get("type") != "event" or entry.get("anonymous"):
                continue
            inputs = entry["inputs"]
            types = ",".join(i["type"] for i in inputs)
            topic = event_signature_to_log_topic(f"{entry['name']}({types})")
            self._by_topic[topic] = (
                entry["name"],
                [(i["name"], i["type"]) for i in inputs if i.get("indexed")],
                [i["name"] for i in inputs if not i.get("indexed")],
                [i["type"] for i in inputs if not i.get("indexed")],
                [i["name"] for i in inputs if i["type"] == "address"],
            )

    def topic(self, name: str) -> bytes:
        for topic, plan in self._by_topic.items():
            if plan[0] == name:
                return topic
        raise KeyError(name)

    def decode(self, log: Any) -> Event | None:
        topics = log["topics"]
        plan = self._by_topic.get(_bytes(topics[0])) if topics else None
        if plan is None:
            return None
        name, indexed, plain_names, plain_types, addresses = plan
        args = dict(zip(plain_names, _decode_params(plain_types, _bytes(log["data"])),
                        strict=True))
        for (arg, kind), topic in zip(indexed, topics[1:], strict=True):
            (args[arg],) = _decode_params([kind], _bytes(topic))
        for arg in addresses:
            args[arg] = to_checksum_address(args[arg])
        return Event(name, args, _int(log["blockNumber"]), _int(log["logIndex"]))


def _decode_params(types: list[str], data: bytes) -> tuple[Any, ...]:
    """ABI-decodes value types and `bytes`/`string` directly (10x eth_abi's speed, which
    matters at a million events); anything else goes to eth_abi."""
    if any(t.endswith("]") or t.startswith("(") for t in types):
        return tuple(abi_decode(types, data))
    values: list[Any] = []
    for position, kind in enumerate(types):
        word = data[32 * position:32 * position + 32]
        if len(word) != 32:
            raise ValueError("log data too short for its event")
        if kind in ("bytes", "string"):
            offset = int.from_bytes(word, "big")
            length = int.from_bytes(data[offset:offset + 32], "big")
            value = data[offset + 32:offset + 32 + length]
            if len(value) != length:
                raise ValueError("log data too short for its event")
            values.append(value.decode("utf-8") if kind == "string" else value)
        elif kind.startswith("uint"):
            values.append(int.from_bytes(word, "big"))
        elif kind == "bool":
            values.append(word[-1] == 1)
        elif kind == "address":
            values.append(word[12:])
        elif kind.startswith("bytes"):
            values.append(word[:int(kind[5:])])
        else:  # signed integers and anything unusual
            values.append(abi_decode([kind], word)[0])
    return tuple(values)


def _bytes(value: Any) -> bytes:
    if isinstance(value, str):
        return bytes.fromhex(value[2:] if value.startswith("0x") else value)
    return bytes(value)


def _int(value: Any) -> int:
    return int(value, 16) if isinstance(value, str) else int(value)
