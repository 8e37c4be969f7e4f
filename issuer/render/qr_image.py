"""QR symbols for licence letters: the module matrix, and a PNG for screens and e-mail.

The symbol is built by zxing-cpp's C++ encoder (error correction M; licence text is base45
so it is encoded in alphanumeric mode). The pure-Python encoders spend 25-70 ms choosing
the mask of a version-17 symbol, more than a whole letter's budget at 100 letters/s.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import zxingcpp
from PIL import Image, ImageOps

from .fonts import RenderError

QUIET_ZONE = 4  # modules of light margin a scanner needs around the symbol (ISO/IEC 18004)
_DARK_RUN = re.compile(rb"\x00+")


@dataclass(frozen=True)
class QrMatrix:
    size: int  # modules per side, 4 * version + 17
    pixels: bytes  # size * size luminance bytes, row by row: 0 dark, 255 light

    @property
    def version(self) -> int:
        return (self.size - 17) // 4

    def dark_runs(self) -> list[tuple[int, int, int]]:
        """(row, first column, length) of each horizontal run of dark modules."""
        n = self.size
        # One scan over all rows, with a light byte between rows so no run spans two.
        rows = b"\xff".join([self.pixels[i * n : (i + 1) * n] for i in range(n)])
        return [(start // (n + 1), start % (n + 1), end - start)
                for start, end in (m.span() for m in _DARK_RUN.finditer(rows))]


def qr_matrix(qr_text: str) -> QrMatrix:
    """Encodes `qr_text` at error correction M into the smallest QR version that holds it."""
    try:
        symbol = zxingcpp.create_barcode(qr_text, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    except ValueError as exc:
        raise RenderError(f"The QR text cannot be encoded ({exc}); issue the licence with "
                          "fewer or shorter claims.", reason="qr_too_large") from exc
    image = symbol.to_image(scale=1, add_quiet_zones=False)
    size = image.shape[0]
    return QrMatrix(size=size, pixels=bytes(memoryview(image)))


def render_qr_png(qr_text: str, box_size: int = 8) -> bytes:
    """A black-on-white PNG of the symbol with its quiet zone; `box_size` pixels per module."""
    if not 1 <= box_size <= 64:
        raise RenderError(f"box_size {box_size} is out of range; use 1 to 64 pixels per "
                          "module.", reason="box_size_invalid")
    matrix = qr_matrix(qr_text)
    image = Image.frombytes("L", (matrix.size, matrix.size), matrix.pixels)
    image = ImageOps.expand(image, border=QUIET_ZONE, fill=255)
    side = image.width * box_size
    image = image.resize((side, side), Image.Resampling.NEAREST)
    image = image.convert("1", dither=Image.Dither.NONE)  # already pure black and white
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
