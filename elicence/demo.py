"""`scripts/demo`: the whole service on real parts on this machine.

It runs the same `elicence` commands an operator would type (each is printed), so the
demo doubles as a walk-through. State lives in ELICENCE_HOME (default ./var); a second
run reuses it and is ready in seconds; `--reset` starts from scratch. Only 127.0.0.1
listens, unless `--lan` also serves phones on the same network over HTTPS (elicence/tls.py,
docs/decisions/0065-demo-tls.md).

Its node and web apps live exactly as long as the demo (docs/decisions/0086): started
attached (the kernel stops them when the demo ends, even killed), recorded in pid files
that a restart checks and clears, and stopped on Ctrl-C whether or not anyone still reads
the demo's output (`scripts/demo | tee demo.log`: tee ends first).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import click

from chain.config import home_dir, load_settings
from chain.errors import ChainError
from chain.node import DEV_BLOCK_TIME, LocalNode, die_with_parent
from chain.private_files import (
    CHILD_UMASK,
    open_private,
    private_file,
    private_folder,
    write_private,
)
from elicence.demo_delegation import DemoDelegationError, delegated_scan
from elicence.demo_desks import DESKS, describe_desks, verify_at_desks
from elicence.demo_office import OFFICE, Office, office_lines
from elicence.home_lock import HomeBusy, hold_home, lock_path
from elicence.pid_file import PidFile
from elicence.sandbox import AUTHORITIES, command_runner, role_accounts, set_up
from elicence.tls import DemoTls, ensure_certificates, serve_ca_certificate
from elicence.tls import lan_address as route_address
from elicence.unfailing_output import Unfailing
from issuer.issue.outputs import CLAIM_CODES, REPORT, read_claim_codes

run = command_runner(echo=True)


def ensure_passphrase(home: Path) -> None:
    """The demo's key files need a passphrase; a local random one is kept beside them."""
    if os.environ.get("ELICENCE_PASSPHRASE_FILE") or os.environ.get("ELICENCE_PASSPHRASE"):
        return
    path = home / "passphrase"
    if not path.exists():
        private_folder(home)
        with os.fdopen(open_private(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL), "w") as handle:
            handle.write(secrets.token_urlsafe(24) + "\n")
    os.environ["ELICENCE_PASSPHRASE_FILE"] = str(path)


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((host, port)) != 0


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


def issue_demo_licences(out: Path, office: Office | None = None) -> dict[str, dict]:
    """Issues the sample licences once, then revokes, suspends and replaces a few so that
    every verdict can be seen. Returns the report entries the demo points at (the valid
    one with its claim code, from claim-codes.csv). With `office` (scripts/demo --hsm),
    CN-31-DMV's work is done by its named operators: the clerk's issuance is held for the
    approver, who approves it."""
    # Who runs CN-31-DMV's lifecycle commands: its clerk, once it has named operators.
    office_run = office.runner(office.clerk) if office else run
    reused = []
    # The third, Guangdong's traffic police, shows a licence from another province at the
    # same counter (跨省通办): valid, unless a counter's policy narrows what it accepts.
    for authority, kind, folder in (("CN-31-DMV", "driving", "driving"),
                                    ("CN-32-AMR", "business", "business"),
                                    ("CN-44-DMV", "driving", "driving-44")):
        if (out / folder / CLAIM_CODES).exists():
            reused.append(folder)
        else:  # a run of an older version left no claim-codes.csv: `issue` writes it now
            private_folder(out / folder)  # the demo's own folder, maybe from an older run
            args = ("--type", kind, "--input", str(DEMO_DATA / f"{folder}.csv"),
                    "--out", str(out / folder))
            if office and authority == OFFICE:
                office.issue_with_approval(*args)
            else:
                run("issue", "--authority", authority, *args)
    if reused:
        click.echo(f"Reusing the {', '.join(reused)} licences issued by an earlier run "
                   f"(in {out}): none issued again.", err=True)
    driving = json.loads((out / "driving" / REPORT).read_text("utf-8"))["licences"]
    business = json.loads((out / "business" / REPORT).read_text("utf-8"))["licences"]
    codes = {row["licence_number"]: row["claim_code"]
             for row in read_claim_codes(out / "driving")}
    guangdong = json.loads((out / "driving-44" / REPORT).read_text("utf-8"))["licences"]
    picked = {"valid": driving[0], "revoked": driving[1], "suspended": driving[3],
              "replaced": driving[4], "business_revoked": business[1],
              "other_province": guangdong[0]}
    picked["valid"]["claim_code"] = codes[driving[0]["licence_number"]]
    done = out / "lifecycle.done"
    if not done.exists():
        until = (dt.date.today() + dt.timedelta(days=90)).isoformat()
        office_run("revoke", "--authority", "CN-31-DMV", picked["revoked"]["licence_number"],
                   driving[2]["licence_number"], "--reason", "points_limit", "--case", "demo")
        office_run("suspend", "--authority", "CN-31-DMV",
                   picked["suspended"]["licence_number"], "--reason", "court_order",
                   "--until", until, "--case", "demo")
        office_run("replace", "--authority", "CN-31-DMV", picked["replaced"]["licence_number"],
                   "--reason", "lost", "--case", "demo", "--out", str(out / "replaced"))
        run("revoke", "--authority", "CN-32-AMR",
            picked["business_revoked"]["licence_number"], "--reason", "business_closed",
            "--case", "demo")
        write_private(done, "revoked, suspended and replaced the demo's sample licences\n")
    return picked


