"""Serves the holder's web wallet under /wallet/: static app shell, web app manifest,
service worker (scope /wallet/) and the schemas the wallet's JS needs, all under a strict
Content-Security-Policy. The wallet's logic runs in the browser (wallet/static/js/); the
server side holds no wallet data.

    GET /wallet/                      the app shell (index.html)
    GET /wallet/sw.js                 service worker, with the shell list and its version
    GET /wallet/manifest.webmanifest  installable app manifest
    GET /wallet/schemas/index.json    the licence types: name, code and title of each
    GET /wallet/schemas/<name>.json   licence schemas (claim names, keys, titles, tree, presets)
    GET /wallet/settings.json         the installation's wallet settings (wallet/settings.py)
    GET /wallet/api/key?authority=N&key=K   an authority's registered public key (chain data)
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, jsonify, redirect, request

from chain.config import ConfigError, Settings
from chain.connect import check_chain_id, connect
from chain.errors import ChainError, ContractReverted
from chain.registry import Registry
from licence.schema import SCHEMA_NAMES, all_schemas, schema_text

from .errors import WalletError
from .settings import WalletSettings

STATIC = Path(__file__).resolve().parent / "static"
KEY_TIMEOUT = 1.5  # seconds per node call: a node that answers slower counts as unavailable
NODE_PAUSE = 15.0  # seconds without asking a node that failed (answered 503 at once)

# No third-party origins; no inline script or style; the wallet is never framed.
# The camera (scanning a counter's challenge) is a media stream.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "media-src 'self' blob: mediastream:; connect-src 'self'; manifest-src 'self'; "
       "worker-src 'self'; font-src 'self'; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=()",
}

bp = Blueprint("wallet", __name__, url_prefix="/wallet", static_folder=str(STATIC),
               static_url_path="/static")


class NodeBusy(ChainError):
    """The node is not asked: it failed a moment ago, or this process already waits on it."""

    reason = "node_busy"


class KeyLookup:
    """Reads authority keys from the registry, connecting on first use (the wallet page
    itself works without a node).

    A hung node must not hold the server's workers (a worker is one thread, and two of
    them serve every verification): each call has a short deadline and no retries, one
    request per process at a time waits on the node while others are answered 503 at
    once, and after a failure the node is not asked again for NODE_PAUSE seconds
    (docs/decisions/0161)."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic
                 ) -> None:
        self._settings = settings
        self._registry: Registry | None = None
        self._lock = threading.Lock()
        self._clock = clock
        self._failed_until = 0.0

    def key(self, authority: int, key_id: int) -> dict:
        if self._clock() < self._failed_until or not self._lock.acquire(blocking=False):
            raise NodeBusy("The chain node is not answering.")
        try:
            if self._registry is None:
                self._registry = self._connect()
            record = self._registry.key(authority, key_id)
        except ContractReverted:
            raise
        except (ChainError, ConfigError):
            self._failed_until = self._clock() + NODE_PAUSE
            raise
        finally:
            self._lock.release()
        return {"authority": authority, "key": key_id, "public_key": record.public_key.hex(),
                "valid_from": record.valid_from, "valid_until": record.valid_until,
                "compromised_at": record.compromised_at}

    def _connect(self) -> Registry:
        settings = self._settings
        w3 = connect(settings.rpc_url, timeout=KEY_TIMEOUT)
        if hasattr(w3.provider, "exception_retry_configuration"):  # over HTTP
            w3.provider.exception_retry_configuration = None  # one try, then 503
        if settings.chain_id is not None:
            check_chain_id(w3, settings.chain_id)
        return Registry(w3, settings.require_registry())


def init_app(app: Flask, settings: Settings) -> None:
    """ConfigError if the installation's wallet settings cannot be used."""
    app.extensions["elicence.wallet"] = KeyLookup(settings)
    app.extensions["elicence.wallet_settings"] = WalletSettings.from_settings(settings)
    app.register_blueprint(bp)


