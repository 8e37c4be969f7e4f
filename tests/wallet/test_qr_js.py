"""The wallet's own QR encoder: an independent reader decodes its symbols, at level M and
the smallest version another encoder (python-qrcode) picks for the same text."""

from __future__ import annotations

import random

import qrcode
from qrcode.util import MODE_ALPHA_NUM, QRData

from .qrcheck import encode_js, image_of, read

ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def reference_version(text: str) -> int:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(QRData(text, mode=MODE_ALPHA_NUM))
    code.make(fit=True)
    return code.version


def test_symbols_decode_at_level_m_in_the_smallest_version() -> None:
    rng = random.Random(5)
    texts = ["HELLO WORLD"] + ["ELP1:" + "".join(rng.choice(ALNUM) for _ in range(n))
                               for n in (0, 21, 60, 150, 330, 575, 757, 900, 965)]
    results = encode_js(texts)
    masks = set()
    for text, result in zip(texts, results, strict=True):
        decoded, _, level = read(image_of(result["rows"]))
        assert decoded == text and level == "M"
        assert result["version"] == reference_version(text)
        assert len(result["rows"]) == 17 + 4 * result["version"]
        masks.add(result["mask"])
    assert len(masks) >= 3  # several mask patterns exercised