class WebApp:
    """`elicence serve` (gunicorn, with the claim exchange) in its own process group,
    stopped with the demo, and by the kernel if the demo dies. The loopback one also runs
    the status follower; the LAN one serves HTTPS (`tls`) and reads the index the first
    one keeps current."""

    def __init__(self, port: int, host: str = "127.0.0.1", tls: DemoTls | None = None) -> None:
        self.host = host
        self.port = port
        self.tls = tls
        self.process: subprocess.Popen[bytes] | None = None
        self.pid_file: PidFile | None = None

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    def args(self) -> list[str]:
        args = ["serve", "--port", str(self.port), "--claims"]
        if self.tls is not None:
            args[1:1] = ["--no-follow", "--host", self.host]
            args += ["--tls-cert", str(self.tls.cert), "--tls-key", str(self.tls.key)]
        return args

    def answers(self) -> bool:
        context = ssl.create_default_context(cafile=str(self.tls.ca_cert)) if self.tls else None
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=1, context=context):
                return True
        except urllib.error.HTTPError:
            return True  # up, if not healthy (503: index behind): /healthz says why
        except OSError:
            return False

    def start(self, log: Path, timeout: float = 60) -> None:
        """Starts it, logging to `log`, recorded in the pid file beside it; first stops the
        one a killed demo of this home may have left."""
        pid_file = PidFile(log.with_suffix(".pid"))
        if pid_file.stop():
            click.echo(f"Stopped the web app an earlier demo left running (it held "
                       f"{pid_file.path}).", err=True)
        if not port_free(self.port, self.host):
            raise click.ClickException(
                f"Port {self.port} on {self.host} is in use: stop what uses it, or run "
                f"scripts/demo {'--lan-port' if self.tls else '--port'} N with a free port.")
        click.secho("$ elicence " + shlex.join(self.args()), fg="cyan", err=True)
        with private_file(log, "ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "elicence", *self.args()], stdout=out,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                preexec_fn=die_with_parent(), umask=CHILD_UMASK)
        pid_file.record(self.process.pid)
        self.pid_file = pid_file
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise click.ClickException(f"The web app stopped while starting: see {log}.")
            if self.answers():
                return
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
                self.process.wait(5)
        if self.pid_file is not None:
            self.pid_file.path.unlink(missing_ok=True)


def lan_host(lan: bool, address: str | None) -> str | None:
    """The address phones reach this machine at, or None without --lan."""
    if address is None and not lan:
        return None
    if address is None:
        address = route_address()
        if address is None:
            raise click.ClickException(
                "This machine has no network address besides 127.0.0.1: connect it to the "
                "phone's network (Wi-Fi), or give one with --lan-address ADDR.")
    try:
        version = ipaddress.ip_address(address).version
    except ValueError:
        version = None
    if version != 4:
        raise click.ClickException(
            f"--lan-address {address} is not an IPv4 address: give this machine's address on "
            "the phone's network, such as 192.168.1.20.")
    with socket.socket() as sock:
        try:
            sock.bind((address, 0))
        except OSError:
            raise click.ClickException(
                f"{address} is not an address of this machine: give the one it has on the "
                "phone's network (see `ip -4 addr`), or leave --lan-address out.") from None
    return address


@click.command()
@click.option("--reset", is_flag=True, help="Delete ELICENCE_HOME's state and start from scratch.")
@click.option("--port", type=click.IntRange(1024, 65535), default=8000, show_default=True,
              help="Port of the web app (counter page, wallet, API) on 127.0.0.1.")
@click.option("--lan", is_flag=True,
              help="Also serve the wallet and counter page over HTTPS on this machine's LAN "
                   "address, for a phone on the same network (a local CA signs the "
                   "certificate; install its certificate on the phone).")
@click.option("--lan-address", metavar="ADDR",
              help="The LAN address to serve on (implies --lan; default: the address of this "
                   "machine's network route).")
@click.option("--lan-port", type=click.IntRange(1024, 65534), default=8443, show_default=True,
              help="HTTPS port on the LAN address; the CA certificate is offered on the next "
                   "port over plain HTTP.")
@click.option("--hsm", is_flag=True,
              help="Keep the authorities' signing keys and chain accounts in a SoftHSM2 "
                   "token (made in ELICENCE_HOME/hsm) instead of key files, and run "
                   "CN-31-DMV as an office of named operators: a clerk's large issuance is "
                   "approved by a second operator, and the audit log shows who did what.")
def demo(reset: bool, port: int, lan: bool, lan_address: str | None, lan_port: int,
         hsm: bool) -> None:
    """Start the local chain, the registry with two authorities, sample licences and the
    web app; run until Ctrl-C."""
    home = home_dir()
    address = lan_host(lan, lan_address)
    existed = home.exists()
    try:
        lock = hold_home(home)
    except HomeBusy as exc:
        raise click.ClickException(exc.message) from None
    try:
        if reset and existed:
            run("node", "stop")
            empty(home, keep=lock_path(home))
            click.echo(f"Removed the state in {home}.", err=True)
        ensure_passphrase(home)
        token = demo_token(home) if hsm else None
        run_until_stopped(home, port, address, lan_port, token)
    finally:
        os.close(lock)


def demo_token(home: Path) -> dict[str, str]:
    """The demo's SoftHSM2 token (made on first use by scripts/softhsm-test-token), its
    settings exported to this process and the web app it starts. A home set up with key
    files keeps them: the token is only for a fresh one."""
    folder = home / "hsm"
    if not folder.exists() and (home / "keys" / "signing").exists():
        raise click.ClickException(f"{home} was set up with key files: run scripts/demo --hsm "
                                   "--reset to start again with keys in a token.")
    made = subprocess.run([str(Path(__file__).resolve().parent.parent / "scripts" /
                                "softhsm-test-token"), "init", str(folder)],
                          capture_output=True, text=True)
    if made.returncode != 0:
        raise click.ClickException(made.stderr.strip() or "The SoftHSM2 token could not be made.")
    token = {name: shlex.split(value)[0] for name, value in
             (line.removeprefix("export ").split("=", 1) for line in made.stdout.splitlines())}
    os.environ.update(token)
    click.echo(f"Keys in SoftHSM2 token {token['ELICENCE_PKCS11_TOKEN']!r} ({folder}).",
               err=True)
    return token


def run_until_stopped(home: Path, port: int, address: str | None, lan_port: int,
                      token: dict[str, str] | None = None) -> None:
    """Starts everything, waits for Ctrl-C (SIGINT, SIGTERM or SIGHUP), then stops what it
    started; each stop runs even when an earlier one fails. Before it is ready a signal
    interrupts the start where it is."""
    starting, stopping = threading.Event(), threading.Event()
    starting.set()

    def on_signal(*_: object) -> None:
        stopping.set()
        if starting.is_set():
            starting.clear()
            raise KeyboardInterrupt

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_signal)
    web = WebApp(port)
    phone = WebApp(lan_port, address, ensure_certificates(home, [address])) if address else None
    with contextlib.ExitStack() as started:
        started.callback(run, "node", "stop")
        try:
            chain_port = node_port(home)  # once: 8545 is no longer free after the start
            start_node(home, chain_port)
            set_up(run, home, chain_port, token=token)
            # Letters print where to claim and verify: where this demo's holders reach it.
            # Two desks far apart, for the cloned-licence alert staged below.
            describe_desks(home, public_url=(phone or web).url)
            out = home / "demo-out"
            office = Office(home) if token else None
            if office is not None:
                office.set_up()
            picked = issue_demo_licences(out, office)
            if office is not None:
                office.show_audit()
            started.callback(web.stop)
            web.start(home / "web.log")
            facts = demo_facts(home, web, picked)
            facts["alerts"] = stage_alert(home, web, picked["valid"]["qr"])
            facts.update(show_agent(home, web))
            if office is not None:
                facts["office"] = office.facts()
            if phone is not None and phone.tls is not None:
                started.callback(phone.stop)
                phone.start(home / "web-lan.log")
                ca_server = start_ca_download(phone.host, lan_port + 1, phone.tls.ca_cert)
                started.callback(ca_server.server_close)
                started.callback(ca_server.shutdown)
                facts.update({
                    "lan_wallet_url": f"{phone.url}/wallet/",
                    "lan_counter_url": f"{phone.url}/verify",
                    "ca_cert": str(phone.tls.ca_cert),
                    "ca_cert_url": f"http://{phone.host}:{lan_port + 1}/ca.crt",
                    "ca_fingerprint": phone.tls.ca_fingerprint()})
            write_private(home / "demo.json",
                          json.dumps(facts, ensure_ascii=False, indent=2) + "\n")
            starting.clear()  # ready: a signal now only ends the wait below
            click.echo(ready_block(home, facts))
            sys.stdout.flush()
            stopping.wait()
        finally:
            starting.clear()  # stopping: a further signal must not cut the stops short
            click.echo("\nStopping…", err=True)


