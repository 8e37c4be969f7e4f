"""Decoding registry revert data (Solidity custom errors) into `ContractReverted` with words."""

from __future__ import annotations

import ast
from typing import Any

from eth_abi import decode as abi_decode
from eth_utils import function_signature_to_4byte_selector, to_checksum_address
from web3.exceptions import ContractLogicError

from chain.errors import ContractReverted
from licence.errors import SchemaError
from licence.schema import all_schemas, load_schema
from licence.vocabulary import ReasonClass, Role, StatusCode

_TYPE_CHOICES = ", ".join(f"{s.code} ({s.name})" for s in all_schemas())
_STATUS_CHOICES = ", ".join(f"{c.value} ({c.name.lower()})" for c in StatusCode)
_CLASS_CHOICES = ", ".join(f"{c.value} ({c.name.lower()})" for c in ReasonClass)

# One sentence per registry error: what is wrong, and what to do. Placeholders are the
# error's parameter names (values formatted by `_display`).
SENTENCES: dict[str, str] = {
    "RegistryNotCouncilMember": (
        "Account {account} is not a council member: send governance actions from a council "
        "account."
    ),
    "RegistryOnlySelf": (
        "{caller} called a governance-only function directly: propose it through the council "
        "instead."
    ),
    "RegistryInvalidThreshold": (
        "Threshold {threshold} is not allowed with {members} council member(s): it must be at "
        "least 2 and more than half the council (raise the threshold before adding members)."
    ),
    "RegistryCouncilMemberExists": "Account {account} is already a council member: nothing to add.",
    "RegistryCouncilMemberUnknown": (
        "Account {account} is not a council member: check the address to remove."
    ),
    "RegistryProposalUnknown": "Proposal {proposalId} does not exist: check the proposal number.",
    "RegistryProposalAlreadyApproved": (
        "Council member {member} has already approved proposal {proposalId}: another member "
        "must approve it."
    ),
    "RegistryProposalAlreadyExecuted": (
        "Proposal {proposalId} has already been executed: nothing more to approve."
    ),
    "RegistryProposalExpired": (
        "Proposal {proposalId} expired at {expiresAt}: propose the change again."
    ),
    "RegistryProposalCancelled": (
        "Proposal {proposalId} was cancelled by its proposer: propose the change again if it "
        "is still wanted."
    ),
    "RegistryNotProposer": (
        "{account} did not propose {proposalId}: only its proposer may cancel it."
    ),
    "RegistryInvalidLifetime": (
        "A proposal may stay open at most {max} seconds, not {lifetime}: choose a shorter "
        "lifetime."
    ),
    "RegistryProposalFailed": (
        "Proposal {proposalId} reached its approvals but its action failed ({returnData}): "
        "propose a corrected action."
    ),
    "RegistryAuthorityUnknown": (
        "Authority {authority} is not registered: check the authority number."
    ),
    "RegistryAuthorityIdTaken": (
        "Authority id {id} is already registered: choose another id or update the existing "
        "authority."
    ),
    "RegistryAuthoritySuspended": (
        "Authority {authority} is suspended: the council must reinstate it first."
    ),
    "RegistryAuthorityNotSuspended": (
        "Authority {authority} is not suspended: there is nothing to reinstate."
    ),
    "RegistryAccountTaken": (
        "Account {account} already belongs to authority {authority}: use a different account."
    ),
    "RegistryMissingRole": (
        "Account {account} does not hold the {role} role {authority}: send this with the "
        "authority's {role} account (--as ID-{role}), or ask the council to assign the role."
    ),
    "RegistryInvalidRoles": (
        "Roles {roles} are not valid: combine anchor (1), status (2) and keys (4), or 0 to "
        "remove the account."
    ),
    "RegistryScopeNotAccredited": (
        "Authority {authority} is not accredited for {licenceType} licences in region "
        "{region}: use one of its scopes, or ask the council to add this one."
    ),
    "RegistryInvalidRegion": (
        "Region {region} is not a division code prefix: use 2, 4 or 6 digits of a GB/T 2260 "
        "code, or none for nationwide."
    ),
    "RegistryInvalidLicenceType": (
        "Licence type {licenceType} is not valid: use one of " + _TYPE_CHOICES + "."
    ),
    "RegistryKeyUnknown": (
        "Authority {authority} has no signing key {keyId}: check the key number."
    ),
    "RegistryInvalidKey": (
        "A signing key must be a 33-byte compressed P-256 public key, not {length} bytes: "
        "export the key in compressed SEC1 form."
    ),
    "RegistryInvalidKeyWindow": (
        "Key validity from {validFrom} until {validUntil} is not allowed: the end must be after "
        "the start (and, when an authority shortens it, no earlier than now and before the "
        "current end; earlier ends are the council's)."
    ),
    "RegistryKeyAlreadyCompromised": (
        "Key {keyId} of authority {authority} is already marked compromised from "
        "{compromisedAt}: only the council can change that mark."
    ),
    "RegistryInvalidRoots": (
        "Batch roots must be packed 16-byte roots, not {length} bytes: check the batch."
    ),
    "RegistryTooManyRoots": (
        "A batch may have at most {max} roots, not {count}: split the batch."
    ),
    "RegistryTooManyRefs": (
        "A status change may name at most {max} licences, not {count}: send it in parts."
    ),
    "RegistryInvalidReasonClass": (
        "Reason class {reasonClass} is not valid: use one of " + _CLASS_CHOICES + "."
    ),
    "RegistryCouncilOnly": (
        "Status {status} with reason class {reasonClass} is the council's to use: an authority "
        "revokes with its own reason classes, and the council withdraws through a proposal."
    ),
    "RegistryInvalidRefs": (
        "Status references must be packed 16-byte values (successors: one per reference for "
        "status 4, none otherwise), got {length} bytes: check the list."
    ),
    "RegistryInvalidStatus": (
        "Status {status} is not valid: use one of " + _STATUS_CHOICES + "."
    ),
    "RegistryEmptyBatch": "A batch must contain at least one licence: check the licence count.",
    "RegistryInvalidAccount": (
        "{account} cannot be used as a registry account: give a real external account address."
    ),
    "RegistryInvalidAction": (
        "A proposal's action must call one of the registry's governance functions, not "
        "selector {selector}: build it with the registry client's action helpers."
    ),
    "RegistryInvalidAuditHead": (
        "The audit log head was refused (count {count}): a head must be non-zero and cover "
        "at least one entry."
    ),
    "RegistryInvalidAuthorityId": (
        "Authority id {id!r} is not allowed: use a non-empty id such as CN-31-DMV."
    ),
    "RegistryInvalidKeyPrefix": (
        "A signing key must start with 0x02 or 0x03 (compressed SEC1), not {prefix}: export "
        "the key in compressed form."
    ),
    "RegistryInvalidSuccessors": (
        "Expected {expected} bytes of successor references, got {length}: give one 16-byte "
        "successor per reference for status 4 (superseded) and none otherwise."
    ),
    "RegistryInvalidUntil": (
        "Status {status} cannot have until={until}: a suspension needs an end time in the "
        "future, other statuses need 0."
    ),
}

