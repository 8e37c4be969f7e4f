"""Reading the QR code in a photo or scan of a licence (zxing-cpp): one reader for the
command line's files and the API's uploads.

Decoding an image is the most expensive thing a client can ask of us, so it is bounded
before it starts (docs/decisions/0162): PNG and JPEG only, told by their first bytes (Pillow
alone would open some 40 formats, EPS through Ghostscript where installed); at most
MAX_IMAGE_BYTES; pixel limits read from the header, before any pixel is decoded; and JPEG
photos decoded at a reduced scale (the codec's own DCT scaling) so a phone photo costs
about what a scan of the size zxing needs costs.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ImageError

if TYPE_CHECKING:
    from PIL import Image

MAX_IMAGE_BYTES = 8 * 1024 * 1024
# A PNG is decoded in full: 9 MP covers an A4 page scanned at 300 dpi (~190 ms of CPU
# measured with bench/verify.py's image case; a 40 MP PNG took a second and 300 MiB).
MAX_PNG_PIXELS = 9_000_000
# A JPEG is decoded at 1/2, 1/4 or 1/8 scale down to about DECODE_SIDE: a 48 MP photo costs
# what a 3 MP one does.
MAX_JPEG_PIXELS = 48_000_000
DECODE_SIDE = 2000

_SIGNATURES = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG"}


def image_format(data: bytes) -> str | None:
    """"PNG" or "JPEG" from the first bytes, None for anything else."""
    for signature, name in _SIGNATURES.items():
        if data.startswith(signature):
            return name
    return None


def read_qr_image(source: str | Path | bytes) -> str:
    """The text of the (first) QR code in an image file (a path) or upload (bytes)."""
    named = "The image" if isinstance(source, bytes) else f"The image {source}"
    data = source if isinstance(source, bytes) else _read_file(Path(source), named)
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageError(f"{named} is larger than {MAX_IMAGE_BYTES // 2**20} MiB; send a "
                         "smaller photo or scan.", reason="image_too_large")
    kind = image_format(data)
    if kind is None:
        raise ImageError(f"{named} is not a PNG or JPEG file; take a photo or scan in one "
                         "of those formats.", reason="image_type_unsupported")
    return _decode(data, kind, named)


def _read_file(path: Path, named: str) -> bytes:
    try:
        with path.open("rb") as file:
            return file.read(MAX_IMAGE_BYTES + 1)
    except OSError as exc:
        raise ImageError(f"{named} cannot be read ({exc.strerror or type(exc).__name__}).",
                         ) from None


def _decode(data: bytes, kind: str, named: str) -> str:
    return qr_text(decoded_grey(data, kind, named), named)


def decoded_grey(data: bytes, kind: str, named: str) -> Image.Image:
    """The image's pixels in grey, within the pixel limits (ImageError otherwise)."""
    from PIL import Image, UnidentifiedImageError

    limit = MAX_PNG_PIXELS if kind == "PNG" else MAX_JPEG_PIXELS
    too_large = ImageError(f"{named} has too many pixels; use a {kind} of at most "
                           f"{limit // 1_000_000} megapixels.", reason="image_too_large")
    try:
        with Image.open(io.BytesIO(data), formats=[kind]) as image:
            if image.width * image.height > limit:
                raise too_large
            if kind == "JPEG":
                image.draft("L", (DECODE_SIDE, DECODE_SIDE))
            return image.convert("L")
    except Image.DecompressionBombError:  # Pillow's own, far larger limit, from the header
        raise too_large from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise ImageError(f"{named} cannot be read as an image ({type(exc).__name__}); use a "
                         "PNG or JPEG photo or scan.") from None


def qr_text(grey: Image.Image, named: str) -> str:
    """The text of the first QR code found in grey pixels (ImageError when none is)."""
    import zxingcpp

    barcodes = zxingcpp.read_barcodes(grey, formats=zxingcpp.QRCode)
    if not barcodes:
        raise ImageError(f"No QR code found in {named.lower()[4:]}; take a sharper, straight "
                         "photo with the whole code in view.", reason="qr_not_found")
    return barcodes[0].text
