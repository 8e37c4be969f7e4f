"""A complete local registry on real parts, for the demo, the tests and the benchmarks:
an anvil node in ELICENCE_HOME, the registry with a council of three root authorities
(2-of-3), and two accredited authorities of two provinces, each with an anchor, a status
and a keys account (key files `<ID>-anchor`, `<ID>-status`, `<ID>-keys`) and a signing
key — set up by running the same `elicence` commands an operator types."""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable, Mapping
from pathlib import Path

import click

COUNCIL = ("council-1", "council-2", "council-3")
AUTHORITIES = (
    {"id": "CN-31-DMV", "name_zh": "上海市公安局交通警察总队",
     "name_en": "Shanghai Municipal Traffic Police", "jurisdiction": "CN-31",
     "scopes": ("driving:31",)},
    {"id": "CN-32-AMR", "name_zh": "江苏省市场监督管理局",
     "name_en": "Jiangsu Administration for Market Regulation", "jurisdiction": "CN-32",
     "scopes": ("business:32",)},
    # A third province's authority: licences recognised across provinces (跨省通办).
    # It signs with SM2 and SM3 (the national algorithms, docs/format.md section 16), so
    # the same counter shows an SM2 licence beside ES256 ones.
    {"id": "CN-44-DMV", "name_zh": "广东省公安厅交通管理局",
     "name_en": "Guangdong Provincial Traffic Police", "jurisdiction": "CN-44",
     "scopes": ("driving:44",), "algorithm": "sm2"},
)

Runner = Callable[..., None]


def command_runner(env: Mapping[str, str] | None = None, *, echo: bool = False) -> Runner:
    """Runs `elicence` commands in this process with `env` applied, like an operator."""
    from elicence.cli import main

    def run(*args: str) -> None:
        if echo:
            click.secho("$ elicence " + shlex.join(args), fg="cyan", err=True)
        saved = {k: os.environ.get(k) for k in (env or {})}
        os.environ.update(env or {})
        try:
            main.main(list(args), prog_name="elicence", standalone_mode=False)
        except click.ClickException as exc:
            exc.show()
            raise SystemExit(exc.exit_code) from None
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    return run


def set_up(run: Runner, home: Path, node_port: int, *,
           token: Mapping[str, str] | None = None) -> None:
    """Starts the node and brings the registry to the sandbox state; repeat runs only
    start the node (state is kept in `home`). With `token` (the exports of
    scripts/softhsm-test-token), the authorities' role accounts and signing keys are made
    inside that PKCS#11 token instead of key files."""
    from chain.config import load_settings
    from chain.installation import Installation

    in_token = ("--pkcs11", token["ELICENCE_PKCS11_MODULE"], "--token",
                token["ELICENCE_PKCS11_TOKEN"]) if token else ()

    run("node", "start", "--port", str(node_port))
    if not load_settings(home).registry_address:
        run("registry", "deploy", *[a for m in COUNCIL for a in ("--council", m)],
            "--threshold", "2")
    registry = Installation(load_settings(home)).registry()
    for authority in AUTHORITIES:
        if not registry.authority_by_id(authority["id"]):
            for role in ROLES if in_token else ():
                name = f"{authority['id']}-{role}"
                if not (load_settings(home).keys_dir / "accounts" / f"{name}.json").exists():
                    run("authority", "add-account", name, *in_token)
            run("authority", "add", authority["id"], "--name-zh", authority["name_zh"],
                "--name-en", authority["name_en"], "--jurisdiction", authority["jurisdiction"],
                *[a for t in authority["scopes"] for a in ("--scope", t)], "--as", COUNCIL[0])
            run("council", "approve", str(registry.proposal_count()), "--as", COUNCIL[1])
        number = registry.authority_by_id(authority["id"])
        if registry.authority(number).key_count == 0:
            # A PKCS#11 token holds P-256 keys only: with one, every authority signs ES256.
            algorithm = "es256" if in_token else authority.get("algorithm", "es256")
            run("authority", "add-key", authority["id"], "--algorithm", algorithm, *in_token)


ROLES = ("anchor", "status", "keys")


def role_accounts(home: Path) -> dict[str, dict[str, str]]:
    """Each sandbox authority's role accounts as the registry holds them: {id: {role:
    address}}, a role listed only when its key file's account holds it on chain (the
    council assigned it). The claim server loads only the anchor account."""
    from chain.config import load_settings
    from chain.installation import Installation
    from licence.vocabulary import Role

    installation = Installation(load_settings(home))
    registry = installation.registry()
    out: dict[str, dict[str, str]] = {}
    for authority in AUTHORITIES:
        number = registry.authority_by_id(authority["id"])
        accounts: dict[str, str] = {}
        for role in ROLES:
            address = installation.address(f"{authority['id']}-{role}")
            held = registry.authority_account(address)
            if held.authority == number and held.roles & Role[role.upper()]:
                accounts[role] = address
        out[authority["id"]] = accounts
    return out
