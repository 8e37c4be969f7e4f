"""The options of commands that make keys inside a PKCS#11 token, and the user PIN: from
ELICENCE_PKCS11_PIN_FILE or ELICENCE_PKCS11_PIN, else asked for without echo when a person
is at the terminal. Never an option: a PIN in argv is visible to every account on the
machine (ps) and lands in shell histories."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from chain.installation import Installation

MODULE = click.option("--pkcs11", "module", metavar="MODULE",
                      help="Make the key inside a PKCS#11 token through this module (e.g. "
                           "/usr/lib/softhsm/libsofthsm2.so); it never leaves the token.")
TOKEN = click.option("--token", metavar="LABEL", envvar="ELICENCE_PKCS11_TOKEN",
                     help="Label of the token (with --pkcs11; default: ELICENCE_PKCS11_TOKEN).")


def token_options(command: Callable[..., Any]) -> Callable[..., Any]:
    return MODULE(TOKEN(command))


def check_token_options(module: str | None, token: str | None) -> None:
    if module and not token:
        raise click.UsageError("--pkcs11 needs --token LABEL (or ELICENCE_PKCS11_TOKEN): the "
                               "label of the token that makes the key.")


def unlock_token(installation: Installation) -> None:
    """Makes sure the key store has the token's user PIN, asking for it if need be."""
    from chain.pkcs11_token import Pin, TokenError, pin_from_env

    try:
        installation.keystore.token_pin = pin_from_env()
    except TokenError as exc:
        if exc.reason != "pin_missing" or not sys.stdin.isatty():
            raise
        installation.keystore.token_pin = Pin(click.prompt("Token user PIN", hide_input=True))
