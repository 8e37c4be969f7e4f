"""The printable licence letter, bilingual: the licence page (claims and QR: what holders
show at counters; more pages only for very long claims), then a separate last page with the
one-time claim code, headed "do not show at counters", to be torn off and kept apart. The
QR pages never carry the code: whoever sees them at a counter cannot claim the licence.

Drawn straight onto a ReportLab canvas (no Platypus: it costs more than the whole letter)
from plain data, so the batch pipeline can render letters in worker processes without a
database. The QR symbol is drawn as vector rectangles, 45 mm wide, so it prints sharp at
any resolution. Nothing personal goes into the PDF metadata.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from chain.private_files import write_private
from licence import load_schema
from licence.schema import ClaimValue

from .fonts import RenderError, register_font
from .qr_image import QUIET_ZONE, QrMatrix, qr_matrix

QR_SIDE = 45 * mm  # the symbol without its quiet zone; ≥ 35 mm scans from paper at arm's length

PAGE_W, PAGE_H = A4
MARGIN = 18 * mm
CONTENT_W = PAGE_W - 2 * MARGIN
BAND_H = 27 * mm
FOOTER_H = 14 * mm
BOTTOM_MARGIN = 10 * mm
LABEL_W = 58 * mm
ROW_PAD = 5.0
VALUE_SIZE = 10.5
VALUE_LEADING = 14.0
CODE_SPACING = 1.6

NAVY = HexColor("#1F3A5F")
INK = HexColor("#1A1A1A")
GREY = HexColor("#5F6B7A")
RULE = HexColor("#C8CFD8")
STRIPE = HexColor("#F3F5F8")
ACCENT = HexColor("#9E1B1B")

# Display words for enum codes; other values are shown as issued.
_ENUM_LABELS: Mapping[tuple[str, str], str] = {
    ("sex", "F"): "女 Female", ("sex", "M"): "男 Male", ("sex", "X"): "X",
}
# A run of Latin letters/digits/punctuation stays together; anything else wraps per character.
_TOKEN = re.compile(r"[\x21-\x7e\u00a0-\u024f]+ *| +|.")
_NO_LINE_START = frozenset("，。、；：！？）》」』”’")  # Chinese closing punctuation


@dataclass(frozen=True)
class LetterData:
    """Everything printed on one holder's letter (plain values: picklable for worker pools)."""

    licence_type: str  # schema name: "driving", "business", "professional"
    claims: Mapping[str, ClaimValue]  # as validated by the schema (dates, bools, lists)
    authority_id: str  # "CN-31-DMV"
    authority_name_zh: str
    authority_name_en: str
    jurisdiction: str  # "CN-31"
    qr_text: str  # the licence's ELC1: text
    claim_code: str  # "K7Q2-9XHM-3PWD-T8VN"
    claim_expires: dt.date
    verify_url: str
    wallet_url: str
    status_ref: bytes  # opaque 16 bytes; only a 4-byte fingerprint is printed
    issued_at: dt.date
    valid_from: dt.date  # the licence's validity (dates in the authority's time zone)
    valid_until: dt.date | None  # None: long-term (长期)


@dataclass(frozen=True)
class _Row:
    label_zh: str
    label_en: str
    lines: tuple[str, ...]

    @property
    def height(self) -> float:
        return max(25.0, len(self.lines) * VALUE_LEADING + 2 * ROW_PAD)