def stage_alert(home: Path, web: WebApp, qr: str) -> list[str]:
    """Shows active defence at work: damaged copies of a licence's code sent to the counter
    API from one client, as a forger trying variations would, until the failure-burst
    detector raises its alert; and the licence itself verified at two desks 1,200 km apart
    seconds apart (elicence.demo_desks), as a copy shown in two cities would be, until the
    cloned-licence detector raises its alert. Then lists the alerts as an operator would
    (docs/deployment.md "Alerts"). Returns the kinds of the alerts listed."""
    from verifier.alerts import AlertKind, AlertSettings, AlertStore
    from verifier.state import StateStore

    click.echo("\nStaging alerts: damaged copies of the valid licence's code from one "
               "client…", err=True)
    body = json.dumps({"qr": qr[:-6] + "ABCDEF"}).encode()
    try:
        for _ in range(AlertSettings().client_failures):
            request = urllib.request.Request(f"{web.url}/api/v1/verify", data=body,
                                             headers={"Content-Type": "application/json"})
            # The first answers wait for the web app's first index sync.
            with urllib.request.urlopen(request, timeout=60) as answer:
                answer.read()
        click.echo("…and the valid licence itself at two desks, seconds apart: "
                   + " and ".join(f"{desk} ({entry['name_en']})" for desk, entry in
                                  DESKS.items()) + "…", err=True)
        verify_at_desks(home, f"{web.url}/api/v1/", qr)
    except OSError as exc:  # a demo extra: it never stops the demo
        click.echo(f"No alert staged: the counter API did not answer ({exc}); "
                   "`elicence alerts` lists alerts once verifications fail.", err=True)
        return []
    staged = {AlertKind.FAILURE_BURST, AlertKind.CLONED_LICENCE}
    state = StateStore(StateStore.sqlite_url(home))
    try:
        # the replicas' detectors run every 2 s; an alert of an earlier run within the hour
        # stands for this one (the same alert is raised once an hour)
        deadline = time.monotonic() + 30
        found = AlertStore(state).since(int(time.time()) - 7200)
        while not staged <= {a.kind for a in found} and time.monotonic() < deadline:
            time.sleep(0.2)
            found = AlertStore(state).since(int(time.time()) - 7200)
    finally:
        state.close()
    run("alerts", "--since", "2h")
    return list(dict.fromkeys(str(a.kind) for a in found))  # each kind once, oldest first


