"""A licence: one leaf of an anchored batch, with the claims it discloses.

The same class holds the holder's full licence (the per-licence seed plus every claim
value; the verifier recomputes all digests) and a partial disclosure (some claims with
their salts, plus a multiproof of the rest). Objects decoded from QR text are unverified
until `verify_signature` returns; see docs/format.md for the wire format.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any, NamedTuple

import cbor2

from . import _cose, _suites, batch_tree, claims_tree, regions
from ._cbor import dumps, dumps_small_keys, loads_limited
from ._hash import LICENCE_LEAF, NODE_BYTES, device_key_digest, h
from .errors import DecodeError, LicenceError, LimitError, ProofError, SchemaError
from .limits import MAX_CLAIMS, MAX_PROOF_DEPTH
from .qr import LICENCE_PREFIX, encode_text
from .schema import Claims, ClaimSpec, Schema, days_to_date, load_schema
from .signer import Signer, as_signer

# Wire keys of a licence map (ELC1 payload). Keys are API: add, never reuse.
K_PROTECTED, K_SIGNATURE, K_INDEX, K_PROOF = 1, 2, 3, 4
K_STATUS_REF, K_VALID_FROM, K_VALID_UNTIL, K_DEVICE = 5, 6, 7, 8
K_CLAIMS, K_SEED, K_SALTS, K_MULTIPROOF = 9, 10, 11, 12
K_REGION = 13  # the licence's own region, only when it differs from its batch's scope region
_REQUIRED = {K_PROTECTED, K_SIGNATURE, K_INDEX, K_PROOF, K_STATUS_REF, K_VALID_FROM,
             K_VALID_UNTIL, K_CLAIMS}
_ALLOWED = _REQUIRED | {K_DEVICE, K_SEED, K_SALTS, K_MULTIPROOF, K_REGION}

# Protected header: {1: alg, 4: kid, PRIVATE: {1: authority, 2: type, 3: issued_at, 4: n}}
H_ALG, H_KID, H_PRIVATE = 1, 4, -65537
P_AUTHORITY, P_TYPE, P_ISSUED_AT, P_SUBTREE_SIZE = 1, 2, 3, 4
_UINT32, _UINT64 = (1 << 32) - 1, (1 << 64) - 1
_cbor_dumps = cbor2.dumps
_sha256 = hashlib.sha256
_MIN_DAYS, _MAX_DAYS = -719162, 2932896  # date.min .. date.max as days since 1970


def _bad(message: str, reason: str = "structure_invalid") -> DecodeError:
    return DecodeError(message, reason=reason)


def int_keyed_map(value: Any) -> bool:
    """True for a dict whose keys are all plain ints (CBOR true would pass for 1 in Python)."""
    return isinstance(value, dict) and all(type(k) is int for k in value)


def _uint(value: Any, limit: int, what: str) -> int:
    if type(value) is not int or not 0 <= value <= limit:
        raise _bad(f"The licence's {what} is not a valid number.")
    return value


def _bstr(value: Any, size: int | None, what: str) -> bytes:
    if type(value) is not bytes or (size is not None and len(value) != size):
        raise _bad(f"The licence's {what} has the wrong form.")
    return value


@dataclass(frozen=True)
class RootHeader:
    """What the authority signs along with a subtree root (COSE protected header)."""

    authority: int
    key_id: int
    licence_type: int
    issued_at: int
    subtree_size: int
    algorithm: int = _suites.ALG_ES256  # COSE alg of the signing suite

    @cached_property
    def suite(self) -> _suites.Suite:
        return _suites.BY_ALG[self.algorithm]

    def encode(self) -> bytes:
        kid = self.key_id.to_bytes(max(1, (self.key_id.bit_length() + 7) // 8), "big")
        return dumps({H_ALG: self.algorithm, H_KID: kid, H_PRIVATE: {
            P_AUTHORITY: self.authority, P_TYPE: self.licence_type,
            P_ISSUED_AT: self.issued_at, P_SUBTREE_SIZE: self.subtree_size}})

    @classmethod
    def decode_unverified(cls, protected: bytes) -> RootHeader:
        # Every licence of a subtree carries the same header: decode each one once.
        return _decode_header(protected)

    @classmethod
    def _decode(cls, protected: bytes) -> RootHeader:
        m = loads_limited(protected, max_depth=2, max_items=16)
        if not int_keyed_map(m) or set(m) != {H_ALG, H_KID, H_PRIVATE}:
            raise _bad("The licence's signed header has unexpected fields.", "header_invalid")
        alg = m[H_ALG]
        if type(alg) is not int or alg not in _suites.BY_ALG:
            raise _bad("The licence is signed with an unsupported algorithm (ES256 or SM2 "
                       "with SM3 only).", "algorithm_unsupported")
        kid, p = m[H_KID], m[H_PRIVATE]
        if type(kid) is not bytes or not 1 <= len(kid) <= 4 or (len(kid) > 1 and kid[0] == 0):
            raise _bad("The licence's key id is malformed.", "header_invalid")
        if not int_keyed_map(p) or set(p) != {P_AUTHORITY, P_TYPE, P_ISSUED_AT,
                                                 P_SUBTREE_SIZE}:
            raise _bad("The licence's signed header has unexpected fields.", "header_invalid")
        size = _uint(p[P_SUBTREE_SIZE], _UINT64, "batch size")
        if not 0 < size <= batch_tree.MAX_SUBTREE_SIZE:
            raise LimitError("The licence's batch subtree is larger than the format allows.",
                             reason="proof_too_deep")
        header = cls(authority=_uint(p[P_AUTHORITY], _UINT32, "authority"),
                     key_id=int.from_bytes(kid, "big"),
                     licence_type=_uint(p[P_TYPE], 255, "licence type"),
                     issued_at=_uint(p[P_ISSUED_AT], _UINT64, "issue time"),
                     subtree_size=size, algorithm=alg)
        if header.key_id == 0 or header.authority == 0:
            raise _bad("The licence's authority or key number is zero.", "header_invalid")
        return header


@lru_cache(maxsize=4096)
def _decode_header(protected: bytes) -> RootHeader:
    return RootHeader._decode(protected)


@dataclass(frozen=True)
class SignedRoot:
    """One signed subtree root; the batch's roots go on chain in one anchor transaction."""

    root: bytes
    header: RootHeader
    protected: bytes
    signature: bytes


