"""Reading the QR code in a photo or scan of a licence (zxing-cpp)."""

from __future__ import annotations

from pathlib import Path

MAX_IMAGE_PIXELS = 40_000_000  # a phone photo is ~12 MP; refuse decompression bombs


class ImageError(Exception):
    """The image cannot be read or holds no QR code; `reason` is a stable code."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason


def read_qr_image(path: str | Path) -> str:
    """The text of the (first) QR code in the image at `path`."""
    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise ImageError(f"The image {path} is too large; use a photo or scan of at "
                                 "most 40 megapixels.", "image_too_large")
            barcodes = zxingcpp.read_barcodes(image.convert("L"), formats=zxingcpp.QRCode)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ImageError(f"Cannot read {path} as an image ({type(exc).__name__}); use a PNG "
                         "or JPEG photo or scan.", "image_unreadable") from None
    if not barcodes:
        raise ImageError(f"No QR code found in {path}; take a sharper, straight photo with the "
                         "whole code in view.", "qr_not_found")
    return barcodes[0].text
