"""The web application factory: one Flask app, each part a blueprint with its own
`init_app`, every error answered by one edge (elicence.web_errors). Tests and the demo
build the app the same way."""

from __future__ import annotations

from flask import Flask

from chain.config import Settings, load_settings
from chain.installation import Installation
from verifier import web as verifier_web
from verifier.alerts.relay import AlertRelay
from wallet import web as wallet_web

from . import web_errors
from .limits import LimitConfig, RequestLimits
from .limits_body import BodyDeadline
from .limits_counters import CounterTokens

MAX_REQUEST_BYTES = 8 * 1024 * 1024  # a phone photo of a QR code fits; anything larger is not


def create_app(settings: Settings | None = None, *, claims: bool = True,
               alert_relay: AlertRelay | None = None) -> Flask:
    """Builds the app for ELICENCE_HOME's settings.

    `claims`: serve the issuer's claim exchange (needs the issuer store and the authorities'
    keys, so only on an authority's own servers). `alert_relay`: where the alert detectors
    run (`elicence serve`: its collector process; None: this process).
    """
    settings = settings or load_settings()
    app = Flask("elicence", static_folder=None)  # each blueprint serves its own files
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["elicence.settings"] = settings
    web_errors.init_app(app)

    if claims:
        from issuer.claims import export_web
        from issuer.claims import web as issuer_web
        from issuer.store import Store

        installation = Installation(settings)
        claim_service = issuer_web.ClaimService(
            installation, Store.open(settings.store_url),
            installation.keystore.secret("claim-challenges", create=True))
        issuer_web.init_app(app, claim_service)
        export_web.init_app(app, claim_service)
    wallet_web.init_app(app, settings)
    verifier = verifier_web.init_app(app, settings, render_error=web_errors.render_error,
                                     alert_relay=alert_relay)
    # Outermost first: headers on every answer; each request's cost spent before its body
    # is read; the body read within a deadline before anything parses it.
    limits = LimitConfig.from_settings(settings)
    app.wsgi_app = web_errors.SecurityHeaders(RequestLimits(  # type: ignore[method-assign]
        BodyDeadline(app.wsgi_app, web_errors.render_error, max_bytes=MAX_REQUEST_BYTES,
                     seconds=limits.body_seconds),
        limits, CounterTokens(verifier.state.secret), web_errors.render_error))
    return app