_ROOT_MEMO = "_subtree_root"  # not a field: equality, repr and replace() ignore it


@dataclass(frozen=True)
class Licence:
    """A licence (full or partially disclosed). Decoded ones are unverified until
    `verify_signature` returns."""

    header: RootHeader
    protected: bytes
    signature: bytes
    leaf_index: int
    proof: bytes  # packed 16-byte sibling nodes, bottom to top
    status_ref: bytes
    valid_from: int  # unix seconds
    valid_until: int  # unix seconds
    device_digest: bytes | None  # H(0x04 || device key) for wallet-bound copies
    claims: Claims
    seed: bytes | None  # full licence: the salt seed
    salts: Mapping[str, bytes] | None = None  # partial disclosure: salt per disclosed claim
    multiproof: bytes = b""  # partial disclosure: packed claims-tree nodes
    # The licence's region when it is narrower than its batch's scope region (signed in the
    # leaf); None: the licence's region is the batch's, which the registry holds.
    region: str | None = None

    def region_in(self, batch_region: str) -> str:
        """The licence's region, given the region its batch was anchored under."""
        return batch_region if self.region is None else self.region

    @property
    def schema(self) -> Schema:
        return load_schema(self.header.licence_type)

    @property
    def is_full(self) -> bool:
        return self.seed is not None

    def disclose(self, names: Iterable[str]) -> Licence:
        """A copy disclosing only `names` (with salts and a multiproof); needs the seed."""
        if self.seed is None:
            raise LicenceError("Only a full licence can be narrowed to a disclosure.",
                               reason="not_full_licence")
        schema = self.schema
        wanted = sorted(set(names))
        unknown = set(wanted) - set(self.claims)
        if unknown:
            raise LicenceError("These claims are not in the licence: "
                               + ", ".join(sorted(unknown)) + ".", reason="claim_unknown")
        new = self.header.suite.new
        digests = claims_tree.leaf_digests(schema, self.claims, self.seed, new)
        picked = {i for i, c in enumerate(schema.leaves) if c.name in wanted}
        salts = claims_tree.derive_salts(self.seed,
                                         [bytes((schema.by_name[n].key,)) for n in wanted], new)
        return Licence(
            header=self.header, protected=self.protected, signature=self.signature,
            leaf_index=self.leaf_index, proof=self.proof, status_ref=self.status_ref,
            valid_from=self.valid_from, valid_until=self.valid_until,
            device_digest=self.device_digest,
            claims={n: v for n, v in self.claims.items() if n in wanted}, seed=None,
            salts=dict(zip(wanted, salts, strict=True)), region=self.region,
            multiproof=b"".join(claims_tree.multiproof(schema, digests, picked, new)))

    # ------------------------------------------------------------------ verification
    def claims_root(self) -> bytes:
        schema = self.schema
        new = self.header.suite.new
        if self.seed is not None:
            return claims_tree.claims_root(schema, self.claims, self.seed, new)
        salts = self.salts or {}
        index = claims_tree.leaf_positions(schema)
        disclosed = {index[n]: claims_tree.claim_digest(schema.by_name[n].key, v, salts[n], new)
                     for n, v in self.claims.items()}
        mp = self.multiproof
        nodes = [mp[i : i + NODE_BYTES] for i in range(0, len(mp), NODE_BYTES)]
        return claims_tree.root_from_multiproof(schema, disclosed, nodes, new)

    def leaf_hash(self) -> bytes:
        return _leaf_hash(self.status_ref, self.valid_from, self.valid_until,
                          self.claims_root(), self.device_digest, self.region,
                          self.header.suite.new)

    def subtree_root(self) -> bytes:
        """The signed root this licence proves membership of; ProofError if malformed.

        Computed once per object: the fields are frozen, and a verification that checks
        a root signature it has not seen needs the root twice (to look the batch up, then
        inside the signed bytes), which would otherwise hash every claim again."""
        root = self.__dict__.get(_ROOT_MEMO)
        if root is None:
            root = batch_tree.root_from_proof(self.leaf_hash(), self.leaf_index,
                                              self.header.subtree_size, self.proof,
                                              self.header.suite.new)
            self.__dict__[_ROOT_MEMO] = root  # (a frozen dataclass refuses setattr)
        return root

    def verify_signature(self, public_key: _suites.PublicKey) -> None:
        """Checks the authority's signature over this licence's subtree root.

        Returns nothing; raises SignatureError or ProofError. The key must belong to the
        suite the signed header names (reason `algorithm_mismatch` otherwise). Whether the
        root is anchored, the key's validity window and the licence status are the
        verifier's checks (look the root up with `subtree_root()`).
        """
        _suites.verify(self.header.suite, public_key, self.signature,
                       _cose.sig_structure(self.protected, _cose.LICENCE_CONTEXT,
                                           self.subtree_root()))

    # ------------------------------------------------------------------ wire form
    def to_map(self) -> dict[int, Any]:
        schema = self.schema
        m: dict[int, Any] = {
            K_PROTECTED: self.protected, K_SIGNATURE: self.signature,
            K_INDEX: self.leaf_index, K_PROOF: self.proof, K_STATUS_REF: self.status_ref,
            K_VALID_FROM: self.valid_from, K_VALID_UNTIL: self.valid_until,
            K_CLAIMS: {schema.by_name[n].key: claims_tree.cbor_value(v)
                       for n, v in self.claims.items()},
        }
        if self.device_digest is not None:
            m[K_DEVICE] = self.device_digest
        if self.region is not None:
            m[K_REGION] = self.region
        if self.seed is not None:
            m[K_SEED] = self.seed
        else:
            salts = self.salts or {}
            m[K_SALTS] = b"".join(salts[n] for n in
                                  sorted(self.claims, key=lambda n: schema.by_name[n].key))
            if self.multiproof:
                m[K_MULTIPROOF] = self.multiproof
        return m

    def to_bytes(self) -> bytes:
        """Deterministic CBOR of the licence map (what the ELC1 QR text carries)."""
        return dumps_small_keys(self.to_map())

    def to_qr(self) -> str:
        return encode_text(LICENCE_PREFIX, self.to_bytes())

    @classmethod
    def from_bytes_unverified(cls, data: bytes) -> Licence:
        return cls.from_map_unverified(loads_limited(data))

    @classmethod
    def from_map_unverified(cls, m: Any) -> Licence:
        """Checks structure and types only; nothing here is authenticated yet."""
        if not int_keyed_map(m) or not set(m) >= _REQUIRED or not set(m) <= _ALLOWED:
            raise _bad("The licence data does not have the fields of a licence.")
        if (K_SEED in m) == (K_SALTS in m) or (K_SEED in m and K_MULTIPROOF in m):
            raise _bad("The licence must carry either a salt seed or per-claim salts.")
        header = RootHeader.decode_unverified(_bstr(m[K_PROTECTED], None, "signed header"))
        try:
            schema = load_schema(header.licence_type)
        except SchemaError:
            raise _bad(f"Licence type {header.licence_type} is unknown to this verifier.",
                       "licence_type_unknown") from None
        proof = _bstr(m[K_PROOF], None, "batch proof")
        if len(proof) > NODE_BYTES * MAX_PROOF_DEPTH:
            raise LimitError("The batch proof is deeper than the format allows.",
                             reason="proof_too_deep")
        if len(proof) % NODE_BYTES:
            raise ProofError("The batch proof has a broken length.", reason="proof_invalid")
        raw_claims = m[K_CLAIMS]
        if not isinstance(raw_claims, dict):
            raise _bad("The licence's claims are not a map.")
        if len(raw_claims) > MAX_CLAIMS:
            raise LimitError("The licence discloses more claims than the format allows.",
                             reason="too_many_claims")
        claims: Claims = {}
        for key, value in raw_claims.items():
            spec = schema.by_key.get(key) if type(key) is int else None
            if spec is None:
                raise _bad(f"The licence carries claim key {key!r}, unknown for a "
                           f"{schema.name} licence.", "claim_unknown")
            claims[spec.name] = _claim_value(spec, value)
        seed, salts, multiproof = None, None, b""
        if K_SEED in m:
            seed = _bstr(m[K_SEED], NODE_BYTES, "salt seed")
            missing = [c.name for c in schema.claims if c.required and c.name not in claims]
            if missing:
                raise _bad("The full licence lacks required claims: " + ", ".join(missing)
                           + ".", "claims_incomplete")
        else:
            packed = _bstr(m[K_SALTS], NODE_BYTES * len(claims), "salts")
            names = sorted(claims, key=lambda n: schema.by_name[n].key)
            salts = {n: packed[i * NODE_BYTES : (i + 1) * NODE_BYTES]
                     for i, n in enumerate(names)}
            multiproof = _bstr(m.get(K_MULTIPROOF, b""), None, "claims proof")
            if len(multiproof) % NODE_BYTES or len(multiproof) > NODE_BYTES * MAX_CLAIMS \
                    or (K_MULTIPROOF in m and not multiproof):
                raise ProofError("The claims proof has a broken length.",
                                 reason="claims_proof_invalid")
        device = m.get(K_DEVICE)
        region = m.get(K_REGION)
        if region is not None and not regions.is_region(region):
            raise _bad("The licence's region is not a division code prefix.", "region_invalid")
        return cls(
            header=header, protected=m[K_PROTECTED],
            signature=_bstr(m[K_SIGNATURE], _cose.SIGNATURE_BYTES, "signature"),
            leaf_index=_uint(m[K_INDEX], _UINT32, "batch position"), proof=proof,
            status_ref=_bstr(m[K_STATUS_REF], NODE_BYTES, "status reference"),
            valid_from=_uint(m[K_VALID_FROM], _UINT64, "validity start"),
            valid_until=_uint(m[K_VALID_UNTIL], _UINT64, "validity end"),
            device_digest=None if device is None else _bstr(device, NODE_BYTES, "device key"),
            claims=claims, seed=seed, salts=salts, multiproof=multiproof, region=region)


