"""The verifier's HTTP side: the JSON API, the counter page and health, as a Flask blueprint.

    POST /api/v1/verify              {"qr": text[, "challenge": b64url]} or multipart `image`
                                     → the verification document (verifier.result.to_json)
    GET  /api/v1/status              ?authority=N&ref=hex32 → a licence's status, from the index
    POST /api/v1/receipts/query      signed by the device key → its usage records
    POST /api/v1/receipts/delete     signed by the device key → {"deleted": n}
    GET  /api/v1/schemas             claim titles per licence type (for the counter page)
    GET  /api/v1/openapi.json        the API description (OpenAPI 3.1)
    GET  /healthz                    index lag, chain reachability, last sync
    GET  /verify                     the counter page

Errors are JSON {"error": {"reason", "message", "message_zh"}} with a 4xx status. Requests
only read the local index (the follower of `elicence serve` keeps it current): no request
makes an RPC call to the chain node.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Flask,
    current_app,
    jsonify,
    render_template,
    request,
    send_from_directory,
)
from werkzeug.exceptions import HTTPException

from chain.config import Settings
from chain.errors import ChainError
from chain.index import LicenceIndex
from chain.records import REVOKED, SUPERSEDED, SUSPENDED
from licence import LicenceError, Presentation, decode_unverified, load_schema
from licence.schema import SCHEMA_NAMES
from licence.status_reasons import describe

from .audit import VerificationLog, installation_salt
from .context import Policy
from .follower import read_state
from .qr_image import MAX_IMAGE_PIXELS
from .rate_limit import Budget, RateLimiter, retry_after_header
from .receipts import Counter, ReceiptAuthError, ReceiptStore, check_request
from .result import UNREADABLE, Verification, to_json
from .verification import Verifier

bp = Blueprint("verifier", __name__, template_folder="templates")
log = logging.getLogger("elicence.verifier.web")

STATIC_DIR = Path(__file__).parent / "static"
DEFAULT_RATE_LIMIT = "600/minute"
MAX_JSON_BYTES = 64 * 1024  # a QR code holds at most 4,296 characters
MAX_IDS = 1000
# Strict: nothing inline, nothing third-party; the camera is a media stream (blob:).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "media-src 'self' blob: mediastream:; connect-src 'self'; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


class WebError(Exception):
    """A request the API refuses: status, stable reason code, en and zh sentences."""

    def __init__(self, status: int, reason: str, message: str, message_zh: str,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.reason = status, reason
        self.message, self.message_zh = message, message_zh
        self.headers = dict(headers or {})


@dataclass(frozen=True)
class WebConfig:
    home: Path
    index_path: Path
    counter: Counter
    rate_limit: Budget | None  # None: no limit
    policy: Policy
    follower_interval: float = 3.0

    @classmethod
    def from_settings(cls, settings: Settings,
                      env: Mapping[str, str] | None = None) -> WebConfig:
        """Settings' `extra` (config.json) first, then ELICENCE_* environment variables."""
        env = os.environ if env is None else env

        def value(name: str, default: str) -> str:
            return env.get(f"ELICENCE_{name.upper()}") or str(settings.extra.get(name) or
                                                              default)

        limit = value("rate_limit", DEFAULT_RATE_LIMIT)
        staleness = value("max_staleness", "300")
        if not staleness.isdigit() or int(staleness) < 1:
            raise ValueError(f"ELICENCE_MAX_STALENESS must be a whole number of seconds, not "
                             f"{staleness!r}.")
        return cls(settings.home, settings.index_path,
                   Counter(value("counter_id", Counter.id),
                           value("counter_name_zh", Counter.name_zh),
                           value("counter_name_en", Counter.name_en)),
                   None if limit.strip().lower() == "off" else Budget.parse(limit),
                   Policy(max_staleness=int(staleness)))


