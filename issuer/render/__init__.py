"""Licence letters (bilingual A4 PDF with a printable QR) and QR images.

Pure functions over plain data: no database, no chain. The batch pipeline builds a
LetterData per licence and calls render_many; see docs/decisions/0020-pdf-rendering.md.
"""

from .fonts import FONT_PACKAGE, RenderError, font_path, register_font
from .pdf import QR_SIDE, LetterData, render_licence_pdf, render_many
from .qr_image import QrMatrix, qr_matrix, render_qr_png

__all__ = [
    "FONT_PACKAGE",
    "QR_SIDE",
    "LetterData",
    "QrMatrix",
    "RenderError",
    "font_path",
    "qr_matrix",
    "register_font",
    "render_licence_pdf",
    "render_many",
    "render_qr_png",
]