def _claim_value(spec: ClaimSpec, value: Any) -> Any:
    kind = spec.type
    ok = False
    if kind in ("text", "credit_code", "enum"):
        ok = type(value) is str and len(value) <= (spec.max_length or 64) and (
            kind != "enum" or value in spec.values)
    elif kind == "date":
        if type(value) is int and _MIN_DAYS <= value <= _MAX_DAYS:
            return days_to_date(value)
    elif kind == "bool":
        ok = type(value) is bool
    elif kind == "list":
        ok = type(value) is list and 0 < len(value) <= (spec.max_items or MAX_CLAIMS) and all(
            type(v) is str and v in spec.values for v in value)
    if not ok:
        raise _bad(f"The licence's {spec.name} value has the wrong form.", "claim_invalid")
    return value


def _leaf_hash(status_ref: bytes, valid_from: int, valid_until: int, claims_root: bytes,
               device_digest: bytes | None, region: str | None = None,
               new: Callable[..., Any] = _sha256) -> bytes:
    """H(0x00 || cbor({1: ref, 2: from, 3: until, 4: claims root[, 5: device digest]
    [, 6: region]})), with the map encoded by hand: it is hashed once per licence at issue."""
    size, tail = 4, b""
    if device_digest is not None:
        size, tail = size + 1, b"\x05\x50" + device_digest
    if region is not None:
        size, tail = size + 1, tail + b"\x06" + _cbor_dumps(region)
    head = bytes((0xA0 + size, 0x01, 0x50))
    return h(LICENCE_LEAF + head + status_ref + b"\x02" + _cbor_dumps(valid_from) + b"\x03"
             + _cbor_dumps(valid_until) + b"\x04\x50" + claims_root + tail, new)


