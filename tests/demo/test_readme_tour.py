"""README's five-minute tour, followed as written against a running `scripts/demo --lan`.

The demo runs as a subprocess on its own ELICENCE_HOME, its phone server on 127.0.0.1
(tests never listen beyond it). The tour's ```sh blocks are read from README.md and each
command runs with bash in a folder laid out like the repo root (`.venv`, `scripts`, and
`var` → the demo's home); the test asserts what the README says each one does, and drives
the counter page (fake camera) and the wallet (phone emulation, over HTTPS trusted through
the demo's CA) in headless Chromium. Screenshots go to test-artifacts/tour/.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import os
import re
import signal
import socket
import ssl
import stat
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from issuer.issue.outputs import read_claim_codes
from tests.support.ports import free_port, free_port_pair

from ..wallet.browser import CHROMIUM_ARGS, new_phone, open_wallet
from ..web.test_counter_page import CHROMIUM, browser_page, write_y4m

pytestmark = [pytest.mark.anvil, pytest.mark.slow, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "tour"
TOUR_HEADING = "## A five-minute tour"
# The issue's order of the tour's steps, as words of their headings.
STEPS = ("issue", "command line", "camera", "phone", "revoke")
DEMO_KEYS = ("counter_url", "wallet_url", "sample_pdf", "claim_code", "qr_valid",
             "qr_revoked", "qr_suspended", "lan_wallet_url", "lan_counter_url", "ca_cert")
FIRST_RUN_S = 600  # 1,100 licences with PDF letters on a busy 2-core machine
WAIT_MS = 30_000


# --- the README --------------------------------------------------------------------------

@dataclass
class Step:
    heading: str
    commands: list[str] = field(default_factory=list)


def tour_steps(readme: str) -> list[Step]:
    """The tour section's ```sh blocks, as commands grouped by step (step 0: before the
    first numbered heading). Fails loudly when the section or its blocks are missing."""
    start = readme.find("\n" + TOUR_HEADING + "\n")
    assert start >= 0, f"README.md has no '{TOUR_HEADING}' section"
    end = readme.find("\n## ", start + 1)
    section = readme[start:end if end > 0 else None]
    steps = [Step("start")]
    in_block = False
    pending = ""
    for line in section.splitlines():
        if not in_block and line.startswith("### "):
            steps.append(Step(line[4:].strip()))
        elif line.strip() == "```sh":
            in_block = True
        elif in_block and line.strip() == "```":
            in_block = False
        elif in_block:
            pending += line.rstrip()
            if pending.endswith("\\"):
                pending = pending[:-1] + " "
                continue
            if pending.strip() and not pending.lstrip().startswith("#"):
                steps[-1].commands.append(pending.strip())
            pending = ""
    assert not in_block, "an unterminated ```sh block in the tour"
    numbered = steps[1:]
    assert [s.heading.split(".")[0] for s in numbered] == [str(i) for i in range(1, 6)], \
        [s.heading for s in numbered]
    for step, word in zip(numbered, STEPS, strict=True):
        assert word in step.heading.lower(), (step.heading, word)
        assert step.commands, f"step '{step.heading}' has no ```sh commands"
    assert steps[0].commands, "the tour does not say how to start the demo"
    return steps


def test_the_tour_shows_history_another_province_and_an_agent_in_one_line_each() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("\n" + TOUR_HEADING + "\n")
    tour = readme[start:readme.find("\n## ", start + 1)]
    bullets = re.findall(r"^- \*\*(.+?)\*\*: ", tour, re.M)
    assert bullets == ["History", "Another province", "On someone's behalf"], bullets
    assert "`Guangdong QR`" in tour and "`agent scan`" in tour
    assert "presented by an authorised agent, on behalf" in tour
    assert "agent scan" in labels(readme_ready_block())


def test_tour_parser_fails_loudly_without_the_section_or_blocks() -> None:
    with pytest.raises(AssertionError, match="no '## A five-minute tour'"):
        tour_steps("# elicence\n\n## Two commands\n")
    with pytest.raises(AssertionError):
        tour_steps(f"{TOUR_HEADING}\n\n### 1. Issue your own CSV\n\nno commands\n")
    steps = tour_steps((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(steps) == 6


# --- the demo ----------------------------------------------------------------------------

class Demo:
    """`scripts/demo ARGS` as a subprocess whose output is collected by a thread."""

    def __init__(self, home: Path, *args: str) -> None:
        self.home = home
        self.args = args
        self.output: list[str] = []
        env = {k: v for k, v in os.environ.items() if not k.startswith("ELICENCE_")}
        self.process = subprocess.Popen(
            [str(ROOT / "scripts" / "demo"), *args], cwd=ROOT,
            env={**env, "ELICENCE_HOME": str(home)}, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, start_new_session=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)

    @property
    def text(self) -> str:
        return "".join(self.output)

    def wait_ready(self, seconds: float) -> str:
        """The ready block, once its last line ("stop") is printed."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            text = self.text
            ready = text.find("elicence demo is ready")
            if ready >= 0 and re.search(r"^  stop .*$", text[ready:], re.M):
                return text[ready:]
            assert self.process.poll() is None, f"scripts/demo stopped:\n{text[-3000:]}"
            time.sleep(0.5)
        raise AssertionError(f"scripts/demo not ready in {seconds:g} s:\n{self.text[-3000:]}")

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(60)
        finally:
            self.reader.join(10)

    def kill(self) -> None:
        """After a failure: stop the demo as Ctrl-C would, so that it stops its web apps and
        node (they run in sessions of their own); force only if it does not stop."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)



def fetch(url: str, ca: Path | None = None) -> tuple[int, bytes]:
    context = ssl.create_default_context(cafile=str(ca)) if url.startswith("https") else None
    try:
        with urllib.request.urlopen(url, timeout=10, context=context) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as answer:
        return answer.code, answer.read()


def node_stopped(home: Path) -> bool:
    """No anvil of this home is left: its pid file is gone or names no live process."""
    for pid_file in (home / "node").glob("*.pid"):
        try:
            os.kill(int(pid_file.read_text().strip()), 0)
        except (ProcessLookupError, ValueError):
            continue
        return False
    listing = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    return not any("anvil" in line and str(home) in line for line in listing.splitlines())


def listening_addresses(ports: set[int]) -> dict[int, set[str]]:
    """The local addresses listening on `ports` (from /proc/net/tcp and tcp6)."""
    found: dict[int, set[str]] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in Path(table).read_text().splitlines()[1:]:
            local, state = row.split()[1], row.split()[3]
            address, port = local.split(":")
            if state != "0A" or int(port, 16) not in ports:  # 0A: LISTEN
                continue
            raw = bytes.fromhex(address)
            # The kernel prints each 32-bit word in host (little-endian) order.
            words = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
            text = socket.inet_ntop(socket.AF_INET if len(raw) == 4 else socket.AF_INET6, words)
            found.setdefault(int(port, 16), set()).add(text)
    return found


def assert_loopback_only(home: Path, *ports: int) -> None:
    node = json.loads((home / "config.json").read_text(encoding="utf-8"))["node_port"]
    found = listening_addresses({*ports, node})
    assert found and set().union(*found.values()) <= {"127.0.0.1"}, found


def spki_hash(cert: Path) -> str:
    """Chromium's --ignore-certificate-errors-spki-list form of a certificate's key: how a
    test browser trusts the demo's CA without a system trust store."""
    key = x509.load_pem_x509_certificate(cert.read_bytes()).public_key()
    spki = key.public_bytes(serialization.Encoding.DER,
                            serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


# --- running the README's commands -------------------------------------------------------

@dataclass
class Ran:
    command: str
    code: int
    output: str


class Shell:
    """Runs the tour's commands with bash in a folder laid out like the repo root; `export`
    lines carry over to later commands, as in one terminal."""

    def __init__(self, folder: Path, home: Path, port: int) -> None:
        self.folder = folder
        self.port = port
        for name in (".venv", "scripts"):
            (folder / name).symlink_to(ROOT / name)
        (folder / "var").symlink_to(home)
        shims = folder.parent / "bin"
        shims.mkdir()
        self.opened = folder.parent / "opened.txt"
        opener = shims / "xdg-open"  # records what the tour opens instead of a desktop app
        opener.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> {self.opened}\n')
        opener.chmod(0o755)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("ELICENCE_")}
        self.env["PATH"] = f"{shims}:{self.env['PATH']}"
        self.exports: list[str] = []

    def run(self, command: str) -> Ran:
        command = re.sub(r"(?<=:)8000\b", str(self.port), command)
        if command.startswith("export "):
            self.exports.append(command)
        script = "\n".join([*self.exports, command])
        done = subprocess.run(["bash", "-c", script], cwd=self.folder, env=self.env,
                              capture_output=True, text=True, timeout=300)
        return Ran(command, done.returncode, done.stdout + done.stderr)

    def opened_items(self) -> list[str]:
        return self.opened.read_text().split() if self.opened.exists() else []