def render_licence_pdf(data: LetterData) -> bytes:
    """Renders the letter; raises RenderError (or SchemaError for an unknown licence type)."""
    font = register_font()
    schema = load_schema(data.licence_type)
    unknown = sorted(set(data.claims) - set(schema.by_name))
    if unknown:
        raise RenderError(f"Claims {', '.join(unknown)} are not part of a {schema.name} "
                          "licence; render the claims as issued.", reason="claim_unknown")
    rows = [_Row(spec.title.get("zh", spec.name), spec.title.get("en", spec.name),
                 _wrap(_display(spec.name, data.claims[spec.name]), font, VALUE_SIZE,
                       CONTENT_W - LABEL_W - 2 * ROW_PAD))
            for spec in schema.claims if spec.name in data.claims]
    until = "长期 Long-term" if data.valid_until is None else data.valid_until.isoformat()
    rows.append(_Row("电子证照有效期", "Licence valid",
                     (f"{data.valid_from.isoformat()} — {until}",)))
    matrix = qr_matrix(data.qr_text)

    out = io.BytesIO()
    c = Canvas(out, pagesize=A4, invariant=True, pageCompression=1, initialFontName=font)
    c.setTitle(f"{schema.title.get('en', schema.name)} — licence letter")
    c.setAuthor(data.authority_name_en)
    c.setCreator("elicence")
    lines = _instructions(data, MARGIN + CONTENT_W - _text_left(matrix) - 4 * mm, font)
    block_h = _block_height(matrix, lines)
    pages = _paginate(rows, block_h)
    total = len(pages) + 1  # the claim code page comes last
    for number, page_rows in enumerate(pages, start=1):
        top = _header(c, data, font, first=number == 1,
                      title=(schema.title.get("zh", ""), schema.title.get("en", schema.name)))
        top = _table(c, page_rows, top, font)
        if number == len(pages):
            _qr_block(c, matrix, lines, top + 6 * mm)
        _footer(c, data, number, total, font)
        c.showPage()
    _claim_page(c, data, font)
    _footer(c, data, total, total, font)
    c.showPage()
    c.save()
    return out.getvalue()


# --- layout ----------------------------------------------------------------------------

_FIRST_TOP = BAND_H + 30 * mm  # first table row, below the band and the title
_NEXT_TOP = BAND_H + 8 * mm
_BOTTOM = PAGE_H - FOOTER_H - BOTTOM_MARGIN


def _paginate(rows: Sequence[_Row], block_h: float) -> list[list[_Row]]:
    """Splits rows over pages so the QR block fits below the last page's rows."""
    pages: list[list[_Row]] = [[]]
    y = _FIRST_TOP
    for row in rows:
        if y + row.height > _BOTTOM and pages[-1]:
            pages.append([])
            y = _NEXT_TOP
        pages[-1].append(row)
        y += row.height
    if y + 6 * mm + block_h > _BOTTOM:
        pages.append([])
    return pages


def _display(name: str, value: ClaimValue) -> str:
    if isinstance(value, bool):
        return "是 Yes" if value else "否 No"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value)
    return _ENUM_LABELS.get((name, value), value)


def _wrap(text: str, font: str, size: float, width: float) -> tuple[str, ...]:
    """Greedy line breaking: Latin words stay whole, CJK text breaks between characters."""
    lines: list[str] = []
    line, line_w = "", 0.0
    for token in _TOKEN.findall(text):
        token_w = stringWidth(token, font, size)
        if line and line_w + token_w > width and token not in _NO_LINE_START:
            lines.append(line.rstrip())
            line, line_w = "", 0.0
            token = token.lstrip()
            token_w = stringWidth(token, font, size)
        while token_w > width:  # a single word wider than the column: cut it
            cut = len(token) - 1
            while cut > 1 and stringWidth(token[:cut], font, size) > width:
                cut -= 1
            lines.append(token[:cut])
            token = token[cut:]
            token_w = stringWidth(token, font, size)
        line += token
        line_w += token_w
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return tuple(lines)


# --- drawing (y measured down from the top of the page) -----------------------------------

def _text(c: Canvas, x: float, top: float, s: str, font: str, size: float,
          color: Color = INK, *, bold: bool = False, align: str = "left",
          spacing: float = 0.0) -> None:
    if align == "right":
        x -= _width(s, font, size, spacing)
    t = c.beginText(x, PAGE_H - top)
    t.setFont(font, size)
    t.setFillColor(color)
    if bold:  # the font has no bold face: fill and stroke the outline instead
        c.setStrokeColor(color)
        c.setLineWidth(size * 0.035)
        t.setTextRenderMode(2)
    t.setCharSpace(spacing)
    t.textOut(s)
    # Tr and Tc outlive the text object in the PDF graphics state: reset them.
    t.setTextRenderMode(0)
    t.setCharSpace(0)
    c.drawText(t)