class LicenceItem(NamedTuple):
    """One licence to issue: validated claims, validity (unix s), status ref, device key,
    and its region when narrower than the batch's (None: the batch's region)."""

    claims: Claims
    valid_from: int
    valid_until: int
    status_ref: bytes
    device_key: bytes | None = None  # 33-byte compressed P-256 key for a wallet-bound copy
    region: str | None = None


@dataclass(frozen=True)
class Batch:
    roots: list[SignedRoot]  # in anchoring order
    licences: list[Licence]  # in input order

    @property
    def packed_roots(self) -> bytes:
        """The `roots` argument of the registry's anchor(licenceType, count, roots)."""
        return b"".join(r.root for r in self.roots)


def build_batch(authority: int, key_id: int, signer: Signer | _suites.PrivateKey,
                licence_type: int, issued_at: int,
                items: Sequence[LicenceItem | tuple[Any, ...]], *,
                random_bytes: Callable[[int], bytes] = os.urandom,
                region: str = "") -> Batch:
    """Commits to every item's claims, builds the ≤16 subtrees and has `signer` sign
    their roots (one signature per subtree, however many licences).

    `items` hold claims already normalised by Schema.validate. `random_bytes` supplies the
    per-licence salt seeds (tests pass a deterministic source). `region` is the scope region
    the batch will be anchored under: an item's region equal to it is left out of the leaf
    (and of the QR); one outside it is refused. The key's suite (ES256 or SM2 with SM3)
    fixes the signature and the hash of every digest, node and salt.
    """
    schema = load_schema(licence_type)
    names = set(schema.by_name)
    signer = as_signer(signer)
    suite = signer.suite
    new = suite.new
    entries = [LicenceItem(*item) for item in items]
    ranges = batch_tree.split(len(entries))
    seeds = random_bytes(NODE_BYTES * len(entries))
    leaves: list[bytes] = []
    devices: list[bytes | None] = []
    own_regions: list[str | None] = []
    for i, (claims, valid_from, valid_until, status_ref, device_key, own) in enumerate(entries):
        if not names.issuperset(claims):
            raise SchemaError("Claims " + ", ".join(sorted(set(claims) - names)) + " are not "
                              f"part of a {schema.name} licence; validate rows first.",
                              reason="claim_unknown")
        if len(status_ref) != NODE_BYTES or not 0 <= valid_from <= valid_until:
            raise LicenceError("Each licence needs a 16-byte status reference and "
                               "valid_from <= valid_until.", reason="item_invalid")
        own = None if own == region else own
        if own is not None and not (regions.is_region(own) and regions.within(own, region)):
            raise LicenceError(f"A licence's region {own!r} is not within the batch's region "
                               f"{region!r}.", reason="region_outside_batch")
        own_regions.append(own)
        device = None if device_key is None else device_key_digest(device_key, new)
        devices.append(device)
        seed = seeds[i * NODE_BYTES : (i + 1) * NODE_BYTES]
        leaves.append(_leaf_hash(status_ref, valid_from, valid_until,
                                 claims_tree.claims_root(schema, claims, seed, new), device,
                                 own, new))
    roots: list[SignedRoot] = []
    licences: list[Licence] = []
    for r in ranges:
        tree = batch_tree.levels(leaves[r.start : r.stop], new)
        header = RootHeader(authority, key_id, licence_type, issued_at, len(r), suite.alg)
        protected = header.encode()
        root = tree[-1][0]
        signature = signer.sign(_cose.sig_structure(protected, _cose.LICENCE_CONTEXT, root))
        roots.append(SignedRoot(root, header, protected, signature))
        for j, i in enumerate(r):
            e = entries[i]
            licences.append(Licence(
                header=header, protected=protected, signature=signature, leaf_index=j,
                proof=batch_tree.proof(tree, j), status_ref=e.status_ref,
                valid_from=e.valid_from, valid_until=e.valid_until, device_digest=devices[i],
                claims=e.claims, seed=seeds[i * NODE_BYTES : (i + 1) * NODE_BYTES],
                region=own_regions[i]))
    return Batch(roots=roots, licences=licences)