def show_agent(home: Path, web: WebApp) -> dict[str, str]:
    """One delegated presentation (elicence/demo_delegation.py): a company's agent shows
    its licence, scanned at the counter API. A demo extra: a failure is said, not fatal."""
    click.echo("\nA company delegates its business licence to an agent's phone; the agent's "
               "code is scanned at the counter…", err=True)
    try:
        scan = delegated_scan(home / "demo-out" / "delegation", home / "demo-out" / "business",
                              f"{web.url}/api/v1/")
    except DemoDelegationError as exc:
        click.echo(f"No delegated presentation shown: {exc}", err=True)
        return {}
    return {"agent_scan": scan.line(), "qr_agent": scan.qr}


def start_node(home: Path, port: int) -> None:
    """Starts the node attached to this demo, so that it ends with the demo however the
    demo ends; `elicence node start` (in set_up) then finds it running and records it. A
    node an earlier run left running is kept (stopped with this demo on Ctrl-C)."""
    node = LocalNode(load_settings(home).node_dir, port=port, attached=True,
                     block_time=DEV_BLOCK_TIME)
    try:
        node.start()
    except ChainError as exc:
        raise click.ClickException(exc.message) from None


def empty(home: Path, keep: Path) -> None:
    for child in home.iterdir():
        if child == keep:
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def start_ca_download(host: str, port: int, ca_cert: Path):
    try:
        return serve_ca_certificate(host, port, ca_cert)
    except OSError as exc:
        raise click.ClickException(
            f"Cannot offer the CA certificate on {host}:{port} ({exc.strerror or exc}): free "
            "that port, or choose another --lan-port (the certificate uses the next one).") \
            from None


