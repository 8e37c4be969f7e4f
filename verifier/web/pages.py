"""The counter page, its files, and the descriptions the page and other clients read:
the claim titles per licence type and the API's OpenAPI document."""

from __future__ import annotations

from flask import jsonify, render_template, send_from_directory

from licence.schema import all_schemas

from .blueprint import STATIC_DIR, bp, service


@bp.get("/verify")
def counter_page():
    return render_template("verify.html", counter=service().config.counter)


# The counter page's files (the app itself serves no /static/ folder: each part its own).
@bp.get("/static/vendor/<path:filename>")
def vendor_file(filename: str):
    return send_from_directory(STATIC_DIR / "vendor", filename, max_age=3600)


@bp.get("/static/counter/<path:filename>")
def counter_file(filename: str):
    return send_from_directory(STATIC_DIR / "counter", filename, max_age=300)


# Spoken verdicts for browsers without a voice (scripts/build-voice-clips writes them).
@bp.get("/static/voice/<path:filename>")
def voice_clip(filename: str):
    return send_from_directory(STATIC_DIR / "voice", filename, max_age=3600)


@bp.get("/api/v1/schemas")
def schemas():
    out = {}
    for schema in all_schemas():
        out[schema.name] = {
            "code": schema.code, "title": dict(schema.title),
            # a list: the order in which a licence shows its claims
            "claims": [{"name": name, "en": c.title.get("en"), "zh": c.title.get("zh")}
                       for name, c in schema.by_name.items()]}
    return jsonify(schemas=out)


@bp.get("/api/v1/openapi.json")
def openapi():
    from ..openapi import document

    return jsonify(document())
