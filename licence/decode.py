"""QR text -> unverified Licence or Presentation, enforcing every limit before parsing."""

from __future__ import annotations

from .errors import PresentationError
from .licence import Licence
from .presentation import Presentation
from .qr import LICENCE_PREFIX, decode_text


def decode_unverified(text: str) -> Licence | Presentation:
    """Parses ELC1/ELP1 text. The result is NOT verified: call `verify_signature` on the
    licence (and `verify_device` on a presentation) before trusting anything in it.
    Raises one LicenceError subclass for any malformed input."""
    prefix, data = decode_text(text)
    if prefix != LICENCE_PREFIX:
        return Presentation.from_bytes_unverified(data)
    licence = Licence.from_bytes_unverified(data)
    if licence.device_digest is not None:
        # A wallet-bound copy only counts with its device's live signature (ELP1).
        raise PresentationError("This is a phone-bound licence copy; ask the holder to show "
                                "the live code from their wallet.",
                                reason="bound_licence_not_live")
    return licence
