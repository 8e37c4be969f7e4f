"""Keys in a PKCS#11 token, as the rest of elicence uses keys.

- `TokenSigningKey`: an authority's P-256 licence signing key; a licence.Signer, so batch
  roots, replacements and claim-time bindings are signed exactly as with a key file.
- `TokenAccount`: a chain account (secp256k1) with the `address` and `sign_transaction` a
  chain.transactions.Sender needs. The token signs the transaction hash with plain ECDSA;
  Ethereum also wants s in the lower half of the curve order (EIP-2) and the recovery id v,
  which a token does not give: s is normalised and v found by recovering the public key
  with each candidate and keeping the one that gives the account's address.

Both hold only where the key is and the PIN, so they can be handed to forked issuance
workers, which open their own session on first use.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from eth_account._utils.signing import sign_transaction_dict
from eth_account.datastructures import SignedTransaction
from eth_keys import keys
from eth_utils import keccak
from hexbytes import HexBytes

from chain.pkcs11_token import Pin, TokenError, TokenKey, sign_digest
from licence import ES256, Suite

SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


@dataclass(frozen=True)
class TokenSigningKey:
    where: TokenKey
    pin: Pin
    public_key: bytes  # 33-byte compressed P-256 point, as registered on chain
    suite: Suite = ES256  # tokens here hold P-256 keys (PKCS#11 defines no SM2 mechanism)

    def sign(self, message: bytes) -> bytes:
        return sign_digest(self.where, self.pin, hashlib.sha256(message).digest())


@dataclass(frozen=True)
class TokenAccount:
    where: TokenKey
    pin: Pin
    address: str  # checksummed, derived from the token's public key when it was made

    def sign_msg_hash(self, message_hash: bytes) -> keys.Signature:
        """The Ethereum signature (v in {0, 1}, low s) of a 32-byte hash, made in the token."""
        rs = sign_digest(self.where, self.pin, message_hash)
        r, s = int.from_bytes(rs[:32], "big"), int.from_bytes(rs[32:], "big")
        if s > SECP256K1_ORDER // 2:
            s = SECP256K1_ORDER - s
        for v in (0, 1):
            signature = keys.Signature(vrs=(v, r, s))
            recovered = signature.recover_public_key_from_msg_hash(message_hash)
            if recovered.to_checksum_address() == self.address:
                return signature
        raise TokenError(f"The token key {self.where.label!r} did not sign as {self.address}: "
                         "the reference file names another key.", reason="token_key_mismatch")

    def sign_transaction(self, transaction: dict[str, Any]) -> SignedTransaction:
        """As eth_account's LocalAccount.sign_transaction, with the signing in the token."""
        fields = {k: v for k, v in transaction.items() if k != "from"}
        v, r, s, encoded = sign_transaction_dict(self, fields)  # type: ignore[arg-type]
        return SignedTransaction(raw_transaction=HexBytes(encoded), hash=HexBytes(keccak(encoded)),
                                 r=r, s=s, v=v)


def address_of(public_point: bytes) -> str:
    """The checksummed Ethereum address of an uncompressed secp256k1 point (65 bytes)."""
    return keys.PublicKey(public_point[1:]).to_checksum_address()