# --- the tour ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture
def demo_home(tmp_path: Path) -> Iterator[Path]:
    home = tmp_path / "home"
    yield home
    subprocess.run([str(ROOT / ".venv" / "bin" / "elicence"), "node", "stop"],
                   env={**os.environ, "ELICENCE_HOME": str(home)}, capture_output=True,
                   timeout=60)


def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def counter_shows(playwright, tmp_path: Path, url: str, qr: str, verdict: str,
                  name: str) -> str:
    """The counter page, its fake camera filming `qr`: waits for `verdict`, returns the
    verdict word."""
    video = write_y4m(tmp_path / f"{name}.y4m", (qr, 5))
    browser, page = browser_page(playwright, video)
    try:
        page.goto(url)
        page.locator(f'#result[data-verdict="{verdict}"]').wait_for(timeout=WAIT_MS)
        shoot(page, name)
        return page.locator("#verdict-word").inner_text()
    finally:
        browser.close()


def test_the_readme_tour_works_as_written(playwright, demo_home: Path, tmp_path: Path) -> None:
    steps = tour_steps((ROOT / "README.md").read_text(encoding="utf-8"))
    port, lan_port = free_port(), free_port_pair()
    demo = Demo(demo_home, "--port", str(port), "--lan", "--lan-address", "127.0.0.1",
                "--lan-port", str(lan_port))
    try:
        block = demo.wait_ready(FIRST_RUN_S)
        check_ready_block(demo_home, block, port, lan_port)
        assert_loopback_only(demo_home, port, lan_port, lan_port + 1)
        facts = json.loads((demo_home / "demo.json").read_text(encoding="utf-8"))
        check_sm2_licence(demo_home, facts["qr_other_province"])
        # Active defence (issue 13): two staged alerts, a burst of damaged codes and one
        # licence at the demo's Shanghai and Guangzhou desks, each listed as `elicence
        # alerts` lists it.
        for kind in ("failure_burst", "cloned_licence"):
            assert kind in facts["alerts"], demo.text[-3000:]
            assert re.search(rf"  {kind} +\S+  ", demo.text), demo.text[-3000:]
        staged = re.search(r"staged above: ([\w, ]+)\)", block)
        assert staged and set(staged.group(1).split(", ")) >= {
            "failure_burst", "cloned_licence"}, block
        follow_the_tour(playwright, steps, demo, facts, tmp_path)
        assert demo.stop() == 0, demo.text[-3000:]
    finally:
        demo.kill()
    assert "Stopping" in demo.text
    assert node_stopped(demo_home), "anvil is still running after the demo stopped"

    # A second start on the same state: ready quickly, nothing issued again, no LAN.
    again = Demo(demo_home, "--port", str(port))
    try:
        started = time.monotonic()
        block = again.wait_ready(120)
        assert time.monotonic() - started < 120
        assert "none issued again" in again.text
        assert not re.search(r"\$ elicence issue|\d issued, \d+ rejected", again.text), again.text
        assert "phone wallet" not in block
        facts = json.loads((demo_home / "demo.json").read_text(encoding="utf-8"))
        assert "lan_wallet_url" not in facts
        assert_loopback_only(demo_home, port)
        assert listening_addresses({lan_port, lan_port + 1}) == {}  # no phone server now
        assert again.stop() == 0, again.text[-3000:]
    finally:
        again.kill()
    assert node_stopped(demo_home)