def demo_facts(home: Path, web: WebApp, picked: dict[str, dict]) -> dict:
    """What the ready block prints, also written to demo.json for scripts and tests."""
    settings = load_settings(home)
    accounts = role_accounts(home)
    return {
        "counter_url": f"{web.url}/verify",
        "wallet_url": f"{web.url}/wallet/",
        "api_url": f"{web.url}/api/v1/",
        "rpc_url": settings.rpc_url,
        "registry_address": settings.registry_address,
        "sample_pdf": str(home / "demo-out" / "driving" / picked["valid"]["pdf"]),
        "claim_code": picked["valid"]["claim_code"],
        "qr_valid": picked["valid"]["qr"],
        "qr_revoked": picked["revoked"]["qr"],
        "qr_suspended": picked["suspended"]["qr"],
        "qr_other_province": picked["other_province"]["qr"],
        "qr_replaced": picked["replaced"]["qr"],
        "authorities": [{**{k: a[k] for k in ("id", "name_zh", "name_en", "jurisdiction",
                                              "scopes")}, "accounts": accounts[a["id"]]}
                        for a in AUTHORITIES],
    }


def authority_lines(authorities: list[dict]) -> list[str]:
    """Under each authority's name, its role accounts (one per role, assigned by the
    council; the claim server holds only the anchor account) and its scopes."""
    lines = []
    for a in authorities:
        accounts = a.get("accounts") or {}
        if not accounts:
            continue
        lines.append(f"    {a['id']:<13} scopes {', '.join(a.get('scopes', ()))}")
        for role in ("anchor", "status", "keys"):
            if role in accounts:
                note = "  (the claim server's only account)" if role == "anchor" else ""
                lines.append(f"      {role:<7} {accounts[role]}{note}")
    return lines


def ready_block(home: Path, facts: dict) -> str:
    lines = [
        "",
        "elicence demo is ready",
        f"  counter page    {facts['counter_url']}",
        f"  wallet          {facts['wallet_url']}",
        f"  API             {facts['api_url']}openapi.json  (its description; calls under "
        f"{facts['api_url']})",
    ]
    if "lan_wallet_url" in facts:
        lines += [
            f"  phone wallet    {facts['lan_wallet_url']}",
            f"  phone counter   {facts['lan_counter_url']}",
            f"  phone CA cert   {facts['ca_cert_url']}  (install it on the phone first; "
            f"file {facts['ca_cert']})",
            f"  CA SHA-256      {facts['ca_fingerprint']}",
        ]
    lines += [
        f"  chain node      {facts['rpc_url']}",
        f"  registry        {facts['registry_address']}",
        "  authorities     " + ", ".join(a["id"] for a in facts["authorities"]),
        *authority_lines(facts["authorities"]),
        *office_lines(facts.get("office") or {}),
        f"  state           {home} (facts in {home / 'demo.json'})",
        f"  sample letter   {facts['sample_pdf']}",
        f"  claim code      {facts['claim_code']}",
        f"  valid QR        {facts['qr_valid']}",
        f"  revoked QR      {facts['qr_revoked']}",
        f"  suspended QR    {facts['qr_suspended']}",
        *([f"  Guangdong QR    {facts['qr_other_province']}  (another province: valid "
           "here too; signed with SM2)"] if "qr_other_province" in facts else []),
        *([f"  replaced QR     {facts['qr_replaced']}  (tap History on the counter page)"]
          if "qr_replaced" in facts else []),
        *([f"  agent scan      {facts['agent_scan']}"] if "agent_scan" in facts else []),
        "  verify one      .venv/bin/elicence verify 'QR TEXT'  (or paste it on the counter "
        "page)",
        "  alerts          .venv/bin/elicence alerts  (active defence; staged above: "
        + ", ".join(facts.get("alerts") or ["none"]) + ")",
        "  stop            Ctrl-C",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    if sys.stdout is not None:
        sys.stdout = Unfailing(sys.stdout)  # type: ignore[assignment]
    if sys.stderr is not None:
        sys.stderr = Unfailing(sys.stderr)  # type: ignore[assignment]
    demo(prog_name="scripts/demo")


if __name__ == "__main__":
    main()