@cache
def shell_files() -> tuple[tuple[str, ...], str]:
    """URLs of the app shell (everything the wallet needs offline) and their content hash,
    which names the service worker's cache so a new release replaces the old shell."""
    served_elsewhere = {"sw.js", "index.html", "manifest.webmanifest"}
    files = sorted(p for p in STATIC.rglob("*") if p.is_file() and p.name not in served_elsewhere)
    digest = hashlib.sha256()
    urls = ["/wallet/", "/wallet/manifest.webmanifest"]
    for path in files:
        digest.update(path.read_bytes())
        urls.append("/wallet/static/" + path.relative_to(STATIC).as_posix())
    digest.update(schema_index().encode())
    urls.append("/wallet/schemas/index.json")
    for name in SCHEMA_NAMES:
        digest.update(schema_text(name).encode())
        urls.append(f"/wallet/schemas/{name}.json")
    for name in sorted(served_elsewhere):
        digest.update((STATIC / name).read_bytes())
    return tuple(urls), digest.hexdigest()[:16]


@cache
def schema_index() -> str:
    """The licence types this installation knows, in code order, as the wallet lists them
    (each type's claims and presets are in its own schema file)."""
    types = [{"name": s.name, "code": s.code, "title": dict(s.title)} for s in all_schemas()]
    return json.dumps({"types": types}, ensure_ascii=False)


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response


@bp.get("")
def _no_slash():
    return redirect("/wallet/", code=308)


@bp.get("/")
def index():
    return _file(STATIC / "index.html", "text/html; charset=utf-8")


def settings_text() -> str:
    settings: WalletSettings = current_app.extensions["elicence.wallet_settings"]
    return json.dumps(settings.document(), sort_keys=True)


@bp.get("/sw.js")
def service_worker():
    urls, shell_version = shell_files()
    # The settings are part of the shell (the wallet reads them offline too); an operator
    # changing them changes the version, so every wallet fetches them again.
    urls += ("/wallet/settings.json",)
    version = hashlib.sha256(f"{shell_version}\n{settings_text()}".encode()).hexdigest()[:16]
    prelude = f"const SHELL_VERSION = {json.dumps(version)};\n" \
              f"const SHELL_FILES = {json.dumps(list(urls))};\n"
    body = prelude + (STATIC / "sw.js").read_text(encoding="utf-8")
    response = Response(body, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/wallet/"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    return _file(STATIC / "manifest.webmanifest", "application/manifest+json")


@bp.get("/settings.json")
def wallet_settings():
    response = Response(settings_text(), mimetype="application/json")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/schemas/index.json")  # a fixed rule: it wins over <name>.json below
def schemas_index():
    response = Response(schema_index(), mimetype="application/json")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/schemas/<name>.json")
def schema(name: str):
    if name not in SCHEMA_NAMES:
        raise WalletError("There is no licence schema of that name.", reason="schema_unknown")
    response = Response(schema_text(name), mimetype="application/json")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/api/key")
def authority_key():
    try:
        authority, key_id = (_whole_number(request.args.get(name, ""))
                             for name in ("authority", "key"))
        if not (0 < authority < 1 << 32 and 0 < key_id < 1 << 32):
            raise ValueError
    except ValueError:
        raise WalletError("Give authority and key as positive numbers.") from None
    lookup: KeyLookup = current_app.extensions["elicence.wallet"]
    try:
        found = lookup.key(authority, key_id)
    except ContractReverted:
        found = {"public_key": ""}
    except (ChainError, ConfigError) as exc:  # node down, wrong chain, no registry
        raise WalletError("The authority's key cannot be read from the chain right now; try "
                          "again later.", reason="key_unavailable") from exc
    if not found["public_key"].strip("0"):
        raise WalletError("The authority has no key with this number.", reason="key_unknown")
    return jsonify(found)


def _whole_number(text: str) -> int:
    """ASCII digits only: int() also reads "1_0", " 1" and "١" (Arabic-Indic one)."""
    if not (text.isascii() and text.isdigit() and len(text) <= 20):
        raise ValueError(text)
    return int(text)


def _file(path: Path, mimetype: str) -> Response:
    response = Response(path.read_bytes(), mimetype=mimetype)
    response.headers["Cache-Control"] = "no-cache"
    return response

