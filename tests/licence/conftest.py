from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

import licence

from .licence_testdata import DRIVING_ROW, NOW, YEAR, counter_bytes


@pytest.fixture(scope="session")
def authority_key() -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(0xA11CE, ec.SECP256R1())


@pytest.fixture(scope="session")
def other_key() -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(0xB0B, ec.SECP256R1())


@pytest.fixture(scope="session")
def device_key() -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(0xDE71CE, ec.SECP256R1())


@pytest.fixture(scope="session")
def driving_claims() -> licence.schema.Claims:
    return licence.load_schema("driving").validate(DRIVING_ROW)


@pytest.fixture(scope="session")
def batch(authority_key, driving_claims) -> licence.Batch:
    items = [(driving_claims, NOW, NOW + YEAR, bytes([i % 256]) * 16) for i in range(37)]
    return licence.build_batch(3, 2, authority_key, 1, NOW, items,
                               random_bytes=counter_bytes(b"batch"))


@pytest.fixture(scope="session")
def bound(authority_key, driving_claims, device_key) -> licence.Licence:
    items = [(driving_claims, NOW, NOW + YEAR, bytes([i]) * 16,
              licence.compressed_public_key(device_key)) for i in range(5)]
    return licence.build_batch(3, 2, authority_key, 1, NOW, items,
                               random_bytes=counter_bytes(b"bound")).licences[3]
