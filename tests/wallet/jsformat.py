"""Runs the wallet's JS format code under Node (tests/wallet/js/present.mjs) on licences
built with the Python reference, so tests can check JS output with `licence`."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

import licence

HERE = Path(__file__).resolve().parent
SCHEMAS = HERE.parents[1] / "licence" / "schemas"


def schema_json(licence_type: int) -> dict[str, Any]:
    return json.loads((SCHEMAS / f"{licence.load_schema(licence_type).name}.json")
                      .read_text(encoding="utf-8"))


def jwk(key: ec.EllipticCurvePrivateKey) -> dict[str, Any]:
    numbers = key.private_numbers()

    def b64(n: int) -> str:
        return base64.urlsafe_b64encode(n.to_bytes(32, "big")).decode().rstrip("=")

    return {"kty": "EC", "crv": "P-256", "d": b64(numbers.private_value),
            "x": b64(numbers.public_numbers.x), "y": b64(numbers.public_numbers.y)}


def run_js(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    done = subprocess.run(
        ["node", "--experimental-default-type=module", str(HERE / "js" / "present.mjs")],
        input=json.dumps({"tasks": tasks}), capture_output=True, text=True, timeout=60,
        check=True)
    return json.loads(done.stdout)


def task(bound: licence.Licence, device: ec.EllipticCurvePrivateKey, now: int,
         disclose: list[str] | None, *, challenge: bytes = b"",
         authority_key: bytes | None = None) -> dict[str, Any]:
    return {"licence": bound.to_bytes().hex(), "schema": schema_json(bound.header.licence_type),
            "device_jwk": jwk(device),
            "device_key": licence.compressed_public_key(device).hex(), "now": now,
            "disclose": disclose, "challenge": challenge.hex(),
            "authority_key": authority_key.hex() if authority_key else None}
