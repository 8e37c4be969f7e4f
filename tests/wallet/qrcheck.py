"""Reads QR symbols made by the wallet's JS encoder with an independent decoder (zxing-cpp)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import zxingcpp
from PIL import Image

HERE = Path(__file__).resolve().parent


def encode_js(texts: list[str]) -> list[dict[str, Any]]:
    done = subprocess.run(
        ["node", "--experimental-default-type=module", str(HERE / "js" / "qr.mjs")],
        input=json.dumps(texts), capture_output=True, text=True, timeout=120, check=True)
    return json.loads(done.stdout)


def image_of(rows: list[str], scale: int = 4) -> Image.Image:
    size = len(rows) + 8
    image = Image.new("L", (size, size), 255)
    for y, row in enumerate(rows):
        for x, cell in enumerate(row):
            if cell == "1":
                image.putpixel((x + 4, y + 4), 0)
    return image.resize((size * scale, size * scale), Image.NEAREST)


def read(image: Image.Image) -> tuple[str, str, str]:
    """(text, symbology version, error correction level) of the one QR code in `image`."""
    (found,) = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return found.text, found.symbology_identifier, found.ec_level
