"""A real registry on eth-tester, real batches anchored on it, and the real indexer.

`build_world` deploys a 1-of-1 council registry, registers a driving-licence authority
(DMV, number 1) and a business one (AMR, number 2), registers their signing keys, signs
and anchors batches, changes statuses, and syncs an index at `world.index_path`. Each
licence fixture's name states its defect; `world.qr[name]` is its ELC1 text.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import EthereumTesterProvider, Web3

from chain.index import LicenceIndex
from chain.indexer import Indexer
from chain.registry import Registry
from licence import (
    Batch,
    Licence,
    LicenceItem,
    build_batch,
    compressed_public_key,
    decode_unverified,
    load_schema,
)
from licence._cbor import dumps
from licence._cose import sign
from licence.licence import K_DEVICE
from licence.presentation import B_DEVICE_KEY, B_LICENCE, B_TIME, Presentation, _tbs, present
from licence.vocabulary import ReasonClass, StatusCode
from tests.support.facts import BUSINESS, DRIVING
from tests.support.world import AMR_BEIJING, DMV, VECTORS_DMV, deploy_one_council

from ..licence.licence_testdata import DRIVING_ROW, counter_bytes

DAY, YEAR = 86_400, 365 * 86_400


def private_key(label: str) -> ec.EllipticCurvePrivateKey:
    secret = int.from_bytes(hashlib.sha256(label.encode()).digest(), "big") % (2**255)
    return ec.derive_private_key(secret + 1, ec.SECP256R1())


def ref(label: str) -> bytes:
    """A 16-byte status reference derived from a readable label."""
    return hashlib.sha256(b"ref:" + label.encode()).digest()[:16]


@dataclass
class World:
    w3: Web3
    registry: Registry
    deploy_block: int
    dmv: Registry
    amr: Registry
    index_path: Path
    now: int  # the verification time every fixture is designed around
    t0: int  # chain time when the licences were issued
    licences: dict[str, Licence] = field(default_factory=dict)
    qr: dict[str, str] = field(default_factory=dict)
    device_keys: dict[str, ec.EllipticCurvePrivateKey] = field(default_factory=dict)

    def chain_time(self) -> int:
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def advance(self, seconds: int) -> None:
        self.w3.provider.ethereum_tester.time_travel(  # type: ignore[attr-defined]
            self.chain_time() + seconds)

    def index(self) -> LicenceIndex:
        return LicenceIndex(self.index_path)

    def sync(self, path: Path | None = None, *, synced_at: int | None = None) -> None:
        indexer = Indexer(path or self.index_path, self.registry, start_block=self.deploy_block)
        try:
            indexer.sync(now=self.now if synced_at is None else synced_at)
        finally:
            indexer.close()

    def live(self, name: str, *, at: int | None = None, disclose: list[str] | None = None,
             challenge: bytes = b"") -> str:
        """An ELP1 text of bound licence `name`, made at `at` (default: world.now)."""
        p = present(self.licences[name], disclose, self.device_keys[name],
                    self.now if at is None else at, challenge)
        return p.to_qr()


def _accounts(w3: Web3, n: int) -> list[LocalAccount]:
    accounts = [Account.from_key(hashlib.sha256(f"elicence-verifier-test-{i}".encode()).digest())
                for i in range(n)]
    for account in accounts:  # test setup only: funding our accounts from eth-tester's
        w3.eth.send_transaction({"from": w3.eth.accounts[0], "to": account.address,
                                 "value": 10**21})
    return accounts


def _items(world: World, labels: list[str], *, valid_from: int, valid_until: int,
           overrides: dict[str, tuple[int, int]] | None = None,
           devices: dict[str, ec.EllipticCurvePrivateKey] | None = None) -> list[LicenceItem]:
    claims = load_schema("driving").validate(DRIVING_ROW)
    items = []
    for label in labels:
        start, end = (overrides or {}).get(label, (valid_from, valid_until))
        device = (devices or {}).get(label)
        items.append(LicenceItem(claims, start, end, ref(label),
                                 None if device is None else compressed_public_key(device)))
    return items


def _roots(batch: Batch) -> list[bytes]:
    return [r.root for r in batch.roots]


def _keep(world: World, labels: list[str], licences: list[Licence]) -> None:
    for label, licence in zip(labels, licences, strict=True):
        world.licences[label] = licence
        if licence.device_digest is None:
            world.qr[label] = licence.to_qr()


def build_world(tmp: Path) -> World:
    w3 = Web3(EthereumTesterProvider())
    council, dmv_account, amr_account, vector_account = _accounts(w3, 4)
    deployment = deploy_one_council(w3, council, [(DMV, dmv_account), (AMR_BEIJING, amr_account)])
    registry, deployed = deployment.registry, deployment.deployed
    dmv, amr = deployment.authorities
    t0 = int(w3.eth.get_block("latest")["timestamp"])
    world = World(w3, registry, deployed.block_number, dmv, amr, tmp / "index.sqlite",
                  now=t0, t0=t0)
    keys = {name: private_key(name) for name in
            ("dmv-1", "dmv-leaked-early", "dmv-leaked-late", "dmv-short", "dmv-future", "amr-1")}
    dmv.add_key(compressed_public_key(keys["dmv-1"]), t0 - DAY, t0 + 10 * YEAR)  # key 1
    dmv.add_key(compressed_public_key(keys["dmv-leaked-early"]), t0 - DAY, t0 + 10 * YEAR)  # 2
    dmv.add_key(compressed_public_key(keys["dmv-leaked-late"]), t0 - DAY, t0 + 10 * YEAR)  # 3
    dmv.add_key(compressed_public_key(keys["dmv-short"]), t0 - DAY, t0 + 100)  # 4
    dmv.add_key(compressed_public_key(keys["dmv-future"]), t0 + 50 * DAY, t0 + YEAR)  # 5
    amr.add_key(compressed_public_key(keys["amr-1"]), t0 - DAY, t0 + 10 * YEAR)  # AMR key 1
    window = {"valid_from": t0 - DAY, "valid_until": t0 + YEAR}
    randomness = counter_bytes(b"verifier-world")

    # The main batch: good licences and the ones whose status or dates will be wrong.
    labels = ["good", "good_2", "revoked", "suspended_until_future", "suspended_until_past",
              "superseded", "reinstated", "expired", "not_yet_valid", "bound", "bound_other"]
    devices = {"bound": private_key("device-a"), "bound_other": private_key("device-b")}
    world.device_keys.update(devices)
    main = build_batch(1, 1, keys["dmv-1"], DRIVING, t0, _items(
        world, labels, **window, devices=devices,
        overrides={"expired": (t0 - YEAR, t0 + 500), "not_yet_valid": (t0 + 30 * DAY,
                                                                     t0 + YEAR)}),
        random_bytes=randomness)
    dmv.anchor(DRIVING, "31", len(labels), _roots(main))
    _keep(world, labels, main.licences)

    # Statuses.
    dmv.set_status(StatusCode.REVOKED, [ref("revoked")], reason_class=ReasonClass.WITHDRAWN)
    dmv.set_status(StatusCode.SUSPENDED, [ref("suspended_until_future")], until=t0 + YEAR)
    dmv.set_status(StatusCode.SUSPENDED, [ref("suspended_until_past"), ref("reinstated")],
                   until=t0 + 600)
    dmv.set_status(StatusCode.REINSTATED, [ref("reinstated")])
    dmv.set_status(StatusCode.SUPERSEDED, [ref("superseded")], successors=[ref("good_2")])
    amr.set_status(StatusCode.REVOKED, [ref("good")])  # same ref, other authority: not this licence

    # Key compromised before its batch was anchored; another compromised after.
    early = build_batch(1, 2, keys["dmv-leaked-early"], DRIVING, t0,
                        _items(world, ["key_compromised_before_anchoring"], **window),
                        random_bytes=randomness)
    late = build_batch(1, 3, keys["dmv-leaked-late"], DRIVING, t0,
                       _items(world, ["key_compromised_after_anchoring"], **window),
                       random_bytes=randomness)
    dmv.anchor(DRIVING, "31", 1, _roots(late))
    dmv.mark_key_compromised(2)  # from this block on
    world.advance(10)
    dmv.anchor(DRIVING, "31", 1, _roots(early))
    world.advance(10)
    dmv.mark_key_compromised(3)
    _keep(world, ["key_compromised_before_anchoring"], early.licences)
    _keep(world, ["key_compromised_after_anchoring"], late.licences)

    # Keys outside their window at anchoring time.
    future = build_batch(1, 5, keys["dmv-future"], DRIVING, t0,
                         _items(world, ["key_not_yet_valid_at_anchoring"], **window),
                         random_bytes=randomness)
    dmv.anchor(DRIVING, "31", 1, _roots(future))
    _keep(world, ["key_not_yet_valid_at_anchoring"], future.licences)
    short = build_batch(1, 4, keys["dmv-short"], DRIVING, t0,
                        _items(world, ["key_expired_at_anchoring"], **window),
                        random_bytes=randomness)
    world.advance(200)
    dmv.anchor(DRIVING, "31", 1, _roots(short))
    _keep(world, ["key_expired_at_anchoring"], short.licences)

    # Signed but never anchored; signed under a key id nobody registered.
    unanchored = build_batch(1, 1, keys["dmv-1"], DRIVING, t0,
                             _items(world, ["root_never_anchored"], **window),
                             random_bytes=randomness)
    _keep(world, ["root_never_anchored"], unanchored.licences)
    unknown_key = build_batch(1, 9, keys["dmv-1"], DRIVING, t0,
                              _items(world, ["unregistered_key_id"], **window),
                              random_bytes=randomness)
    dmv.anchor(DRIVING, "31", 1, _roots(unknown_key))
    _keep(world, ["unregistered_key_id"], unknown_key.licences)

    # AMR signs driving licences: one root anchored by the DMV (another authority's root),
    # one anchored by the AMR itself as a business batch (type mismatch; not accredited).
    for label, anchor_as in (("root_of_other_authority", "dmv"),
                             ("signer_not_accredited_for_type", "amr")):
        foreign = build_batch(2, 1, keys["amr-1"], DRIVING, t0,
                              _items(world, [label], **window), random_bytes=randomness)
        if anchor_as == "dmv":
            dmv.anchor(DRIVING, "31", 1, _roots(foreign))
        else:
            amr.anchor(BUSINESS, "11", 1, _roots(foreign))
        _keep(world, [label], foreign.licences)

    # A valid licence with one claim changed after signing.
    good = world.licences["good"]
    tampered = replace(good, claims={**good.claims, "family_name": "王"})
    world.qr["tampered_claim"] = tampered.to_qr()

    anchor_vectors(world, vector_account)
    # After the short suspension's end; the chain's newest block made just before `now`,
    # as on a live chain (a verifier refuses to say valid from a chain that stopped).
    world.advance(1_000)
    world.now = world.chain_time() + 1
    world.sync()
    return world


VECTORS = Path(__file__).resolve().parents[1] / "vectors"


def anchor_vectors(world: World, account: LocalAccount) -> None:
    """Puts the format's known-answer vectors on chain as authority 3: their key, their
    batch's roots and their status event (tests/vectors/*/*.json)."""
    status = json.loads((VECTORS / "status" / "revoked.json").read_text(encoding="utf-8"))
    world.registry.propose(VECTORS_DMV.registration_all_roles(world.registry, account))
    authority = world.registry.as_account(account)
    issued_at = status["expected"]["issued_at"]
    authority.add_key(bytes.fromhex(status["authority_public_key"]), issued_at - DAY,
                      world.t0 + 10 * YEAR)
    roots = [bytes.fromhex(r) for r in status["anchored_roots"]]
    authority.anchor(DRIVING, "44", 37, roots)
    # The presentation vectors' bound licence comes from a batch whose roots the vectors do
    # not list: recompute its root from a vector and anchor that.
    live = json.loads((VECTORS / "valid" / "presentation_age_over_18.json").read_text(
        encoding="utf-8"))
    bound = decode_unverified(live["qr"])
    assert isinstance(bound, Presentation)
    authority.anchor(DRIVING, "44", bound.licence.header.subtree_size,
                     [bound.licence.subtree_root()])
    regional = json.loads((VECTORS / "valid" / "licence_region.json").read_text(
        encoding="utf-8"))
    authority.anchor(DRIVING, regional["batch_region"], 3,
                     [bytes.fromhex(r) for r in regional["anchored_roots"]])
    event = status["status_event"]
    refs = bytes.fromhex(event["refs"])
    authority.set_status(event["status"], [refs[i : i + 16] for i in range(0, len(refs), 16)],
                         until=event["until"], reason_class=event["reason"])


def live_with_wrong_device_key(world: World) -> str:
    """A presentation of licence "bound" (bound to device A) by device B, signed by B."""
    licence_map = world.licences["bound"].to_map()
    del licence_map[K_DEVICE]
    other = world.device_keys["bound_other"]
    body = dumps({B_LICENCE: licence_map, B_DEVICE_KEY: compressed_public_key(other),
                  B_TIME: world.now})
    return Presentation(world.licences["bound"], compressed_public_key(other), world.now, b"",
                        body, sign(other, _tbs(body))).to_qr()


def live_with_foreign_signature(world: World) -> str:
    """A presentation of "bound" by its own device key whose signature was made by another
    device (over the same body)."""
    genuine = present(world.licences["bound"], None, world.device_keys["bound"], world.now)
    forged = sign(world.device_keys["bound_other"], _tbs(genuine.body))
    return replace(genuine, signature=forged).to_qr()