_PANIC_SELECTOR = bytes.fromhex("4e487b71")
_ERROR_STRING_SELECTOR = bytes.fromhex("08c379a0")


def _display(name: str, value: Any) -> str:
    if name == "region" and isinstance(value, bytes):
        digits = value.rstrip(b"\0")
        if not digits:
            return "nationwide"
        return digits.decode("ascii") if digits.isdigit() else "0x" + value.hex()
    if name == "role":
        try:
            return (Role(int(value)).name or str(value)).lower()
        except ValueError:
            return str(value)
    if isinstance(value, bytes):
        return "0x" + value.hex() if value else "no data"
    if name == "licenceType":
        try:
            return f"{load_schema(int(value)).name} (type {value})"
        except SchemaError:
            pass
    return str(value)


class RevertDecoder:
    """Maps 4-byte error selectors of an ABI to decoders; one per registry ABI."""

    def __init__(self, abi: list[dict[str, Any]]) -> None:
        self._errors: dict[bytes, tuple[str, list[str], list[str]]] = {}
        for entry in abi:
            if entry.get("type") != "error":
                continue
            types = [_canonical_type(i) for i in entry["inputs"]]
            names = [i["name"] for i in entry["inputs"]]
            selector = function_signature_to_4byte_selector(f"{entry['name']}({','.join(types)})")
            self._errors[selector] = (entry["name"], types, names)

    def decode(self, data: bytes | str | None) -> ContractReverted:
        raw = _to_bytes(data)
        selector, body = raw[:4], raw[4:]
        if selector in self._errors:
            name, types, names = self._errors[selector]
            values = abi_decode(types, body)
            args = {
                n: to_checksum_address(v) if t == "address" else v
                for n, t, v in zip(names, types, values, strict=True)
            }
            template = SENTENCES.get(name, name + " ({args}): check the transaction's values.")
            shown = {n: _display(n, v) for n, v in args.items()}
            if name == "RegistryMissingRole":
                number = args["authority"]
                shown["authority"] = f"for authority {number}" if number else "for any authority"
            if "{args}" in template:
                shown = {"args": ", ".join(f"{k}={v}" for k, v in shown.items())}
            return ContractReverted(template.format(**shown), error=name, args=args)
        if selector == _ERROR_STRING_SELECTOR:
            (text,) = abi_decode(["string"], body)
            return ContractReverted(f"The registry refused the call: {text}.", error="Error")
        if selector == _PANIC_SELECTOR:
            (code,) = abi_decode(["uint256"], body)
            return ContractReverted(
                f"The registry hit an internal fault (panic 0x{code:02x}): report this with the "
                "transaction.",
                error="Panic",
                args={"code": code},
            )
        return ContractReverted(
            "The registry refused the call without a reason: check the registry address and "
            "the values sent.",
        )


