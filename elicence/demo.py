"""`scripts/demo`: the whole service on real parts on this machine.

It runs the same `elicence` commands an operator would type (each is printed), so the
demo doubles as a walk-through. State lives in ELICENCE_HOME (default ./var); a second
run reuses it and is ready in seconds; `--reset` starts from scratch.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import shutil
import signal
import socket
import sys
import threading
from pathlib import Path

import click

from chain.config import home_dir, load_settings
from elicence.sandbox import AUTHORITIES, command_runner, set_up

run = command_runner(echo=True)


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


DEMO_DATA = Path(__file__).resolve().parent.parent / "scripts" / "demo-data"


def issue_demo_licences(out: Path) -> dict[str, dict]:
    """Issues the sample licences once, then revokes, suspends and replaces a few so that
    every verdict can be seen. Returns the report entries the demo points at."""
    for authority, kind in (("CN-31-DMV", "driving"), ("CN-32-AMR", "business")):
        if not (out / kind / "report.json").exists():
            run("issue", "--authority", authority, "--type", kind,
                "--input", str(DEMO_DATA / f"{kind}.csv"), "--out", str(out / kind))
    driving = json.loads((out / "driving" / "report.json").read_text("utf-8"))["licences"]
    business = json.loads((out / "business" / "report.json").read_text("utf-8"))["licences"]
    picked = {"valid": driving[0], "revoked": driving[1], "suspended": driving[3],
              "replaced": driving[4], "business_revoked": business[1]}
    done = out / "lifecycle.done"
    if not done.exists():
        until = (dt.date.today() + dt.timedelta(days=90)).isoformat()
        run("revoke", "--authority", "CN-31-DMV", picked["revoked"]["licence_number"],
            driving[2]["licence_number"], "--reason", "points_limit", "--case", "demo")
        run("suspend", "--authority", "CN-31-DMV", picked["suspended"]["licence_number"],
            "--reason", "court_order", "--until", until, "--case", "demo")
        run("replace", "--authority", "CN-31-DMV", picked["replaced"]["licence_number"],
            "--reason", "lost", "--case", "demo", "--out", str(out / "replaced"))
        run("revoke", "--authority", "CN-32-AMR",
            picked["business_revoked"]["licence_number"], "--reason", "business_closed",
            "--case", "demo")
        done.write_text("revoked, suspended and replaced the demo's sample licences\n")
    return picked


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
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    try:
        set_up(run, home, node_port(home))
        out = home / "demo-out"
        picked = issue_demo_licences(out)
        settings = load_settings(home)
        facts = {
            "rpc_url": settings.rpc_url,
            "registry_address": settings.registry_address,
            "sample_pdf": str(out / "driving" / picked["valid"]["pdf"]),
            "claim_code": picked["valid"]["claim_code"],
            "qr_valid": picked["valid"]["qr"],
            "qr_revoked": picked["revoked"]["qr"],
            "qr_suspended": picked["suspended"]["qr"],
            "authorities": [{k: a[k] for k in ("id", "name_zh", "name_en", "jurisdiction",
                                               "types")} for a in AUTHORITIES],
            "not_yet_available": ["counter_url", "wallet_url", "api_url"],
        }
        (home / "demo.json").write_text(json.dumps(facts, ensure_ascii=False, indent=2) + "\n",
                                        encoding="utf-8")
        click.echo(
            "\nelicence demo is ready\n"
            f"  chain node      {settings.rpc_url}\n"
            f"  registry        {settings.registry_address}\n"
            "  authorities     " + ", ".join(a["id"] for a in AUTHORITIES) + "\n"
            f"  state           {home} (facts in {home / 'demo.json'})\n"
            f"  sample letter   {facts['sample_pdf']}  (claim code {facts['claim_code']})\n"
            "  QR texts        valid, revoked and suspended ones are in demo.json; verify one "
            "with\n"
            "                  .venv/bin/elicence verify \"$(.venv/bin/python -c \"import json; "
            f"print(json.load(open('{home / 'demo.json'}'))['qr_valid'])\")\"\n"
            "  try             .venv/bin/elicence authority show CN-31-DMV   (then: issue, "
            "verify, revoke — see README)\n"
            "  not yet         the counter page and the wallet join the demo as they land\n"
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
