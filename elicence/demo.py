"""`scripts/demo`: the whole service on real parts on this machine.

It runs the same `elicence` commands an operator would type (each is printed), so the
demo doubles as a walk-through. State lives in ELICENCE_HOME (default ./var); a second
run reuses it and is ready in seconds; `--reset` starts from scratch.
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import sys
import threading
from pathlib import Path

import click

from chain.config import home_dir, load_settings
from elicence.cli import main as elicence

COUNCIL = ("council-1", "council-2", "council-3")
AUTHORITIES = (
    {
        "id": "CN-31-DMV", "name_zh": "上海市公安局交通警察总队",
        "name_en": "Shanghai Municipal Traffic Police", "jurisdiction": "CN-31",
        "types": ("driving",),
    },
    {
        "id": "CN-32-AMR", "name_zh": "江苏省市场监督管理局",
        "name_en": "Jiangsu Administration for Market Regulation", "jurisdiction": "CN-32",
        "types": ("business",),
    },
)


def run(*args: str) -> None:
    """Runs one `elicence` command as an operator would, printing it first."""
    click.secho("$ elicence " + shlex.join(args), fg="cyan", err=True)
    try:
        elicence.main(list(args), prog_name="elicence", standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        raise SystemExit(exc.exit_code) from None


def ensure_passphrase(home: Path) -> None:
    """The demo's key files need a passphrase; a local random one is kept beside them."""
    if os.environ.get("ELICENCE_PASSPHRASE_FILE") or os.environ.get("ELICENCE_PASSPHRASE"):
        return
    path = home / "passphrase"
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(24) + "\n")
    os.environ["ELICENCE_PASSPHRASE_FILE"] = str(path)


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def node_port(home: Path) -> int:
    """The node's port: kept from an earlier run, else 8545 when free, else any free one."""
    settings = load_settings(home)
    if (home / "config.json").exists():
        return settings.node_port
    if port_free(8545):
        return 8545
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def set_up_chain() -> None:
    from chain.cli.context import AdminContext

    admin = AdminContext()
    if not admin.settings.registry_address:
        run("registry", "deploy", *[a for m in COUNCIL for a in ("--council", m)],
            "--threshold", "2")
    registry = AdminContext().registry()
    for authority in AUTHORITIES:
        if not registry.authority_by_id(authority["id"]):
            run("authority", "add", authority["id"], "--name-zh", authority["name_zh"],
                "--name-en", authority["name_en"], "--jurisdiction", authority["jurisdiction"],
                *[a for t in authority["types"] for a in ("--type", t)], "--as", COUNCIL[0])
            run("council", "approve", str(registry.proposal_count()), "--as", COUNCIL[1])
        number = registry.authority_by_id(authority["id"])
        if registry.authority(number).key_count == 0:
            run("authority", "add-key", authority["id"])


@click.command()
@click.option("--reset", is_flag=True, help="Delete ELICENCE_HOME's state and start from scratch.")
def demo(reset: bool) -> None:
    """Start the local chain and the registry with two authorities; run until Ctrl-C."""
    home = home_dir()
    if reset and home.exists():
        run("node", "stop")
        shutil.rmtree(home)
        click.echo(f"Removed {home}.", err=True)
    ensure_passphrase(home)
    run("node", "start", "--port", str(node_port(home)))
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    try:
        set_up_chain()
        settings = load_settings(home)
        facts = {
            "rpc_url": settings.rpc_url,
            "registry_address": settings.registry_address,
            "authorities": [{k: a[k] for k in ("id", "name_zh", "name_en", "jurisdiction",
                                               "types")} for a in AUTHORITIES],
            "not_yet_available": ["issuance", "counter_url", "wallet_url", "api_url"],
        }
        (home / "demo.json").write_text(json.dumps(facts, ensure_ascii=False, indent=2) + "\n",
                                        encoding="utf-8")
        click.echo(
            "\nelicence demo is ready\n"
            f"  chain node      {settings.rpc_url}\n"
            f"  registry        {settings.registry_address}\n"
            "  authorities     " + ", ".join(a["id"] for a in AUTHORITIES) + "\n"
            f"  state           {home} (facts in {home / 'demo.json'})\n"
            "  try             .venv/bin/elicence authority show CN-31-DMV\n"
            "  not yet         issuance, verification and the wallet join the demo as they land\n"
            "  stop            Ctrl-C\n"
        )
        sys.stdout.flush()
        stopping.wait()
    finally:
        click.echo("\nStopping…", err=True)
        run("node", "stop")


def main() -> None:
    demo(prog_name="scripts/demo")


if __name__ == "__main__":
    main()
