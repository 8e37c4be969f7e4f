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
import subprocess
import sys
import threading
import time
import urllib.request
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


class WebApp:
    """`elicence serve` (gunicorn, with the status follower and the claim exchange) in its
    own process group, stopped with the demo."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, log: Path, timeout: float = 60) -> None:
        if not port_free(self.port):
            raise click.ClickException(
                f"Port {self.port} on 127.0.0.1 is in use: stop what uses it, or run "
                "scripts/demo --port N with a free port.")
        click.secho(f"$ elicence serve --port {self.port} --claims", fg="cyan", err=True)
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "elicence", "serve", "--port", str(self.port),
                 "--claims"], stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise click.ClickException(f"The web app stopped while starting: see {log}.")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise click.ClickException(f"The web app did not answer within {timeout:g} s: see "
                                   f"{log}.")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


@click.command()
@click.option("--reset", is_flag=True, help="Delete ELICENCE_HOME's state and start from scratch.")
@click.option("--port", type=click.IntRange(1024, 65535), default=8000, show_default=True,
              help="Port of the web app (counter page, wallet, API) on 127.0.0.1.")
def demo(reset: bool, port: int) -> None:
    """Start the local chain, the registry with two authorities, sample licences and the
    web app; run until Ctrl-C."""
    home = home_dir()
    if reset and home.exists():
        run("node", "stop")
        shutil.rmtree(home)
        click.echo(f"Removed {home}.", err=True)
    ensure_passphrase(home)
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    web = WebApp(port)
    try:
        set_up(run, home, node_port(home))
        # Letters print where to claim and verify: this demo's web app.
        load_settings(home).with_values(public_url=web.url).save()
        out = home / "demo-out"
        picked = issue_demo_licences(out)
        web.start(home / "web.log")
        settings = load_settings(home)
        facts = {
            "counter_url": f"{web.url}/verify",
            "wallet_url": f"{web.url}/wallet/",
            "api_url": f"{web.url}/api/v1/",
            "rpc_url": settings.rpc_url,
            "registry_address": settings.registry_address,
            "sample_pdf": str(out / "driving" / picked["valid"]["pdf"]),
            "claim_code": picked["valid"]["claim_code"],
            "qr_valid": picked["valid"]["qr"],
            "qr_revoked": picked["revoked"]["qr"],
            "qr_suspended": picked["suspended"]["qr"],
            "authorities": [{k: a[k] for k in ("id", "name_zh", "name_en", "jurisdiction",
                                               "types")} for a in AUTHORITIES],
        }
        (home / "demo.json").write_text(json.dumps(facts, ensure_ascii=False, indent=2) + "\n",
                                        encoding="utf-8")
        click.echo(
            "\nelicence demo is ready\n"
            f"  counter page    {facts['counter_url']}\n"
            f"  wallet          {facts['wallet_url']}\n"
            f"  API             {facts['api_url']}  (see {facts['api_url']}openapi.json)\n"
            f"  chain node      {settings.rpc_url}\n"
            f"  registry        {settings.registry_address}\n"
            "  authorities     " + ", ".join(a["id"] for a in AUTHORITIES) + "\n"
            f"  state           {home} (facts in {home / 'demo.json'})\n"
            f"  sample letter   {facts['sample_pdf']}  (claim code {facts['claim_code']})\n"
            "  QR texts        valid, revoked and suspended ones are in demo.json; verify one "
            "with\n"
            "                  .venv/bin/elicence verify \"$(.venv/bin/python -c \"import json; "
            f"print(json.load(open('{home / 'demo.json'}'))['qr_valid'])\")\"\n"
            "  stop            Ctrl-C\n"
        )
        sys.stdout.flush()
        stopping.wait()
    finally:
        click.echo("\nStopping…", err=True)
        web.stop()
        run("node", "stop")


def main() -> None:
    demo(prog_name="scripts/demo")


if __name__ == "__main__":
    main()