class VerifierService:
    """What the blueprint shares between requests: the verifier, receipts, the budget."""

    def __init__(self, config: WebConfig, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.clock = clock
        self.receipts = ReceiptStore(config.home / "receipts.sqlite")
        self.limiter = None if config.rate_limit is None else RateLimiter(config.rate_limit)
        self.log = VerificationLog(config.home / "verifications.jsonl",
                                   installation_salt(config.home), config.counter.id)
        self._lock = threading.Lock()  # the verifier's caches are not shared across threads
        self._index: LicenceIndex | None = None
        self._verifier: Verifier | None = None

    def now(self) -> int:
        return int(self.clock())

    def _current(self) -> Verifier:
        # The index appears on the follower's first sync: open it as soon as it exists.
        if self._verifier is None or (self._index is None and self.config.index_path.exists()):
            try:
                self._index = LicenceIndex(self.config.index_path)
            except ChainError:
                self._index = None
            self._verifier = Verifier(self._index, policy=self.config.policy, log=self.log)
        return self._verifier

    def verify(self, text: str, challenge: bytes | None) -> Verification:
        with self._lock:
            return self._current().verify(text, now=self.now(), challenge=challenge)

    def index(self) -> LicenceIndex | None:
        with self._lock:
            self._current()
            return self._index

    def close(self) -> None:
        self.receipts.close()
        self.log.close()
        if self._index is not None:
            self._index.close()


def init_app(app: Flask, settings: Settings, *, clock: Callable[[], float] = time.time,
             env: Mapping[str, str] | None = None) -> VerifierService:
    """Adds the verifier's API and counter page to `app` (see the module docstring)."""
    service = VerifierService(WebConfig.from_settings(settings, env), clock)
    app.extensions["elicence.verifier"] = service
    app.register_blueprint(bp)
    app.wsgi_app = JsonVerifyEndpoint(app.wsgi_app, service)  # type: ignore[method-assign]
    return service


def _service() -> VerifierService:
    return current_app.extensions["elicence.verifier"]


# ---------------------------------------------------------------------- errors and limits
def error_document(reason: str, message: str, message_zh: str) -> dict[str, Any]:
    return {"error": {"reason": reason, "message": message, "message_zh": message_zh}}


_INDEX_UNAVAILABLE = error_document(
    "index_unavailable", "The status index cannot be read: restart the service with the "
    "chain node reachable so it is rebuilt, or delete index.sqlite first if it is damaged.",
    "无法读取状态索引：请在可连接链节点时重启服务以重建索引。")
_INTERNAL_ERROR = error_document(
    "internal_error", "The verifier failed to handle this request; try again or report it.",
    "核验服务处理请求时出错，请重试或报告。")


@bp.errorhandler(WebError)
def _web_error(exc: WebError):
    response = jsonify(error_document(exc.reason, exc.message, exc.message_zh))
    response.headers.update(exc.headers)
    return response, exc.status


_HTTP_ERRORS = {
    400: ("bad_request", "The request is malformed: see /api/v1/openapi.json.",
          "请求格式错误，请参阅 /api/v1/openapi.json。"),
    413: ("too_large", "The request is too large: send at most 8 MiB.", "请求过大：最多 8 MiB。"),
    415: ("unsupported_media_type", "Send JSON (application/json) or an image upload "
          "(multipart/form-data).", "请以 JSON 或 multipart/form-data 图片上传提交。"),
}


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    code = exc.code or 400
    reason, en, zh = _HTTP_ERRORS.get(code, (
        "bad_request" if code < 500 else "internal_error",
        exc.description or "The request cannot be handled.", "无法处理该请求。"))
    return jsonify(error={"reason": reason, "message": en, "message_zh": zh}), code


@bp.errorhandler(sqlite3.DatabaseError)
def _index_error(exc: sqlite3.DatabaseError):
    log.error("the status index cannot be read (%s)", type(exc).__name__)
    return jsonify(_INDEX_UNAVAILABLE), 503


@bp.errorhandler(Exception)
def _fault(exc: Exception):
    # A fault of ours, not of the request: logged with its traceback, answered in the
    # API's error shape instead of an HTML page.
    log.exception("unexpected error in %s", request.path)
    return jsonify(_INTERNAL_ERROR), 500


def _spend_budget(service: VerifierService, client: str | None) -> None:
    """One request of the client address's budget; WebError 429 when it is spent."""
    if service.limiter is None:
        return
    wait = service.limiter.take(client or "-", time.monotonic())
    if wait:
        raise WebError(429, "rate_limited", "Too many requests from this address: wait a "
                       "moment and try again.", "请求过于频繁，请稍候再试。",
                       {"Retry-After": retry_after_header(wait)})


@bp.before_request
def _limit_rate() -> None:
    if request.path.startswith("/api/"):
        _spend_budget(_service(), request.remote_addr)


# Documents (the page, its files) get the content policy; JSON answers must not be cached
# or sniffed as HTML. Added as lists: this runs on every verification.
_DOCUMENT_HEADERS = [("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"),
                     ("Referrer-Policy", "no-referrer")]
_API_HEADERS = [("X-Content-Type-Options", "nosniff"), ("Cache-Control", "no-store")]


@bp.after_request
def _security_headers(response):
    api = response.mimetype == "application/json"
    response.headers.extend(_API_HEADERS if api else _DOCUMENT_HEADERS)
    return response


def _json_body(limit: int = MAX_JSON_BYTES) -> dict[str, Any]:
    """The Flask request's JSON object; WebError for anything else."""
    length = request.content_length

    def read(most: int) -> bytes:
        # With a Content-Length the stream is bounded by it; without one (chunked), read
        # at most `most` bytes.
        return request.get_data(cache=False) if length is not None else \
            request.stream.read(most)

    return parse_json_body(request.mimetype, length, read, limit)


def parse_json_body(mimetype: str, length: int | None, read: Callable[[int], bytes],
                    limit: int = MAX_JSON_BYTES) -> dict[str, Any]:
    """A request body's JSON object; WebError for anything else.

    `length` is the Content-Length (None when chunked); `read(n)` returns the whole body
    when its length is known, else at most n bytes of it.
    """
    if mimetype != "application/json":
        raise WebError(415, "unsupported_media_type", "Send a JSON object with Content-Type: "
                       "application/json.", "请以 application/json 提交 JSON 对象。")
    too_large = WebError(413, "too_large", f"The request body is too large: send at most "
                         f"{limit // 1024} KiB of JSON.",
                         f"请求过大：JSON 最多 {limit // 1024} KiB。")
    if (length or 0) > limit:
        raise too_large
    data = read(limit + 1)  # one byte past the limit tells an oversized chunked body
    if len(data) > limit:
        raise too_large
    try:
        body = json.loads(data)
    except (ValueError, RecursionError):
        raise WebError(400, "bad_json", "The request body is not valid JSON.",
                       "请求内容不是有效的 JSON。") from None
    if not isinstance(body, dict):
        raise WebError(400, "bad_request", "Send a JSON object.", "请提交 JSON 对象。")
    return body


def _b64(body: Mapping[str, Any], field: str, size: int | None = None) -> bytes:
    value = body.get(field)
    wrong = WebError(400, "bad_request", f"The field {field} must be base64url text"
                     + (f" of {size} bytes." if size else "."),
                     f"字段 {field} 须为 base64url 编码" + (f"的 {size} 字节。" if size else "。"))
    if not isinstance(value, str) or len(value) > 1024:
        raise wrong
    try:
        raw = base64.b64decode(value + "=" * (-len(value) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise wrong from None
    if size is not None and len(raw) != size:
        raise wrong
    return raw


# ---------------------------------------------------------------------- verification
VERIFY_PATH = "/api/v1/verify"


def verification_document(service: VerifierService, body: Mapping[str, Any]) -> dict[str, Any]:
    """The answer to {"qr": text[, "challenge": b64url]}."""
    text = body.get("qr")
    if not isinstance(text, str):
        raise WebError(400, "bad_request", "The field qr (the scanned text) is missing "
                       "or not text.", "缺少字段 qr（扫描得到的文本）。")
    challenge = _b64(body, "challenge") if "challenge" in body else None
    return _verify_text(service, text, challenge)


def _verify_text(service: VerifierService, text: str, challenge: bytes | None
                 ) -> dict[str, Any]:
    text = text.strip()
    verification = service.verify(text, challenge)
    if verification.verdict != UNREADABLE and text.startswith("ELP1:"):
        _record_receipt(service, text, verification)
    return to_json(verification)


@bp.post(VERIFY_PATH)
def verify():
    # JSON bodies never reach Flask: JsonVerifyEndpoint answers them (below).
    if request.mimetype != "multipart/form-data":
        raise WebError(415, "unsupported_media_type", "Send a JSON object (application/json) "
                       "or an image upload (multipart/form-data).",
                       "请以 JSON（application/json）或图片上传（multipart/form-data）提交。")
    return jsonify(_verify_text(_service(), _text_from_upload(), None))


class JsonVerifyEndpoint:
    """WSGI middleware answering POST /api/v1/verify with a JSON body before Flask.

    Every scan at every counter is this request: answered here, without Flask's contexts,
    routing and response objects, the server spends about half the CPU on it
    (docs/decisions/0070-lean-verify-endpoint.md). It keeps the API's contract: the same
    body limits, error shape, rate limit and headers. Everything else goes on to Flask.
    """

    def __init__(self, app: Callable[..., Any], service: VerifierService) -> None:
        self.app = app
        self.service = service

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO") != VERIFY_PATH or environ.get("REQUEST_METHOD") != "POST" \
                or environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower() \
                != "application/json":
            return self.app(environ, start_response)
        status, extra_headers = 200, []
        try:
            _spend_budget(self.service, environ.get("REMOTE_ADDR"))
            length = environ.get("CONTENT_LENGTH", "")
            length = int(length) if length.isdigit() else None
            if length is None and not environ.get("wsgi.input_terminated"):
                length = 0  # no length and a server that does not end the stream: no body
            stream = environ["wsgi.input"]
            body = parse_json_body("application/json", length, lambda most: stream.read(
                length if length is not None else most))
            document = verification_document(self.service, body)
        except WebError as exc:
            status, extra_headers = exc.status, list(exc.headers.items())
            document = error_document(exc.reason, exc.message, exc.message_zh)
        except sqlite3.DatabaseError as exc:
            log.error("the status index cannot be read (%s)", type(exc).__name__)
            status, document = 503, _INDEX_UNAVAILABLE
        except Exception:
            log.exception("unexpected error in %s", VERIFY_PATH)
            status, document = 500, _INTERNAL_ERROR
        payload = json.dumps(document, ensure_ascii=False, separators=(",", ":"),
                             sort_keys=True).encode() + b"\n"  # as Flask's jsonify
        start_response(f"{status} {HTTPStatus(status).phrase}", [
            ("Content-Type", "application/json"), ("Content-Length", str(len(payload))),
            *_API_HEADERS, *extra_headers])
        return [payload]


def _text_from_upload() -> str:
    text = request.form.get("qr")
    if text is not None:
        return text
    image = request.files.get("image")
    if image is None:
        raise WebError(400, "bad_request", "Upload the photo in the field image (or send the "
                       "text in the field qr).",
                       "请在字段 image 中上传照片（或在 qr 字段提交文本）。")
    return _read_qr(image.read())


def _read_qr(data: bytes) -> str:
    """The text of the first QR code in an uploaded photo (zxing-cpp, as the CLI)."""
    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise WebError(413, "image_too_large", "The image is too large; use a photo or "
                               "scan of at most 40 megapixels.",
                               "图片过大，请使用不超过 4000 万像素的照片。")
            barcodes = zxingcpp.read_barcodes(image.convert("L"), formats=zxingcpp.QRCode)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError,
            SyntaxError):
        raise WebError(400, "image_unreadable", "The upload cannot be read as an image; use a "
                       "PNG or JPEG photo or scan.", "无法识别该图片，请上传 PNG 或 JPEG 照片。"
                       ) from None
    if not barcodes:
        raise WebError(400, "qr_not_found", "No QR code found in the image; take a sharper, "
                       "straight photo with the whole code in view.",
                       "图片中未找到二维码，请拍摄清晰、端正且完整的二维码。")
    return barcodes[0].text


def _record_receipt(service: VerifierService, text: str, v: Verification) -> None:
    try:
        shown = decode_unverified(text)
    except LicenceError:
        return
    if not isinstance(shown, Presentation):
        return
    service.receipts.add(
        shown.device_key, time=service.now(), counter=service.config.counter,
        licence_type=None if v.licence_type is None else v.licence_type["name"],
        authority=None if v.authority is None else v.authority["id"],
        disclosed=sorted(v.claims or shown.licence.claims), verdict=v.verdict)


# ---------------------------------------------------------------------- status
_STATE_NAMES = {REVOKED: "revoked", SUSPENDED: "suspended", SUPERSEDED: "superseded"}


@bp.get("/api/v1/status")
def status():
    try:
        authority = int(request.args.get("authority", ""))
        ref = bytes.fromhex(request.args.get("ref", ""))
    except ValueError:
        authority, ref = 0, b""
    if not 1 <= authority < 2**32 or len(ref) != 16:
        raise WebError(400, "bad_request", "Give authority (the authority's number) and ref "
                       "(the licence's 32-hex-digit status reference).",
                       "请提供 authority（发证机关编号）和 ref（32 位十六进制状态引用）。")
    service = _service()
    index = service.index()
    state = None if index is None else index.as_of()
    if index is None or state is None:
        raise WebError(503, "index_unavailable", "The status index is not synced yet: try "
                       "again in a minute.", "状态索引尚未同步，请稍后再试。")
    info = index.status(authority, ref)
    now = service.now()
    name = "active"
    if info is not None:
        name = _STATE_NAMES.get(info.status, "active")
        if name == "suspended" and info.until <= now:
            name = "active"  # the suspension has ended
    reason = None if info is None else describe(info.reason)
    return jsonify(
        status=name,
        until=info.until if info is not None and info.status == SUSPENDED else None,
        reason=None if reason is None else {"code": reason.code, "en": reason.en,
                                            "zh": reason.zh},
        successor=None if info is None or not info.successor else info.successor.hex(),
        status_as_of={"block": state.block_number, "time": state.block_time,
                      "synced_at": state.synced_at})


# ---------------------------------------------------------------------- receipts
def _signed_request(word: str) -> tuple[bytes, dict[str, Any]]:
    body = _json_body(16 * 1024)
    device_key = _b64(body, "device_key", 33)
    signature = _b64(body, "signature", 64)
    when = body.get("time")
    if not isinstance(when, int) or isinstance(when, bool) or not 0 <= when < 2**63:
        raise WebError(400, "bad_request", "The field time must be unix seconds (an integer).",
                       "字段 time 须为 Unix 时间（整数秒）。")
    try:
        check_request(word, device_key, when, signature, now=_service().now())
    except ReceiptAuthError as exc:
        raise WebError(400 if exc.reason == "device_key_invalid" else 401, exc.reason,
                       exc.message, exc.message_zh) from None
    return device_key, body


@bp.post("/api/v1/receipts/query")
def receipts_query():
    device_key, _ = _signed_request("list")
    return jsonify(receipts=[r.to_json() for r in _service().receipts.list(device_key)])


@bp.post("/api/v1/receipts/delete")
def receipts_delete():
    device_key, body = _signed_request("delete")
    ids = body.get("ids", [])
    if not isinstance(ids, list) or len(ids) > MAX_IDS or not all(
            isinstance(i, str) and len(i) <= 64 for i in ids):
        raise WebError(400, "bad_request", f"The field ids must be a list of at most {MAX_IDS} "
                       "receipt ids (empty: delete all).",
                       f"字段 ids 须为最多 {MAX_IDS} 个记录编号的列表（空列表表示全部删除）。")
    return jsonify(deleted=_service().receipts.delete(device_key, ids))


# ---------------------------------------------------------------------- descriptions
@bp.get("/api/v1/schemas")
def schemas():
    out = {}
    for name in SCHEMA_NAMES:
        schema = load_schema(name)
        out[name] = {"code": schema.code, "title": dict(schema.title),
                     # a list: the order in which a licence shows its claims
                     "claims": [{"name": name, "en": c.title.get("en"), "zh": c.title.get("zh")}
                                for name, c in schema.by_name.items()]}
    return jsonify(schemas=out)


@bp.get("/api/v1/openapi.json")
def openapi():
    from .openapi import document

    return jsonify(document())


@bp.get("/healthz")
def healthz():
    service = _service()
    now = service.now()
    index = service.index()
    state = None if index is None else index.as_of()
    follower = read_state(service.config.home)
    recent = max(30.0, 5 * service.config.follower_interval)
    reachable = (follower.last_attempt is not None and follower.error is None
                 and now - follower.last_attempt <= recent)
    lag_seconds = None if state is None else max(0, now - state.synced_at)
    lag_blocks = None
    if state is not None and follower.chain_head is not None:
        lag_blocks = max(0, follower.chain_head - state.block_number)
    fresh = lag_seconds is not None and lag_seconds <= service.config.policy.max_staleness
    body = {
        "status": "ok" if fresh else "stale",
        "chain_reachable": reachable,
        "last_sync": follower.last_success if state is None else state.synced_at,
        "last_attempt": follower.last_attempt,
        "sync_error": follower.error,
        "index": None if state is None else {
            "block": state.block_number, "block_time": state.block_time,
            "synced_at": state.synced_at, "lag_blocks": lag_blocks,
            "lag_seconds": lag_seconds},
        "max_staleness": service.config.policy.max_staleness,
    }
    return jsonify(body), 200 if fresh else 503


# ---------------------------------------------------------------------- the counter page
@bp.get("/verify")
def counter_page():
    counter = _service().config.counter
    return render_template("verify.html", counter=counter)


# More specific than the app's own /static/<path> rule, so these win in the URL map.
@bp.get("/static/vendor/<path:filename>")
def vendor_file(filename: str):
    return send_from_directory(STATIC_DIR / "vendor", filename, max_age=3600)


@bp.get("/static/counter/<path:filename>")
def counter_file(filename: str):
    return send_from_directory(STATIC_DIR / "counter", filename, max_age=300)
