"""The CJK font embedded in licence letters, found once and registered once per process.

ReportLab's built-in CID fonts (STSong-Light) are not embedded: a reader without Adobe's
font packs shows boxes. We embed a TrueType subset of WenQuanYi Micro Hei instead (Debian
package fonts-wqy-microhei); ReportLab cannot embed CFF-outline OpenType fonts such as
Noto CJK. See docs/decisions/0020-pdf-rendering.md.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from issuer.errors import RenderError

FONT_PACKAGE = "fonts-wqy-microhei"
FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
FONT_ENV = "ELICENCE_CJK_FONT"  # another TrueType CJK font (.ttf/.ttc), e.g. off Debian

FONT = "ElicenceSans"  # one face for everything: a second subset costs 20 KB and 3 ms a letter




def font_path() -> Path:
    """The TrueType collection to embed: $ELICENCE_CJK_FONT if set, else the Debian font."""
    path = Path(os.environ.get(FONT_ENV) or FONT_PATH)
    if not path.is_file():
        raise RenderError(
            f"The Chinese font for licence letters is missing at {path}; install the font "
            f"package {FONT_PACKAGE}: apt-get install {FONT_PACKAGE}",
            reason="font_missing")
    return path


@cache
def register_font() -> str:
    """Registers the letter font with ReportLab (parsed once per process); returns its name."""
    path = font_path()
    try:
        pdfmetrics.registerFont(TTFont(FONT, str(path), subfontIndex=0))
    except Exception as exc:  # ReportLab raises TTFError and plain errors for bad files
        raise RenderError(
            f"The font {path} cannot be embedded ({exc}); install the font package "
            f"{FONT_PACKAGE}: apt-get install {FONT_PACKAGE}",
            reason="font_unusable") from exc
    return FONT
