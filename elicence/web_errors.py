"""The web edge's one answer to every error: an HTTP status, the JSON error document and
its headers, for every blueprint of the app (and for the lean verify endpoint, which
answers before Flask).

    {"error": {"reason": "too_large", "message": "…", "message_zh": "…"}}

Blueprints only raise our errors (ElicenceError subclasses, each with a stable reason and
one English sentence); the status of each reason and the Chinese sentence for it live
here, once. A fault of ours (any other exception) is logged and answered as
`internal_error` (500), never as an HTML page or a traceback.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import Any

import orjson
from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from licence.errors import ElicenceError

log = logging.getLogger("elicence.web")

# Reason → HTTP status. Reasons not listed get 400 (a request we refuse), or 503 for chain
# and configuration trouble (see `http_status`).
STATUS: Mapping[str, int] = {
    "bad_request": 400, "bad_json": 400, "image_unreadable": 400, "qr_not_found": 400,
    "device_key_invalid": 400, "challenge_invalid": 400, "challenge_expired": 400,
    "claim_code_malformed": 400,
    "request_time_invalid": 401, "signature_invalid": 401, "possession_unproven": 401,
    "operator_token_invalid": 401,
    "counter_token_invalid": 401,
    "not_found": 404, "schema_unknown": 404, "key_unknown": 404, "claim_code_unknown": 404,
    "copy_unknown": 404,
    "method_not_allowed": 405,
    "request_timeout": 408,
    "licence_not_active": 409, "request_replayed": 409,
    "licence_not_genuine": 422, "export_type_unsupported": 422,
    "export_algorithm_unsupported": 422,
    "claim_code_used": 410, "claim_code_expired": 410, "copy_revoked": 410,
    "too_large": 413, "image_too_large": 413,
    "unsupported_media_type": 415, "image_type_unsupported": 415,
    "rate_limited": 429,
    "internal_error": 500,
    "index_unavailable": 503, "key_unavailable": 503, "issuer_unavailable": 503,
    "service_unavailable": 503,
}

# Reason → the Chinese sentence shown beside `message` ({names} come from the error's
# context). One catalogue for the whole web API. "reason.problem" entries say it more
# precisely for an error whose context names its `problem` (a request's text field:
# licence.errors.TEXT_FIELD_PROBLEMS, decision 0292).
MESSAGES_ZH: Mapping[str, str] = {
    "bad_request": "请求有误，请按英文提示（message）修改，或参阅 /api/v1/openapi.json。",
    "bad_request.missing": "缺少字段 {field}，请在 JSON 对象中提供它。",
    "bad_request.not_text": "字段 {field} 须为文本（JSON 字符串）。",
    "bad_request.empty": "字段 {field} 为空，请填入内容后重试。",
    "bad_request.too_long": "字段 {field} 过长：最多 {limit} 个字符。",
    "bad_json": "请求内容不是有效的 JSON。",
    "unsupported_media_type":
        "请以 JSON（application/json）或图片上传（multipart/form-data）提交。",
    "too_large": "请求过大：最多 {limit}。",
    "rate_limited": "请求过于频繁，请稍候再试。",
    "not_found": "此地址无内容。",
    "method_not_allowed": "此地址不支持该请求方法。",
    "internal_error": "服务处理请求时出错，请重试或报告。",
    "index_unavailable": "无法读取状态索引，请稍后再试。",
    "service_unavailable": "服务繁忙或正在重启，请几秒后重试。",
    "image_too_large":
        "图片过大，请使用较小的照片（PNG 不超过 900 万像素，JPEG 不超过 4800 万像素）。",
    "image_unreadable": "无法识别该图片，请上传 PNG 或 JPEG 照片。",
    "image_type_unsupported": "只接受 PNG 或 JPEG 图片，请转换格式后重新上传。",
    "counter_token_invalid": "柜台令牌无效，请使用为本柜台签发的令牌。",
    "request_timeout": "请求内容发送过慢，请检查网络后重试。",
    "qr_not_found": "图片中未找到二维码，请拍摄清晰、端正且完整的二维码。",
    "device_key_invalid": "device_key 须为 33 字节压缩格式的 P-256 公钥。",
    "request_time_invalid": "请求时间与服务器时间相差超过 2 分钟，请校准手机时间后重试。",
    "signature_invalid": "签名与设备公钥不符，请使用证照绑定的设备密钥签名。",
    "schema_unknown": "没有该名称的证照类型。",
    "key_unavailable": "暂时无法从链上读取发证机关公钥，请稍后再试。",
    "key_unknown": "该发证机关没有此编号的公钥。",
    "challenge_invalid": "领取验证信息无效，请重新开始领取。",
    "challenge_expired": "领取验证信息已过期，请重新开始领取。",
    "claim_code_malformed": "领取码为16位字母和数字，请核对证照函上的领取码。",
    "possession_unproven": "设备未能证明持有密钥，请刷新钱包后重试。",
    "claim_code_unknown": "领取码不存在，请与证照函核对。",
    "claim_code_used": "此领取码已在其他设备上使用，请向发证机关申请新的领取码。",
    "claim_code_expired": "领取码已过期，请向发证机关申请新的领取码。",
    "licence_not_active": "该证照当前状态不可领取。",
    "copy_revoked": "发证机关已停用本设备上的证照副本。",
    "copy_unknown": "本设备上没有该证照的副本。",
    "request_replayed": "此请求已使用过，请在钱包中重新发起。",
    "export_type_unsupported": "mdoc 仅用于驾驶证，请将此证照导出为 SD-JWT VC 或 vc+jwt。",
    "export_algorithm_unsupported":
        "导出格式只支持 ES256 签名，发证机关须登记一把 ES256 密钥后才能导出。",
    "issuer_unavailable": "发证机关暂时无法完成上链，请稍后再试。",
    "operator_token_invalid": "请以 “Authorization: Bearer <令牌>” 提供本系统的运维令牌。",
    "licence_not_genuine": "仅对链上可查的真实证照显示历史记录，请重新扫描证照二维码。",
    "delegation_revocation_invalid": "授权书格式错误或并非持证人签署，请按钱包保存的原样提交。",
}
_FALLBACK_ZH = {4: "请求无法处理，请按英文提示修改后重试。", 5: "服务暂时不可用，请稍后再试。"}


class HttpRefusal(ElicenceError):
    """What the web server itself refuses before any blueprint (404, 405, 413...)."""


_HTTP_REFUSALS = {
    400: ("bad_request", "The request is malformed: see /api/v1/openapi.json."),
    404: ("not_found", "There is nothing at this address: see /api/v1/openapi.json for the "
                       "API."),
    405: ("method_not_allowed", "This address does not take that method."),
    413: ("too_large", "The request is too large: send at most 8 MiB."),
    415: ("unsupported_media_type", "Send JSON (application/json) or an image upload "
                                    "(multipart/form-data)."),
}


def http_status(exc: ElicenceError) -> int:
    status = STATUS.get(exc.reason)
    if status is not None:
        return status
    from chain.config import ConfigError
    from chain.errors import ChainError

    return 503 if isinstance(exc, ChainError | ConfigError) else 400


def error_document(exc: ElicenceError) -> dict[str, Any]:
    status = http_status(exc)
    problem = exc.context.get("problem")
    template = (problem is not None and MESSAGES_ZH.get(f"{exc.reason}.{problem}")) or \
        MESSAGES_ZH.get(exc.reason) or _FALLBACK_ZH[status // 100]
    return {"error": {"reason": exc.reason, "message": exc.message,
                      "message_zh": template.format_map(_Blank(exc.context))}}


def error_headers(exc: ElicenceError) -> list[tuple[str, str]]:
    headers = []
    retry_after = exc.context.get("retry_after")
    if retry_after is not None:
        headers.append(("Retry-After", str(retry_after)))
    allow = exc.context.get("allow")  # a 405 must name the methods it takes (RFC 9110)
    if allow is not None:
        headers.append(("Allow", str(allow)))
    scheme = exc.context.get("www_authenticate")  # a 401 names how to authenticate
    if scheme is not None:
        headers.append(("WWW-Authenticate", str(scheme)))
    return headers


def as_error(exc: BaseException) -> ElicenceError:
    """Any exception as one of ours: werkzeug's HTTP errors by code, the index database
    failing as index_unavailable, and anything else as internal_error (logged)."""
    if isinstance(exc, ElicenceError):
        return exc
    if isinstance(exc, HTTPException):
        reason, message = _HTTP_REFUSALS.get(exc.code or 400, _HTTP_REFUSALS[400])
        allowed = getattr(exc, "valid_methods", None)  # a 405 names what the address takes
        return HttpRefusal(message, reason=reason, limit="8 MiB",
                           **({"allow": ", ".join(sorted(allowed))} if allowed else {}))
    if isinstance(exc, sqlite3.DatabaseError):
        log.error("the status index cannot be read (%s)", type(exc).__name__)
        return HttpRefusal("The status index cannot be read: restart the service with the "
                           "chain node reachable so it is rebuilt, or delete index.sqlite "
                           "first if it is damaged.", reason="index_unavailable")
    log.error("unexpected error answering a request", exc_info=exc)
    return HttpRefusal("The service failed to handle this request; try again or report it.",
                       reason="internal_error")


def render_error(exc: BaseException) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
    """(status, document, headers) for any exception: what every error answer is made of."""
    error = as_error(exc)
    return http_status(error), error_document(error), error_headers(error)


def json_error_response(rendered: tuple[int, dict[str, Any], list[tuple[str, str]]],
                        start_response: Callable[..., Any]) -> list[bytes]:
    """A rendered error as a plain WSGI answer (for the layers in front of Flask), in the
    bytes Flask's jsonify writes."""
    status, document, headers = rendered
    payload = orjson.dumps(document, option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE)
    start_response(f"{status} {HTTPStatus(status).phrase}", [
        ("Content-Type", "application/json"), ("Content-Length", str(len(payload))),
        *headers])
    return [payload]


