"""The demo's delegated presentation (issue 15, docs/decisions/0225): a company's business
licence shown at the counter by an agent, as docs/wallet.md "Presenting on someone's
behalf" describes it, on the same web app and HTTP API a phone would use.

The holder's wallet is stood in for by a device key made here: it claims the company's
licence once with its claim code (a claim code works once, so the key and its bound copy
are kept in the demo's private state for the next run). Each run then makes a new agent
key, the holder delegates the "in operation" preset to it until an end date, and the
agent's live code is scanned through /api/v1/verify. Nothing here is trusted by the
verifier: it checks the agent's code as it checks any phone's.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

import licence
from chain.private_files import private_folder, write_private
from issuer.claims.exchange import claim_message
from issuer.issue.outputs import read_claim_codes

PRESET = "in_operation"  # name, credit code and "in operation": what a counter asks an agent
DELEGATION_DAYS = 30
HOLDER_KEY = "holder-device.pem"  # the stand-in holder wallet's device key (0600)
BOUND_COPY = "holder-copy.txt"  # its bound copy, as the claim answered it
INDEX_WAIT_S = 60
NOT_INDEXED_YET = {"root_not_anchored", "root_not_indexed", "batch_not_found"}


class DemoDelegationError(Exception):
    """One sentence on why the demo could not show the agent's code (the demo goes on)."""


@dataclass(frozen=True)
class AgentScan:
    verdict: str
    reason: str | None
    on_behalf_of: str | None
    until: str
    qr: str

    def line(self) -> str:
        """The counter's words for it, one line."""
        if self.verdict != "valid":
            return f"{self.verdict.upper()} ({self.reason}): the agent's code was not accepted"
        return (f"VALID: presented by an authorised agent, on behalf of "
                f"{self.on_behalf_of or 'the holder'}, until {self.until}")


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def post(url: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(url, json.dumps(body).encode(),
                                     {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as answer:
            return json.load(answer)
    except urllib.error.HTTPError as answer:
        try:
            error = json.load(answer).get("error") or {}
        except ValueError:
            error = {}
        raise DemoDelegationError(error.get("message") or f"{url} answered {answer.code}.") \
            from None
    except OSError as exc:
        raise DemoDelegationError(f"{url} did not answer ({exc}).") from None


def holder_copy(folder: Path, business_out: Path, api_url: str,
                ) -> tuple[ec.EllipticCurvePrivateKey, licence.Licence]:
    """The stand-in holder wallet: its device key and its bound copy of the company's
    licence, claimed on the first run and read back on the next ones."""
    key_file, copy_file = folder / HOLDER_KEY, folder / BOUND_COPY
    if key_file.exists() and copy_file.exists():
        key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return key, licence.Licence.from_bytes_unverified(unb64(copy_file.read_text().strip()))
    codes = read_claim_codes(business_out)
    if not codes:
        raise DemoDelegationError(f"No claim codes in {business_out}: run scripts/demo "
                                  "--reset to issue the sample licences again.")
    code = codes[0]["claim_code"]  # the first company (the second one is revoked)
    key = ec.generate_private_key(ec.SECP256R1())
    public = licence.compressed_public_key(key.public_key())
    challenge = post(f"{api_url}claims/challenge", {})["challenge"]
    signature = wallet_signature(key, claim_message(unb64(challenge), code, public))
    answer = post(f"{api_url}claims", {"code": code, "device_key": b64(public),
                                       "challenge": challenge, "signature": b64(signature),
                                       "device_label": "demo holder"})
    private_folder(folder)
    write_private(key_file, key.private_bytes(serialization.Encoding.PEM,
                                              serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
    write_private(copy_file, answer["licence"] + "\n")
    return key, licence.Licence.from_bytes_unverified(unb64(answer["licence"]))


def wallet_signature(key: ec.EllipticCurvePrivateKey, message: bytes) -> bytes:
    """ES256 as a wallet's WebCrypto signs: r||s, 32 bytes each."""
    r, s = decode_dss_signature(key.sign(message, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def delegated_scan(folder: Path, business_out: Path, api_url: str) -> AgentScan:
    """Holder delegates to a new agent key; the agent's live code scanned at the counter
    API. Raises DemoDelegationError with one sentence when a step fails."""
    holder, bound = holder_copy(folder, business_out, api_url)
    agent = ec.generate_private_key(ec.SECP256R1())
    schema = licence.load_schema("business")
    claims = next(p.claims for p in schema.presets if p.name == PRESET)
    end = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0) \
        + dt.timedelta(days=DELEGATION_DAYS)
    try:
        delegation, shared = licence.delegate(
            bound, claims, holder, licence.compressed_public_key(agent.public_key()),
            int(end.timestamp()))
    except licence.LicenceError as exc:
        raise DemoDelegationError(exc.message) from None
    # A copy claimed moments ago is anchored in a batch of its own, which the web app's
    # index sees a block or two later: until then a new live code is shown again.
    deadline = time.monotonic() + INDEX_WAIT_S
    while True:
        qr = licence.present_delegated(shared, delegation, agent, int(time.time())).to_qr()
        doc = post(f"{api_url}verify", {"qr": qr})
        if doc.get("reason") not in NOT_INDEXED_YET or time.monotonic() > deadline:
            break
        time.sleep(1)
    agent_block = doc.get("delegation") or {}
    return AgentScan(doc["verdict"], doc.get("reason"), agent_block.get("on_behalf_of"),
                     agent_block.get("until", ""), qr)
