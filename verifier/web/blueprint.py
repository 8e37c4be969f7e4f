"""The verifier's blueprint and what every one of its routes shares: the service and
the response headers (request budgets are spent in front of the app: elicence.limits)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app

from .service import VerifierService

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"

bp = Blueprint("verifier", __name__, template_folder=str(TEMPLATES_DIR))

# Strict: nothing inline, nothing third-party; the camera is a media stream (blob:).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "media-src 'self' blob: mediastream:; connect-src 'self'; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
# Documents (the page, its files) get the content policy; JSON answers must not be cached
# or sniffed as HTML. Lists: added on every verification.
DOCUMENT_HEADERS = [("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"),
                    ("Referrer-Policy", "no-referrer")]
API_HEADERS = [("X-Content-Type-Options", "nosniff"), ("Cache-Control", "no-store")]


def service() -> VerifierService:
    return current_app.extensions["elicence.verifier"]


@bp.after_request
def _security_headers(response):
    api = response.mimetype == "application/json"
    response.headers.extend(API_HEADERS if api else DOCUMENT_HEADERS)
    return response
