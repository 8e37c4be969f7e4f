"""The demo's local CA and server certificate (elicence/tls.py), and `elicence serve` over
HTTPS with them: what a phone on the same network needs (docs/decisions/0065)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import ssl
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from elicence.cli import main
from elicence.tls import ensure_certificates, lan_address, serve_ca_certificate
from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]


def load(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def sans(path: Path) -> set[str]:
    names = load(path).extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return {str(name.value) for name in names}


def test_ca_and_server_certificate(tmp_path: Path) -> None:
    tls = ensure_certificates(tmp_path, ["192.168.1.20"])
    assert tls.ca_cert.parent == tmp_path / "tls"
    assert sans(tls.cert) == {"192.168.1.20", "127.0.0.1", "localhost"}
    names = load(tls.cert).extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert ipaddress.ip_address("192.168.1.20") in names.get_values_for_type(x509.IPAddress)
    ca, server = load(tls.ca_cert), load(tls.cert)
    server.verify_directly_issued_by(ca)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert not server.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = server.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.SERVER_AUTH in usage
    # Phones (Apple's rule) refuse server certificates valid for more than 825 days.
    assert server.not_valid_after_utc - server.not_valid_before_utc < dt.timedelta(days=825)
    for key in (tls.key, tls.ca_key):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
        assert b"PRIVATE KEY" in key.read_bytes()
    assert b"PRIVATE" not in tls.ca_cert.read_bytes() + tls.cert.read_bytes()
    assert len(tls.ca_fingerprint().split(":")) == 32


def test_reused_then_reissued_when_the_address_changes(tmp_path: Path) -> None:
    first = ensure_certificates(tmp_path, ["192.168.1.20"])
    before = {p: p.read_bytes() for p in (first.ca_cert, first.ca_key, first.cert, first.key)}
    again = ensure_certificates(tmp_path, ["192.168.1.20"])
    assert {p: p.read_bytes() for p in before} == before  # nothing re-made

    moved = ensure_certificates(tmp_path, ["10.0.0.7"])
    assert moved.ca_cert.read_bytes() == before[again.ca_cert]  # the phone keeps its CA
    assert moved.cert.read_bytes() != before[again.cert]
    assert moved.key.read_bytes() != before[again.key]
    assert sans(moved.cert) == {"10.0.0.7", "127.0.0.1", "localhost"}
    load(moved.cert).verify_directly_issued_by(load(moved.ca_cert))
    assert stat.S_IMODE(moved.key.stat().st_mode) == 0o600

    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=380)  # close to the end: renewed
    renewed = ensure_certificates(tmp_path, ["10.0.0.7"], now=later)
    assert load(renewed.cert).not_valid_after_utc > later + dt.timedelta(days=300)


def test_lan_address_is_not_loopback() -> None:
    address = lan_address()
    assert address is None or not ipaddress.ip_address(address).is_loopback


def test_ca_download_serves_the_certificate_never_the_key(tmp_path: Path) -> None:
    tls = ensure_certificates(tmp_path, ["127.0.0.1"])
    server = serve_ca_certificate("127.0.0.1", 0, tls.ca_cert)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with urllib.request.urlopen(f"{base}/ca.crt", timeout=5) as answer:
            assert answer.headers["Content-Type"] == "application/x-x509-ca-cert"
            assert x509.load_der_x509_certificate(answer.read()) == load(tls.ca_cert)
        with urllib.request.urlopen(f"{base}/ca.pem", timeout=5) as answer:
            assert answer.read() == tls.ca_cert.read_bytes()
        for path in ("/ca-key.pem", "/tls/ca-key.pem", "/../tls/ca-key.pem", "/"):
            with pytest.raises(urllib.error.HTTPError) as missing:
                urllib.request.urlopen(base + path, timeout=5)
            assert missing.value.code == 404
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.slow
def test_serve_answers_over_https_verified_against_the_ca(tmp_path: Path) -> None:
    tls = ensure_certificates(tmp_path / "home", ["127.0.0.1"])
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "elicence", "serve", "--no-follow", "--workers", "1",
         "--port", str(port), "--tls-cert", str(tls.cert), "--tls-key", str(tls.key)],
        env={"PATH": "/usr/bin:/bin", "ELICENCE_HOME": str(tmp_path / "home"),
             "ELICENCE_RATE_LIMIT": "off"},
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    verified = ssl.create_default_context(cafile=str(tls.ca_cert))
    try:
        health = None
        deadline = time.monotonic() + 30
        while health is None and time.monotonic() < deadline:
            assert process.poll() is None, "elicence serve stopped"
            try:
                with urllib.request.urlopen(f"https://127.0.0.1:{port}/healthz", timeout=2,
                                            context=verified) as answer:
                    health = json.load(answer)
            except urllib.error.HTTPError as answer:  # 503 while the index is empty
                health = json.load(answer)
            except OSError:
                time.sleep(0.2)
        assert health is not None and "index" in health
        with urllib.request.urlopen(f"https://localhost:{port}/wallet/", timeout=5,
                                    context=verified) as answer:
            assert answer.status == 200
        # Without the CA the certificate is not trusted: a phone must install it first.
        with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
            urllib.request.urlopen(f"https://127.0.0.1:{port}/healthz", timeout=5,
                                   context=ssl.create_default_context())
    finally:
        process.terminate()
        process.wait(15)


@pytest.mark.parametrize(("args", "says"), [
    (["--tls-cert", "/nonexistent/server.pem", "--tls-key", "/nonexistent/key.pem"],
     "Cannot read --tls-cert /nonexistent/server.pem (No such file or directory): give the "
     "path of a readable PEM file."),
    (["--tls-cert", "CERT"], "--tls-cert and --tls-key go together"),
    (["--tls-key", "KEY"], "--tls-cert and --tls-key go together"),
    (["--tls-cert", "KEY", "--tls-key", "CERT"], "are not a PEM certificate and its matching "
                                                "private key"),
    (["--tls-cert", "CERT", "--tls-key", "OTHER"], "matching private key"),
])
def test_serve_refuses_bad_tls_files_in_one_sentence(tmp_path: Path, args: list[str],
                                                     says: str) -> None:
    tls = ensure_certificates(tmp_path / "home", ["127.0.0.1"])
    files = {"CERT": str(tls.cert), "KEY": str(tls.key), "OTHER": str(tls.ca_key)}
    result = CliRunner().invoke(main, ["serve", "--no-follow", *[files.get(a, a) for a in args]],
                                env={"ELICENCE_HOME": str(tmp_path / "home")})
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and says in lines[0], lines
    assert "Traceback" not in result.output
