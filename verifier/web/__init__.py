"""The verifier's HTTP side, as one Flask blueprint (its parts in this package):

    POST /api/v1/verify              {"qr": text[, "challenge": b64url]} or multipart `image`
                                     → the verification document (verifier.result.to_json)
                                     (verify.py; JSON answered in front of Flask)
    GET  /api/v1/challenge           this counter's current challenge (challenge.py)
    GET  /api/v1/counter             the asking counter's names and region (desk.py)
    POST /api/v1/history             {"qr": text} → the licence's history (history.py)
    GET  /api/v1/status              ?authority=N&ref=hex32 → a licence's status (status.py)
    POST /api/v1/receipts/query      signed by the device key → its usage records
    POST /api/v1/receipts/delete     signed by the device key → {"deleted": n} (receipts.py)
    POST /api/v1/delegations/revoke  signed by the holder's device → ends a delegation
    GET  /api/v1/alerts              operator token → the installation's alerts (alerts.py)
    GET  /api/v1/schemas             claim titles per licence type (pages.py)
    GET  /api/v1/openapi.json        the API description (OpenAPI 3.1)
    GET  /healthz                    index lag, chain reachability, last sync (health.py)
    GET  /verify                     the counter page (pages.py)

Routes raise our errors (verifier.errors); the app's web edge answers them. Requests only
read the local index (the follower of `elicence serve` keeps it current): no request makes
an RPC call to the chain node.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from flask import Flask

from chain.config import Settings

from ..alerts.relay import AlertRelay
from . import (  # noqa: F401  (routes on `bp`)
    alerts,
    challenge,
    delegations,
    desk,
    health,
    history,
    pages,
    receipts,
    status,
    verify,
)
from .blueprint import bp
from .service import VerifierService, WebConfig
from .verify import ErrorRenderer, JsonVerifyEndpoint

__all__ = ["VerifierService", "WebConfig", "init_app"]


def init_app(app: Flask, settings: Settings, *, render_error: ErrorRenderer,
             clock: Callable[[], float] = time.time,
             env: Mapping[str, str] | None = None,
             alert_relay: AlertRelay | None = None) -> VerifierService:
    """Adds the verifier's API and counter page to `app`; `render_error` is the app's one
    way of answering errors, used by the verify endpoint that runs in front of Flask."""
    service = VerifierService(WebConfig.from_settings(settings, env), clock, alert_relay)
    app.extensions["elicence.verifier"] = service
    app.register_blueprint(bp)
    app.wsgi_app = JsonVerifyEndpoint(  # type: ignore[method-assign]
        app.wsgi_app, service, render_error)
    return service
