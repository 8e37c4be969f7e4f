"""The web application factory: one Flask app, each part a blueprint with its own
`init_app`. Tests and the demo build the app the same way."""

from __future__ import annotations

from flask import Flask, jsonify

from chain.cli.context import AdminContext
from chain.config import Settings, load_settings
from verifier import web as verifier_web
from wallet import web as wallet_web

MAX_REQUEST_BYTES = 8 * 1024 * 1024  # a phone photo of a QR code fits; anything larger is not


def create_app(settings: Settings | None = None, *, claims: bool = True) -> Flask:
    """Builds the app for ELICENCE_HOME's settings.

    `claims`: serve the issuer's claim exchange (needs the issuer store and the authorities'
    keys, so only on an authority's own servers).
    """
    settings = settings or load_settings()
    app = Flask("elicence")
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    app.config["JSON_AS_ASCII"] = False
    app.json.ensure_ascii = False
    app.extensions["elicence.settings"] = settings

    if claims:
        from issuer import web as issuer_web
        from issuer.store import Store

        admin = AdminContext(settings)
        issuer_web.init_app(app, issuer_web.ClaimService(
            admin, Store.open(settings.store_url),
            admin.keystore.secret("claim-challenges", create=True)))
    wallet_web.init_app(app, settings)
    verifier_web.init_app(app, settings)

    @app.errorhandler(413)
    def _too_large(_error):
        return jsonify(error={"reason": "too_large",
                              "message": "The request is too large: send at most 8 MiB.",
                              "message_zh": "请求过大：最多 8 MiB。"}), 413

    @app.errorhandler(404)
    def _not_found(_error):
        return jsonify(error={"reason": "not_found", "message": "There is nothing at this "
                              "address: see /api/v1/openapi.json for the API.",
                              "message_zh": "此地址无内容。"}), 404

    @app.errorhandler(405)
    def _method(_error):
        return jsonify(error={"reason": "method_not_allowed",
                              "message": "This address does not take that method.",
                              "message_zh": "此地址不支持该请求方法。"}), 405

    return app