def _width(s: str, font: str, size: float, spacing: float = 0.0) -> float:
    return stringWidth(s, font, size) + spacing * len(s)


def _header(c: Canvas, data: LetterData, font: str, *, first: bool,
            title: tuple[str, str]) -> float:
    c.setFillColor(NAVY)
    c.rect(0, PAGE_H - BAND_H, PAGE_W, BAND_H, stroke=0, fill=1)
    c.setFillColor(ACCENT)
    c.rect(0, PAGE_H - BAND_H - 1.2 * mm, PAGE_W, 1.2 * mm, stroke=0, fill=1)
    _text(c, MARGIN, 12 * mm, data.authority_name_zh, font, 17, white, bold=True)
    _text(c, MARGIN, 19 * mm, data.authority_name_en, font, 10, white)
    right = PAGE_W - MARGIN
    _text(c, right, 11 * mm, "电子证照 · Electronic licence", font, 9.5, white, align="right")
    _text(c, right, 17 * mm, f"{data.jurisdiction} · {data.authority_id}", font, 9, white,
          align="right")
    if not first:
        return _NEXT_TOP
    zh, en = title
    _text(c, MARGIN, BAND_H + 14 * mm, f"{zh}  {en}", font, 18, NAVY, bold=True)
    _text(c, MARGIN, BAND_H + 21 * mm, "电子证照领取与核验函 · Licence letter: how to claim "
          "and verify your electronic licence", font, 9.5, GREY)
    _text(c, right, BAND_H + 14 * mm, f"签发日期 Issued {data.issued_at.isoformat()}", font,
          9.5, GREY, align="right")
    return _FIRST_TOP


def _table(c: Canvas, rows: Sequence[_Row], top: float, font: str) -> float:
    if not rows:
        return top
    c.setStrokeColor(RULE)
    c.setLineWidth(0.6)
    c.line(MARGIN, PAGE_H - top, MARGIN + CONTENT_W, PAGE_H - top)
    for i, row in enumerate(rows):
        if i % 2 == 0:
            c.setFillColor(STRIPE)
            c.rect(MARGIN, PAGE_H - top - row.height, CONTENT_W, row.height, stroke=0, fill=1)
        _text(c, MARGIN + ROW_PAD, top + ROW_PAD + 7.5, row.label_zh, font, 9, INK)
        _text(c, MARGIN + ROW_PAD, top + ROW_PAD + 16, row.label_en, font, 7, GREY)
        for j, line in enumerate(row.lines):
            _text(c, MARGIN + LABEL_W + ROW_PAD, top + ROW_PAD + 10 + j * VALUE_LEADING, line,
                  font, VALUE_SIZE, INK)
        top += row.height
    c.setStrokeColor(RULE)
    c.line(MARGIN, PAGE_H - top, MARGIN + CONTENT_W, PAGE_H - top)
    return top


def _draw_qr(c: Canvas, matrix: QrMatrix, left: float, top: float) -> None:
    """Dark modules as one filled path, each horizontal run one rectangle.

    The path is written in module units under a flipping transform, so each rectangle is
    four small integers: about 1,500 of them for a version-17 symbol.
    """
    module = QR_SIDE / matrix.size
    ops = "\n".join([f"{col} {row} {length} 1 re" for row, col, length in matrix.dark_runs()])
    c.saveState()
    c.transform(module, 0, 0, -module, left, PAGE_H - top)
    c.setFillColor(Color(0, 0, 0))
    c.addLiteral(ops + "\nf")
    c.restoreState()


def _quiet(matrix: QrMatrix) -> float:
    return QUIET_ZONE * QR_SIDE / matrix.size


def _text_left(matrix: QrMatrix) -> float:
    return MARGIN + QR_SIDE + 2 * _quiet(matrix) + 2 * mm