def check_sm2_licence(home: Path, qr: str) -> None:
    """Guangdong's traffic police sign with SM2 and SM3: its licence is VALID at the same
    counter as the ES256 ones."""
    from licence import SM2_SM3, decode_unverified

    assert decode_unverified(qr).header.suite is SM2_SM3
    done = subprocess.run([str(ROOT / ".venv" / "bin" / "elicence"), "verify", qr],
                          env={**os.environ, "ELICENCE_HOME": str(home)},
                          capture_output=True, text=True, timeout=120)
    said = f"(exit {done.returncode})\n{done.stdout}{done.stderr}"
    assert done.returncode == 0 and done.stdout.startswith("VALID — 有效"), said


def labels(block: str) -> list[str]:
    return re.findall(r"^  (\w[\w -]*?\w)\s{2,}\S", block, re.M)


def readme_ready_block() -> str:
    """The ready block README's "Two commands" shows."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("\nelicence demo is ready\n")
    return readme[start:readme.index("```", start)]


def check_ready_block(home: Path, block: str, port: int, lan_port: int) -> None:
    phone_lines = {"phone wallet", "phone counter", "phone CA cert", "CA SHA-256"}
    assert labels(readme_ready_block()) == [x for x in labels(block) if x not in phone_lines]
    facts = json.loads((home / "demo.json").read_text(encoding="utf-8"))
    missing = [key for key in DEMO_KEYS if not facts.get(key)]
    assert missing == [], f"demo.json lacks {missing}"
    ca = Path(facts["ca_cert"])
    assert ca.exists() and b"PRIVATE" not in ca.read_bytes()
    lines = dict(re.findall(r"^  (\w[\w -]*?\w)\s{2,}(\S.*)$", block, re.M))
    assert lines["counter page"] == f"http://127.0.0.1:{port}/verify" == facts["counter_url"]
    assert lines["wallet"] == facts["wallet_url"]
    assert lines["phone wallet"] == f"https://127.0.0.1:{lan_port}/wallet/" \
        == facts["lan_wallet_url"]
    assert lines["phone counter"] == facts["lan_counter_url"]
    assert lines["sample letter"] == facts["sample_pdf"] and Path(facts["sample_pdf"]).exists()
    assert lines["claim code"] == facts["claim_code"]
    for kind in ("valid", "revoked", "suspended"):  # whole texts, ready to copy
        assert lines[f"{kind} QR"] == facts[f"qr_{kind}"]
    assert "Ctrl-C" in lines["stop"]
    check_agent_scan(home, lines, facts)
    for url in re.findall(r"https?://\S+", block):
        if url.startswith(facts["rpc_url"]) or url.endswith("/)"):
            continue  # the node answers JSON-RPC POSTs; "calls under …/api/v1/" is a prefix
        status, _ = fetch(url.rstrip(")"), ca)
        assert status in (200, 503), (url, status)  # 503: /healthz while catching up
    assert fetch(facts["counter_url"], ca)[0] == 200
    status, body = fetch(lines["phone CA cert"].split()[0])
    assert status == 200 and x509.load_der_x509_certificate(body).public_bytes(
        serialization.Encoding.PEM) == ca.read_bytes()
    settings = json.loads((home / "config.json").read_text(encoding="utf-8"))
    assert settings["public_url"] == f"https://127.0.0.1:{lan_port}"  # letters point here


AGENT_SCAN = re.compile(r"VALID: presented by an authorised agent, on behalf of (\S.*), "
                        r"until (\d{4}-\d\d-\d\d \d\d:\d\d UTC)$")


def check_agent_scan(home: Path, lines: dict[str, str], facts: dict) -> None:
    """The delegated presentation: the agent's live code, scanned at the counter API, was
    accepted on the company's behalf; the stand-in holder's key stays private."""
    match = AGENT_SCAN.fullmatch(lines["agent scan"])
    assert match, lines["agent scan"]
    # on behalf of the company whose claim code the stand-in holder wallet used
    row = int(read_claim_codes(home / "demo-out" / "business")[0]["row"])
    with (ROOT / "scripts" / "demo-data" / "business.csv").open(encoding="utf-8") as data:
        company = list(csv.DictReader(data))[row - 2]["company_name"]
    assert match.group(1) == company, (match.group(1), company)
    assert facts["agent_scan"] == lines["agent scan"] and facts["qr_agent"]
    folder = home / "demo-out" / "delegation"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "holder-device.pem").stat().st_mode) == 0o600


def follow_the_tour(playwright, steps: list[Step], demo: Demo, facts: dict,
                    tmp_path: Path) -> None:
    folder = tmp_path / "repo"
    folder.mkdir()
    shell = Shell(folder, demo.home, urllib.parse.urlsplit(facts["counter_url"]).port)
    phone = phone_browser(playwright, facts)
    try:
        walk(playwright, phone, steps, shell, demo, facts, tmp_path)
    finally:
        phone.close()


def walk(playwright, phone, steps: list[Step], shell: Shell, demo: Demo, facts: dict,
         tmp_path: Path) -> None:
    folder = shell.folder
    revoked = False
    tour_licence: dict = {}
    wallet = None
    for number, step in enumerate(steps):
        for command in step.commands:
            if command.startswith("scripts/demo"):
                flags = set(command.split()[1:])
                assert flags <= set(demo.args), (command, demo.args)  # the test's own demo
                continue
            ran = shell.run(command)
            check_command(ran, shell, revoked)
            if " revoke " in f" {ran.command} ":
                revoked = True
            if "elicence issue" in ran.command:
                out = folder / re.search(r"--out (\S+)", ran.command).group(1)
                report = json.loads((out / "report.json").read_text(encoding="utf-8"))
                tour_licence = report["licences"][0]
                tour_licence["claim_code"] = read_claim_codes(out)[0]["claim_code"]
                letter = re.sub(r"\s+", "", letter_text(out / tour_licence["pdf"]))
                assert f"{facts['lan_wallet_url']}" in letter  # the phone's address
            if "claim-codes.csv" in ran.command:
                assert tour_licence["claim_code"] in ran.output
        if number == 3:  # verify with the camera: the tour's licence, VALID
            opened = shell.opened_items()
            assert len(opened) == 2, opened
            page_url = opened[0]
            assert fetch(page_url)[0] == 200
            assert (folder / opened[1]).exists() and opened[1].endswith(".pdf")
            assert counter_shows(playwright, tmp_path, page_url, tour_licence["qr"], "valid",
                                 "03-counter-valid") == "有效"
            desk_page_names_its_desk(playwright, shell)
        if number == 4:  # a phone on the same network claims the tour's licence
            wallet = claim_on_the_phone(phone, facts, tour_licence["claim_code"])
        if number == 5:  # revoked: red on the counter page, said plainly in the wallet
            wait_for_revoked(facts["api_url"], tour_licence["qr"])
            assert counter_shows(playwright, tmp_path, shell.opened_items()[0],
                                 tour_licence["qr"], "revoked", "05-counter-revoked") == "已吊销"
            assert wallet is not None, "the phone step did not run"
            wallet_says_revoked(wallet)
    assert revoked and tour_licence, "the tour never issued or revoked a licence"


DESK_LINK = ".venv/bin/elicence counter-token sh-desk --url http://127.0.0.1:8000"
DESK_HEADING = "证照核验 上海浦东窗口 地区 310115"


def desk_page_names_its_desk(playwright, shell: Shell) -> None:
    """Step 3's desk page: the link `elicence counter-token` prints for the demo's Pudong
    desk opens a counter page whose heading reads as the README says."""
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert f"`{DESK_LINK}`" in readme and DESK_HEADING in readme
    ran = shell.run(DESK_LINK)
    assert ran.code == 0, ran.output
    link = ran.output.strip().splitlines()[-1]
    assert "/verify#counter-token=sh-desk." in link, ran.output
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=CHROMIUM_ARGS)
    try:
        page = browser.new_page()
        page.goto(link)
        page.locator("#counter[data-desk=own]").wait_for(state="attached", timeout=WAIT_MS)
        assert page.locator("h1").inner_text().startswith(DESK_HEADING)
        shoot(page, "03-desk-heading")
    finally:
        browser.close()


def letter_text(pdf: Path) -> str:
    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(pdf).pages)


def check_command(ran: Ran, shell: Shell, revoked: bool) -> None:
    """What the README promises for each kind of command it shows."""
    said = f"$ {ran.command}\n(exit {ran.code})\n{ran.output}"
    command = ran.command
    if command.startswith("export "):
        assert ran.code == 0, said
    elif match := re.match(r"scripts/sample-csv (\w+) (\d+) (\S+)$", command):
        assert ran.code == 0, said
        rows = (shell.folder / match.group(3)).read_text(encoding="utf-8").splitlines()
        assert len(rows) == int(match.group(2)) + 1, said
    elif match := re.search(r"elicence issue .*--input (\S+) --out (\S+)", command):
        assert ran.code == 0, said
        count = len((shell.folder / match.group(1)).read_text().splitlines()) - 1
        assert f"{count} issued, 0 rejected, 1 batches, 1 transactions" in ran.output, said
        out = shell.folder / match.group(2)
        assert (out / "report.json").exists(), said
        assert stat.S_IMODE(out.stat().st_mode) == 0o700, said  # "readable by you alone"
        assert stat.S_IMODE((out / "claim-codes.csv").stat().st_mode) == 0o600, said
        assert len(list((out / "pdf").glob("*.pdf"))) == count, said
        assert len(list((out / "qr").glob("*.png"))) == count, said
    elif re.search(r"elicence verify ", command):
        if revoked:
            assert ran.code == 1 and ran.output.startswith("REVOKED — 已吊销"), said
            assert "Lost" in ran.output or "lost" in ran.output, said
        else:
            assert ran.code == 0 and ran.output.startswith("VALID — 有效"), said
    elif re.search(r"elicence revoke ", command):
        assert ran.code == 0 and "1 revoked, 0 refused" in ran.output, said
    elif command.startswith("xdg-open "):
        assert ran.code == 0, said
    elif command.startswith("head ") and "claim-codes.csv" in command:
        assert ran.code == 0 and ran.output.startswith("licence_number,row,claim_code,"), said
        assert re.search(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", ran.output), said
    else:
        raise AssertionError(f"the tour test does not know what the README promises for: "
                             f"{command}")


def wait_for_revoked(api_url: str, qr: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        request = urllib.request.Request(f"{api_url}verify", json.dumps({"qr": qr}).encode(),
                                         {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            if json.load(answer)["verdict"] == "revoked":
                return
        time.sleep(0.5)
    raise AssertionError("the web app did not see the revocation")


def phone_browser(playwright, facts: dict):
    ca = Path(facts["ca_cert"])
    server = ca.parent / "server.pem"
    trusted = f"--ignore-certificate-errors-spki-list={spki_hash(server)},{spki_hash(ca)}"
    return playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                      args=[*CHROMIUM_ARGS, trusted], timeout=WAIT_MS)


def claim_on_the_phone(phone, facts: dict, code: str):
    """Claims `code` in the wallet served on the LAN address; returns the wallet's page."""
    errors: list[str] = []
    page = open_wallet(new_phone(phone), facts["lan_wallet_url"], errors)
    assert page.evaluate("window.isSecureContext")
    assert page.evaluate("!!(crypto && crypto.subtle)")  # WebCrypto: only in a secure context
    page.click("[data-view=claim]")
    page.fill("#claim-code", code)
    shoot(page, "04-phone-claim")
    page.press("#claim-code", "Enter")
    page.wait_for_selector("#claim-status.good, #claim-status.bad")
    assert "good" in page.get_attribute("#claim-status", "class"), \
        page.text_content("#claim-status")
    page.click("[data-view=licences]")
    card = page.locator("#cards li.card")
    assert card.count() == 1 and "CN-31-DMV" in card.inner_text()
    assert card.get_attribute("data-status") == "active"
    shoot(page, "04-phone-licence")
    assert errors == []
    return page


def wallet_says_revoked(page) -> None:
    page.reload()
    page.wait_for_selector("#cards li[data-status=revoked]", timeout=WAIT_MS)
    card = page.locator("#cards li").first
    assert "已吊销" in card.inner_text()
    assert card.locator("button.present").is_disabled()
    shoot(page, "05-phone-revoked")
