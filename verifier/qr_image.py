"""Reading the QR code in a photo or scan of a licence (zxing-cpp): one reader for the
command line's files and the API's uploads."""

from __future__ import annotations

import io
from pathlib import Path

from .errors import ImageError

MAX_IMAGE_PIXELS = 40_000_000  # a phone photo is ~12 MP; refuse decompression bombs


def read_qr_image(source: str | Path | bytes) -> str:
    """The text of the (first) QR code in an image file (a path) or upload (bytes)."""
    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    named = "The image" if isinstance(source, bytes) else f"The image {source}"
    try:
        with Image.open(io.BytesIO(source) if isinstance(source, bytes) else source) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise ImageError(f"{named} is too large; use a photo or scan of at most 40 "
                                 "megapixels.", reason="image_too_large")
            barcodes = zxingcpp.read_barcodes(image.convert("L"), formats=zxingcpp.QRCode)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError,
            Image.DecompressionBombError) as exc:
        raise ImageError(f"{named} cannot be read as an image ({type(exc).__name__}); use a "
                         "PNG or JPEG photo or scan.") from None
    if not barcodes:
        raise ImageError(f"No QR code found in {named.lower()[4:]}; take a sharper, straight "
                         "photo with the whole code in view.", reason="qr_not_found")
    return barcodes[0].text
