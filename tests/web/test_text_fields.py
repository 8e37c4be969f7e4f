"""A request's text field refused says what is wrong with it (decision 0292): missing
(absent or null), not text, empty (or only spaces), or too long, in English and in Chinese,
the same way on the verify route (JSON and multipart), the history route and the claim
exchange; the reason stays `bad_request` (400)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from licence.errors import text_field_problem
from tests.support.serving import claims_app

pytestmark = pytest.mark.timeout(120)

QR_CASES = [  # body, the English words, the Chinese sentence
    ({}, "is missing", "缺少字段 qr，请在 JSON 对象中提供它。"),
    ({"qr": None}, "is missing", "缺少字段 qr，请在 JSON 对象中提供它。"),
    ({"qr": 7}, "is not text", "字段 qr 须为文本（JSON 字符串）。"),
    ({"qr": ["ELC1:"]}, "is not text", "字段 qr 须为文本（JSON 字符串）。"),
    ({"qr": ""}, "is empty", "字段 qr 为空，请填入内容后重试。"),
    ({"qr": "  \n"}, "is empty", "字段 qr 为空，请填入内容后重试。"),
]


def refusal(answer) -> dict[str, str]:  # type: ignore[no-untyped-def]
    assert answer.status_code == 400, answer.get_json()
    error = answer.get_json()["error"]
    assert error["reason"] == "bad_request"
    return error


@pytest.mark.parametrize(("value", "problem"), [
    (None, "missing"), (7, "not_text"), (b"x", "not_text"), ("", "empty"), (" \t", "empty"),
    ("ELC1:A", None), (" x ", None)])
def test_each_problem_of_a_text_field_has_one_name(value: object, problem: str | None) -> None:
    assert text_field_problem(value) == problem
    assert text_field_problem("x" * 10, max_chars=9) == "too_long"
    assert text_field_problem("x" * 9, max_chars=9) is None


@pytest.mark.parametrize(("body", "words", "zh"), QR_CASES)
def test_verify_says_what_is_wrong_with_qr(client: FlaskClient, body: dict, words: str,
                                           zh: str) -> None:
    error = refusal(client.post("/api/v1/verify", json=body))
    assert error["message"] == (f"The field qr (the scanned text) {words}: send the text "
                                'read from the QR code, as {"qr": "ELC1:…"}.')
    assert error["message_zh"] == zh


@pytest.mark.parametrize(("body", "words", "zh"), QR_CASES)
def test_history_says_what_is_wrong_with_qr(client: FlaskClient, body: dict, words: str,
                                            zh: str) -> None:
    error = refusal(client.post("/api/v1/history", json=body))
    assert error["message"].startswith(f"The field qr (the licence's scanned text) {words}: ")
    assert error["message_zh"] == zh


def test_an_upload_with_a_blank_qr_field_is_refused_as_empty(client: FlaskClient) -> None:
    error = refusal(client.post("/api/v1/verify", data={"qr": " "},
                                content_type="multipart/form-data"))
    assert error["message"].startswith("The field qr (the scanned text) is empty: ")


@pytest.fixture(scope="module")
def claims(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    with claims_app(tmp_path_factory.mktemp("claims-home")) as app:
        yield app


GOOD = {"code": "K7Q2-9XHM-3PLA-8WDE", "device_key": "Ag", "challenge": "AA",
        "signature": "AA"}


@pytest.mark.parametrize(("change", "message", "zh"), [
    ({"code": None}, "The field code is missing: send the claim code printed on the licence "
                     "letter.", "缺少字段 code，请在 JSON 对象中提供它。"),
    ({"code": 1234}, "The field code is not text: ", "字段 code 须为文本（JSON 字符串）。"),
    ({"code": " "}, "The field code is empty: ", "字段 code 为空，请填入内容后重试。"),
    ({"device_key": None}, "The field device_key is missing: send it as base64url text.",
     "缺少字段 device_key，请在 JSON 对象中提供它。"),
    ({"device_key": 33}, "The field device_key is not text: ",
     "字段 device_key 须为文本（JSON 字符串）。"),
    ({"device_key": ""}, "The field device_key is empty: ",
     "字段 device_key 为空，请填入内容后重试。"),
    ({"device_key": "A" * 513}, "The field device_key is too long: send it as base64url text "
                                "of at most 512 characters.",
     "字段 device_key 过长：最多 512 个字符。"),
    ({"device_key": "!!"}, "The field device_key is not base64url.",
     "请求有误，请按英文提示（message）修改，或参阅 /api/v1/openapi.json。"),
])
def test_the_claim_exchange_says_what_is_wrong_with_a_field(claims: Flask, change: dict,
                                                            message: str, zh: str) -> None:
    body = {key: value for key, value in {**GOOD, **change}.items() if value is not None}
    error = refusal(claims.test_client().post("/api/v1/claims", json=body))
    assert error["message"].startswith(message)
    assert error["message_zh"] == zh