def _qr_block(c: Canvas, matrix: QrMatrix, lines: Sequence[_Line], top: float) -> None:
    """A framed block: the QR symbol with its quiet zone, instructions to its right."""
    quiet = _quiet(matrix)
    x = _text_left(matrix)
    box_h = _block_height(matrix, lines)
    c.setStrokeColor(RULE)
    c.setLineWidth(0.8)
    c.setFillColor(white)
    c.roundRect(MARGIN, PAGE_H - top - box_h, CONTENT_W, box_h, 2 * mm, stroke=1, fill=1)
    _draw_qr(c, matrix, MARGIN + quiet, top + quiet)
    y = top + quiet
    for line in lines:
        y += line.leading
        if line.boxed:  # the claim code, spaced out for typing
            width = _width(line.text, line.font, line.size, CODE_SPACING) + 6 * mm
            c.setFillColor(STRIPE)
            c.setStrokeColor(NAVY)
            c.roundRect(x, PAGE_H - y - 2.6 * mm, width, 9.5 * mm, 1.5 * mm, stroke=1, fill=1)
            _text(c, x + 3 * mm, y, line.text, line.font, line.size, line.color, bold=True,
                  spacing=CODE_SPACING)
        else:
            _text(c, x, y, line.text, line.font, line.size, line.color, bold=line.bold)


@dataclass(frozen=True)
class _Line:
    text: str
    font: str
    size: float
    color: Color
    leading: float  # distance from the previous baseline
    bold: bool = False
    boxed: bool = False


def _paragraph(text: str, font: str, size: float, color: Color, width: float,
               gap: float = 0.0) -> list[_Line]:
    wrapped = _wrap(text, font, size, width)
    return [_Line(t, font, size, color, size * 1.45 + (gap if i == 0 else 0))
            for i, t in enumerate(wrapped)]


def _instructions(data: LetterData, width: float, font: str) -> list[_Line]:
    """The right-hand column of the QR block: how to verify, and where the claim code is
    (never the code itself: this page is shown at counters)."""
    def para(text: str, size: float, color: Color, gap: float = 0.0) -> list[_Line]:
        return _paragraph(text, font, size, color, width, gap)

    return [
        _Line("核验 · Verify", font, 11, NAVY, 5 * mm, bold=True),
        *para("在任何办事窗口扫描左侧二维码，或运行 elicence verify，或访问 "
              f"{data.verify_url} 。", 9, INK, 2 * mm),
        *para("Scan the QR code at any counter, or run `elicence verify`, or use "
              f"{data.verify_url}.", 8.5, GREY, 1),
        _Line("领取电子证照 · Claim your electronic licence", font, 11, NAVY, 8 * mm, bold=True),
        *para("领取码印在本函最后一页。请将该页撕下单独保管，切勿在柜台出示。", 9, INK, 2 * mm),
        *para("The claim code is on the last page of this letter. Tear that page off and keep "
              "it apart; never show it at a counter.", 8.5, GREY, 1),
    ]


CLAIM_PAGE_HEADING = "领取码 — 请勿在柜台出示 / Claim code — do not show at counters"