# Every answer of the app, errors included: never cached by a browser or a proxy unless
# the route says otherwise (public files set their own Cache-Control), never sniffed into
# another type, never framed; documents that set no policy of their own (JSON answers,
# errors) may load nothing.
DEFAULT_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
ALWAYS = (("X-Content-Type-Options", "nosniff"),)
UNLESS_SET = (("Cache-Control", "no-store"), ("Content-Security-Policy", DEFAULT_CSP),
              ("Referrer-Policy", "no-referrer"))


def with_security_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    present = {name.lower() for name, _ in headers}
    if "x-content-type-options" in present:  # ours wins: never another value
        headers = [(n, v) for n, v in headers if n.lower() != "x-content-type-options"]
    return [*headers, *ALWAYS, *((n, v) for n, v in UNLESS_SET if n.lower() not in present)]


class SecurityHeaders:
    """WSGI middleware, outermost: the headers above on every response of every layer."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, with_security_headers(headers), exc_info)

        return self.app(environ, start)


def init_app(app: Flask) -> None:
    """Answers every error of every blueprint with `render_error`."""

    def handle(exc: Exception):
        if isinstance(exc, HTTPException) and exc.code is not None and exc.code < 400:
            return exc  # redirects are not errors
        status, document, headers = render_error(exc)
        if status == 500:
            log.error("in %s %s", request.method, request.path)
        response = jsonify(document)
        response.headers.extend(headers)
        return response, status

    app.register_error_handler(Exception, handle)


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "?"
