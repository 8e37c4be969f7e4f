"""Licence letters: valid PDF, bilingual content, embedded font, a QR that scans from paper."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import math
import re
from dataclasses import replace
from pathlib import Path

import pypdf
import pypdfium2
import pytest
import zxingcpp
from cryptography.hazmat.primitives.asymmetric import ec
from PIL import Image

from issuer.render import (
    QR_SIDE,
    LetterData,
    RenderError,
    font_path,
    qr_matrix,
    render_licence_pdf,
    render_many,
    render_qr_png,
)
from licence import build_batch, load_schema

ISSUED_AT = 1_767_225_600  # 2026-01-01T00:00Z
DRIVING_ROW = {
    "family_name": "欧阳", "given_name": "明华", "birth_date": "1988-11-30",
    "licence_number": "310115198811304527", "vehicle_classes": "C1, D",
    "issue_date": "2021-06-15", "expiry_date": "2031-06-15", "sex": "M", "nationality": "CHN",
    "address": "上海市浦东新区世纪大道100号环球金融中心",
}
BUSINESS_ROW = {
    "credit_code": "91350100M000100Y43", "company_name": "福州示例科技有限公司",
    "legal_representative": "陈明", "company_type": "有限责任公司（自然人投资或控股）",
    "registered_capital": "500万元人民币", "established_date": "2015-03-02",
    "business_scope": (("软件开发；信息技术咨询服务；数据处理和存储支持服务；"
                       "Software development and IT consulting; ") * 3)[:256],
    "address": "福建省福州市鼓楼区五四路1号",
}
PROFESSIONAL_ROW = {
    "family_name": "司马", "given_name": "晓东", "birth_date": "1979-04-02",
    "certificate_number": "2024310000123456", "profession": "注册安全工程师", "level": "2",
    "issue_date": "2024-09-01",
}
SCAN_DPI = 300


def _deterministic(label: bytes):
    counter = iter(range(1 << 30))

    def take(n: int) -> bytes:
        out = b""
        while len(out) < n:
            out += hashlib.sha256(label + next(counter).to_bytes(8, "big")).digest()
        return out[:n]

    return take


def make_letter(licence_type: str, row: dict[str, object]) -> LetterData:
    """A letter for a licence really issued in a signed batch of 40."""
    schema = load_schema(licence_type)
    claims = schema.validate(row)
    key = ec.derive_private_key(0xA11CE, ec.SECP256R1())
    until = ISSUED_AT + 10 * 365 * 86400
    items = [(claims, ISSUED_AT, until, bytes([0x7D, 0x29, 0xAC, i]) * 4) for i in range(40)]
    lic = build_batch(3, 1, key, schema.code, ISSUED_AT, items,
                      random_bytes=_deterministic(b"letters")).licences[17]
    return LetterData(
        licence_type=licence_type, claims=lic.claims, authority_id="CN-31-DMV",
        authority_name_zh="上海市公安局交通警察总队",
        authority_name_en="Shanghai Municipal Traffic Police", jurisdiction="CN-31",
        qr_text=lic.to_qr(), claim_code="K7Q2-9XHM-3PWD-T8VN",
        claim_expires=dt.date(2026, 2, 1), verify_url="https://verify.example.gov.cn",
        wallet_url="https://wallet.example.gov.cn", status_ref=lic.status_ref,
        issued_at=dt.date(2026, 1, 1), valid_from=dt.date(2026, 1, 1),
        valid_until=dt.date(2035, 12, 30))


@pytest.fixture(scope="module")
def letter() -> LetterData:
    return make_letter("driving", DRIVING_ROW)


@pytest.fixture(scope="module")
def pdf(letter: LetterData) -> bytes:
    return render_licence_pdf(letter)


def squeeze(text: str) -> str:
    """Text extraction breaks lines and spaces differently from how they were drawn."""
    return re.sub(r"\s+", "", text)


def page_text(pdf: bytes) -> str:
    return squeeze("".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages))


def scan_pages(pdf: bytes) -> list[tuple[int, zxingcpp.Barcode]]:
    """Rasterises every page at 300 dpi (as a printer would) and reads the QR codes on it."""
    found = []
    document = pypdfium2.PdfDocument(pdf)
    for number in range(len(document)):
        image = document[number].render(scale=SCAN_DPI / 72, grayscale=True).to_pil()
        found += [(number, code) for code in
                  zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]
    return found


def texts_per_page(pdf: bytes) -> list[str]:
    return [squeeze(p.extract_text()) for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def test_letter_is_a_licence_page_and_a_claim_code_page_on_a4(pdf: bytes) -> None:
    assert pdf.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2
    for page in reader.pages:
        box = page.mediabox
        assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_claim_code_is_only_on_the_last_page_not_beside_the_qr(letter: LetterData,
                                                               pdf: bytes) -> None:
    """The attack: the page shown at counters carried the code that claims the licence."""
    qr_page, claim_page = texts_per_page(pdf)
    code = squeeze(letter.claim_code)
    assert code not in qr_page and code.replace("-", "") not in qr_page
    assert code in claim_page
    assert squeeze("领取码 — 请勿在柜台出示 / Claim code — do not show at counters") in claim_page
    assert squeeze("The claim code is on the last page of this letter.") in qr_page
    [(page, _)] = scan_pages(pdf)
    assert page == 0  # the QR is on the licence page, the code on the other


def test_letter_shows_every_claim_with_bilingual_titles(letter: LetterData, pdf: bytes) -> None:
    text = page_text(pdf)
    for spec in load_schema("driving").claims:
        assert squeeze(spec.title["zh"]) in text, spec.name
        assert squeeze(spec.title["en"]) in text, spec.name
    for shown in ("欧阳", "明华", "上海市浦东新区世纪大道100号环球金融中心", "1988-11-30",
                  "310115198811304527", "C1 D", "2021-06-15", "2031-06-15", "男 Male", "CHN",
                  "是 Yes", "否 No", "机动车驾驶证", "Driving licence",
                  "2026-01-01 — 2035-12-30"):
        assert squeeze(shown) in text, shown


def test_letter_shows_authority_claim_code_and_instructions(letter: LetterData,
                                                             pdf: bytes) -> None:
    text = page_text(pdf)
    for shown in ("上海市公安局交通警察总队", "Shanghai Municipal Traffic Police", "CN-31",
                  "CN-31-DMV", "K7Q2-9XHM-3PWD-T8VN", "valid until 2026-02-01",
                  "https://wallet.example.gov.cn", "type the code above",
                  "https://verify.example.gov.cn", "elicence verify", "Scan the QR code at any "
                  "counter", "This letter contains personal data; keep it safe.",
                  "本函件含个人信息，请妥善保管。", "Page 1 of 2", "Page 2 of 2",
                  letter.status_ref[:4].hex()):
        assert squeeze(shown) in text, shown
    assert letter.status_ref[4:].hex() not in text  # only the fingerprint is printed


def test_every_font_is_an_embedded_truetype_subset(pdf: bytes) -> None:
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    fonts = [f.get_object() for f in page["/Resources"]["/Font"].values()]
    assert fonts
    for font in fonts:
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor, font["/BaseFont"]
        assert "WenQuanYi" in font["/BaseFont"]
        assert "/ToUnicode" in font  # text stays searchable and copyable


def test_qr_scans_from_the_printed_page_at_its_full_size(letter: LetterData,
                                                         pdf: bytes) -> None:
    [(page, code)] = scan_pages(pdf)
    assert (page, code.text) == (0, letter.qr_text)
    assert code.ec_level == "M"
    corners = code.position
    side_px = math.dist((corners.top_left.x, corners.top_left.y),
                        (corners.top_right.x, corners.top_right.y))
    side_mm = side_px / SCAN_DPI * 25.4
    assert side_mm >= 35
    assert abs(side_mm - QR_SIDE / 72 * 25.4) < 2  # what we drew is what the scanner saw


def test_qr_png_decodes_to_the_exact_text(letter: LetterData) -> None:
    png = render_qr_png(letter.qr_text, box_size=6)
    assert png.startswith(b"\x89PNG")
    image = Image.open(io.BytesIO(png))
    matrix = qr_matrix(letter.qr_text)
    assert image.size == ((matrix.size + 8) * 6,) * 2  # 4-module quiet zone each side
    (code,) = zxingcpp.read_barcodes(image)
    assert code.text == letter.qr_text


def test_licence_text_is_encoded_in_alphanumeric_mode() -> None:
    text = ("ELC1:" + "KGL76BERKC 4 98/E7V50T30Y50IB0TH0AEDKHN$M0FD0468$23MDE:" * 15)[:816]
    # 816 alphanumeric characters fit version 18 at level M; as bytes they would need 22.
    assert qr_matrix(text).version <= 18


def test_business_letter_wraps_a_long_scope_onto_the_qr_page() -> None:
    data = make_letter("business", BUSINESS_ROW)
    pdf = render_licence_pdf(data)
    assert len(pypdf.PdfReader(io.BytesIO(pdf)).pages) == 2  # the scope fits the QR page
    text = page_text(pdf)
    assert squeeze(str(data.claims["business_scope"])) in text
    for shown in ("营业执照", "Business licence", "统一社会信用代码", "91350100M000100Y43",
                  "有限责任公司（自然人投资或控股）", "2015-03-02"):
        assert squeeze(shown) in text, shown
    [(_, code)] = scan_pages(pdf)
    assert code.text == data.qr_text


def test_professional_letter_shows_its_titles_and_scans() -> None:
    data = make_letter("professional", PROFESSIONAL_ROW)
    pdf = render_licence_pdf(data)
    text = page_text(pdf)
    for shown in ("职业资格证书", "Professional qualification certificate", "等级（一级最高）",
                  "Level (1 highest)", "注册安全工程师", "司马", "晓东", "2024-09-01"):
        assert squeeze(shown) in text, shown
    [(_, code)] = scan_pages(pdf)
    assert code.text == data.qr_text


def test_overlong_claims_continue_on_a_second_page_with_the_qr(letter: LetterData) -> None:
    long_address = "上海市浦东新区世纪大道100号环球金融中心" * 30
    data = replace(letter, claims={**letter.claims, "address": long_address})
    pdf = render_licence_pdf(data)
    assert len(pypdf.PdfReader(io.BytesIO(pdf)).pages) == 3
    text = page_text(pdf)
    assert squeeze(long_address) in text
    assert "Page1of3" in text and "Page3of3" in text
    [(page, code)] = scan_pages(pdf)
    assert (page, code.text) == (1, letter.qr_text)
    assert squeeze(letter.claim_code) in texts_per_page(pdf)[2]


def test_metadata_carries_no_personal_data(letter: LetterData, pdf: bytes) -> None:
    metadata = " ".join(str(v) for v in pypdf.PdfReader(io.BytesIO(pdf)).metadata.values())
    for personal in ("欧阳", "明华", "310115198811304527", "K7Q2", letter.status_ref.hex()[:8]):
        assert personal not in metadata


def test_rendering_is_deterministic(letter: LetterData, pdf: bytes) -> None:
    assert render_licence_pdf(letter) == pdf


def test_unknown_claim_is_refused(letter: LetterData) -> None:
    with pytest.raises(RenderError) as caught:
        render_licence_pdf(replace(letter, claims={**letter.claims, "blood_type": "A"}))
    assert caught.value.reason == "claim_unknown"
    assert "blood_type" in caught.value.message


def test_qr_text_too_long_is_refused() -> None:
    with pytest.raises(RenderError) as caught:
        qr_matrix("A" * 5000)
    assert caught.value.reason == "qr_too_large"


def test_missing_font_names_the_package_to_install(monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    monkeypatch.setenv("ELICENCE_CJK_FONT", str(tmp_path / "absent.ttc"))
    with pytest.raises(RenderError) as caught:
        font_path()
    assert caught.value.reason == "font_missing"
    assert "apt-get install fonts-wqy-microhei" in caught.value.message


@pytest.mark.parametrize("workers", [1, 2])
def test_render_many_writes_each_letter_whole(letter: LetterData, tmp_path: Path,
                                              workers: int) -> None:
    other = make_letter("business", BUSINESS_ROW)
    jobs = [(tmp_path / f"letter-{i}.pdf", data) for i, data in enumerate([letter, other] * 3)]
    ticks: list[None] = []
    assert render_many(jobs, workers=workers, progress=lambda: ticks.append(None)) == 6
    assert len(ticks) == 6
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"letter-{i}.pdf" for i in range(6)]
    assert (tmp_path / "letter-1.pdf").read_bytes() == render_licence_pdf(other)


def test_render_many_stops_at_a_letter_that_cannot_be_rendered(letter: LetterData,
                                                               tmp_path: Path) -> None:
    bad = replace(letter, qr_text="A" * 5000)
    with pytest.raises(RenderError) as caught:
        render_many([(tmp_path / "a.pdf", letter), (tmp_path / "b.pdf", bad)], workers=2)
    assert caught.value.reason == "qr_too_large"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf"]  # nothing half-written


def test_render_many_refuses_zero_workers(letter: LetterData, tmp_path: Path) -> None:
    with pytest.raises(RenderError) as caught:
        render_many([(tmp_path / "a.pdf", letter)], workers=0)
    assert caught.value.reason == "workers_invalid"