def _claim_page(c: Canvas, data: LetterData, font: str) -> None:
    """The detachable last page: the one-time claim code and how to use it."""
    _header(c, data, font, first=False, title=("", ""))
    top = _NEXT_TOP + 8 * mm
    _text(c, MARGIN, top, CLAIM_PAGE_HEADING, font, 15, ACCENT, bold=True)
    expires = data.claim_expires.isoformat()
    lines = [
        _Line(data.claim_code, font, 20, INK, 16 * mm, boxed=True),
        *_paragraph(f"领取码仅可使用一次，请于 {expires} 前领取：用手机浏览器打开 "
                    f"{data.wallet_url} ，输入上方领取码。", font, 10, INK, CONTENT_W, 8 * mm),
        *_paragraph(f"One-time code, valid until {expires}. Open the wallet at "
                    f"{data.wallet_url} on your phone and type the code above.", font, 9.5,
                    GREY, CONTENT_W, 1),
        *_paragraph("任何人持有此码都可以把您的证照领取到其手机上：请勿拍照、请勿交给他人、"
                    "请勿在柜台出示。领取后可在钱包中查看哪些设备持有您的证照。", font, 10,
                    ACCENT, CONTENT_W, 6 * mm),
        *_paragraph("Anyone holding this code can take your licence into their phone: do not "
                    "photograph it, hand it over or show it at a counter. After claiming, the "
                    "wallet lists the devices that hold your licence.", font, 9.5, ACCENT,
                    CONTENT_W, 1),
    ]
    y = top
    for line in lines:
        y += line.leading
        if line.boxed:
            width = _width(line.text, line.font, line.size, CODE_SPACING) + 8 * mm
            c.setFillColor(STRIPE)
            c.setStrokeColor(NAVY)
            c.roundRect(MARGIN, PAGE_H - y - 3.2 * mm, width, 11.5 * mm, 1.5 * mm, stroke=1,
                        fill=1)
            _text(c, MARGIN + 4 * mm, y, line.text, line.font, line.size, line.color,
                  bold=True, spacing=CODE_SPACING)
        else:
            _text(c, MARGIN, y, line.text, line.font, line.size, line.color, bold=line.bold)


def _block_height(matrix: QrMatrix, lines: Sequence[_Line]) -> float:
    quiet = _quiet(matrix)
    return max(QR_SIDE + 2 * quiet, sum(line.leading for line in lines) + quiet + 4 * mm)


def _footer(c: Canvas, data: LetterData, number: int, total: int, font: str) -> None:
    top = PAGE_H - BOTTOM_MARGIN - FOOTER_H + 2 * mm
    c.setStrokeColor(RULE)
    c.setLineWidth(0.6)
    c.line(MARGIN, PAGE_H - top, MARGIN + CONTENT_W, PAGE_H - top)
    _text(c, MARGIN, top + 5 * mm, "本函件含个人信息，请妥善保管。 This letter contains personal "
          "data; keep it safe.", font, 8, ACCENT)
    _text(c, MARGIN, top + 10 * mm, "状态参考 Status ref.", font, 7.5, GREY)
    _text(c, MARGIN + stringWidth("状态参考 Status ref. ", font, 7.5), top + 10 * mm,
          data.status_ref[:4].hex(), font, 7.5, GREY)
    _text(c, MARGIN + CONTENT_W, top + 10 * mm, f"第 {number} / {total} 页 · Page {number} of "
          f"{total}", font, 7.5, GREY, align="right")


# --- many letters ------------------------------------------------------------------------

def render_many(items: Iterable[tuple[Path, LetterData]], workers: int,
                progress: Callable[[], None] | None = None) -> int:
    """Renders each letter to its path using `workers` processes; returns the count written.

    Each file is written whole or not at all (a ".partial" file, then a rename), so a
    crashed run leaves no truncated letters. Parent folders must exist. `progress` is
    called once per letter written, in input order. The first letter that cannot be
    rendered raises and stops the run.
    """
    if workers < 1:
        raise RenderError(f"workers is {workers}; use 1 or more processes.",
                          reason="workers_invalid")
    register_font()  # fail fast; forked workers inherit the parsed font
    if workers == 1:
        return _count(map(_render_to_file, items), progress)
    pool = ProcessPoolExecutor(max_workers=workers)
    try:
        return _count(pool.map(_render_to_file, items, chunksize=16), progress)
    finally:  # after a failure, letters not yet started are dropped, not rendered
        pool.shutdown(wait=True, cancel_futures=True)


def _count(done: Iterable[int], progress: Callable[[], None] | None) -> int:
    written = 0
    for count in done:
        written += count
        if progress is not None:
            progress()
    return written


def _render_to_file(item: tuple[Path, LetterData]) -> int:
    path, data = item
    write_private(path, render_licence_pdf(data))  # private in the worker processes too
    return 1
