"""`elicence serve --tls-cert/--tls-key`: the files checked before anything starts.

Gunicorn loads them only in its workers, where a bad file becomes a traceback and a
"worker failed to boot"; checked while the options are parsed, the operator gets one
sentence instead.
"""

from __future__ import annotations

import ssl

import click

_OTHER = {"tls_cert": "tls_key", "tls_key": "tls_cert"}


def check_tls_option(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Click callback of both options: each file readable, then (once both are parsed)
    both given together and a certificate with its matching key."""
    if value is not None:
        try:
            with open(value, "rb") as handle:
                handle.read(1)
        except OSError as exc:
            raise click.ClickException(
                f"Cannot read {param.opts[0]} {value} ({exc.strerror or exc}): give the path "
                "of a readable PEM file.") from None
    other = _OTHER.get(param.name or "")
    if other is None or other not in ctx.params:
        return value  # the other option is checked after this one
    pair = {param.name: value, other: ctx.params[other]}
    if (pair["tls_cert"] is None) != (pair["tls_key"] is None):
        raise click.ClickException("--tls-cert and --tls-key go together: give both, or "
                                   "neither to serve plain HTTP.")
    if pair["tls_cert"] is not None:
        try:
            ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(
                pair["tls_cert"], pair["tls_key"])
        except (ssl.SSLError, ValueError):
            raise click.ClickException(
                f"{pair['tls_cert']} and {pair['tls_key']} are not a PEM certificate and its "
                "matching private key: give the server's certificate (chain) file and its "
                "key file.") from None
    return value


def gunicorn_tls(cert: str | None, key: str | None) -> dict[str, str]:
    """Gunicorn's settings for HTTPS, or none for plain HTTP."""
    return {"certfile": cert, "keyfile": key} if cert and key else {}