def revert_data(exc: BaseException) -> bytes | str | None:
    """Revert data carried by `exc`, or None when `exc` is not a revert.

    web3 raises ContractLogicError with `.data` for JSON-RPC nodes; the in-process
    eth-tester backend raises its own TransactionFailed holding the raw bytes.
    """
    if isinstance(exc, ContractLogicError):
        return exc.data if exc.data is not None else b""  # type: ignore[return-value]
    if type(exc).__module__.startswith("eth_tester"):
        cause: BaseException | None = exc
        while cause is not None:
            if cause.args and isinstance(cause.args[0], bytes):
                return cause.args[0]
            if cause.args and isinstance(cause.args[0], str):
                # eth_call through eth-tester stringifies the bytes: "...reverted: b'...'".
                text = cause.args[0].removeprefix("execution reverted: ")
                if text.startswith(("b'", 'b"')):
                    return bytes(ast.literal_eval(text))
            cause = cause.__cause__ or cause.__context__
        return b""
    return None


def _canonical_type(param: dict[str, Any]) -> str:
    kind = param["type"]
    if kind.startswith("tuple"):
        inner = ",".join(_canonical_type(c) for c in param["components"])
        return f"({inner}){kind[5:]}"
    return kind


def _to_bytes(data: bytes | str | dict[str, Any] | None) -> bytes:
    if data is None:
        return b""
    if isinstance(data, dict):  # some nodes wrap revert data: {"data": "0x..."}
        return _to_bytes(data.get("data"))
    if isinstance(data, bytes):
        return data
    text = data[2:] if data.startswith("0x") else data
    try:
        return bytes.fromhex(text)
    except ValueError:
        return b""
