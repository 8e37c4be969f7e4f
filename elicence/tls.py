"""Certificates for the demo's phone on the same network.

A phone's browser gives the camera and WebCrypto only to a secure context, so the wallet
must be served over HTTPS with a certificate the phone trusts. The demo makes a local CA
once (its certificate is installed on the phone), then a server certificate signed by it
for the machine's LAN address. Both live in `$ELICENCE_HOME/tls/`; the server certificate
is reused while its addresses stay the same and re-issued when they change.

For the demo only: production uses real certificates on a reverse proxy
(docs/deployment.md, decision 0065).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from chain.private_files import private_folder, write_private

CA_DAYS = 3650
# Apple refuses server certificates valid for longer than 825 days, even from a user CA.
SERVER_DAYS = 397
RENEW_BEFORE = dt.timedelta(days=30)


@dataclass(frozen=True)
class DemoTls:
    """The files `elicence serve --tls-cert/--tls-key` and the phone need."""

    ca_cert: Path
    ca_key: Path
    cert: Path
    key: Path

    def ca_fingerprint(self) -> str:
        """SHA-256 of the CA certificate, as phones show it before installing."""
        cert = x509.load_pem_x509_certificate(self.ca_cert.read_bytes())
        return cert.fingerprint(hashes.SHA256()).hex(":").upper()


def lan_address() -> str | None:
    """The address this machine uses to reach other machines, or None when it has none.

    Connecting a UDP socket only picks the route and its source address: nothing is sent.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("10.254.254.254", 9))
            address = sock.getsockname()[0]
        except OSError:
            return None
    return None if ipaddress.ip_address(address).is_loopback else address


def subject_names(addresses: Iterable[str]) -> list[x509.GeneralName]:
    """IP addresses as IP SANs (the phone connects by IP), anything else as a DNS name;
    127.0.0.1 and localhost always, so the same certificate works on this machine."""
    names: list[x509.GeneralName] = []
    for value in [*addresses, "127.0.0.1", "localhost"]:
        try:
            name: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(value))
        except ValueError:
            name = x509.DNSName(value)
        if name not in names:
            names.append(name)
    return names


def ensure_certificates(home: Path, addresses: Iterable[str],
                        now: dt.datetime | None = None) -> DemoTls:
    """The local CA and a server certificate for `addresses`, made or reused in home/tls."""
    now = now or dt.datetime.now(dt.UTC)
    directory = home / "tls"
    private_folder(directory)
    tls = DemoTls(directory / "ca.pem", directory / "ca-key.pem",
                  directory / "server.pem", directory / "server-key.pem")
    ca_cert, ca_key = _load_or_make_ca(tls, now)
    wanted = subject_names(addresses)
    if not _server_cert_usable(tls, ca_cert, wanted, now):
        key = ec.generate_private_key(ec.SECP256R1())
        first = wanted[0]
        common_name = str(first.value)
        cert = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
                .issuer_name(ca_cert.subject)
                .public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(minutes=5))
                .not_valid_after(now + dt.timedelta(days=SERVER_DAYS))
                .add_extension(x509.SubjectAlternativeName(wanted), critical=False)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(
                    digital_signature=True, content_commitment=False, key_encipherment=False,
                    data_encipherment=False, key_agreement=False, key_cert_sign=False,
                    crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                               critical=False)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                               critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                    ca_key.public_key()), critical=False)
                .sign(ca_key, hashes.SHA256()))
        write_private(tls.key, _pem_key(key))
        write_private(tls.cert, cert.public_bytes(serialization.Encoding.PEM))
    return tls


def _load_or_make_ca(tls: DemoTls, now: dt.datetime):
    if tls.ca_cert.exists() and tls.ca_key.exists():
        cert = x509.load_pem_x509_certificate(tls.ca_cert.read_bytes())
        key = serialization.load_pem_private_key(tls.ca_key.read_bytes(), password=None)
        if cert.not_valid_after_utc - RENEW_BEFORE > now:
            return cert, key
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "elicence demo"),
        x509.NameAttribute(NameOID.COMMON_NAME, f"elicence demo CA ({socket.gethostname()})"),
    ])
    cert = (x509.CertificateBuilder()
            .subject_name(name).issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=CA_DAYS))
            # path_length=0: this CA can sign server certificates, never another CA.
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256()))
    write_private(tls.ca_key, _pem_key(key))
    write_private(tls.ca_cert, cert.public_bytes(serialization.Encoding.PEM))
    tls.cert.unlink(missing_ok=True)  # signed by the old CA: issue again
    return cert, key


def _server_cert_usable(tls: DemoTls, ca_cert: x509.Certificate,
                        wanted: list[x509.GeneralName], now: dt.datetime) -> bool:
    if not (tls.cert.exists() and tls.key.exists()):
        return False
    try:
        cert = x509.load_pem_x509_certificate(tls.cert.read_bytes())
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        cert.verify_directly_issued_by(ca_cert)
    except (ValueError, TypeError, x509.ExtensionNotFound, InvalidSignature):
        return False
    return (set(names) == set(wanted)
            and cert.not_valid_after_utc - RENEW_BEFORE > now)


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    # Unencrypted, like any web server's key file; protected by its mode (0600).
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def serve_ca_certificate(host: str, port: int, ca_cert: Path) -> ThreadingHTTPServer:
    """Serves the CA certificate (never its key) over plain HTTP at /ca.crt (DER, which
    phones offer to install) and /ca.pem, from a daemon thread, until `shutdown()`.

    Plain HTTP because the phone does not trust anything yet; the fingerprint the demo
    prints lets the holder check what they install."""
    pem = ca_cert.read_bytes()
    der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
    files = {"/ca.crt": (der, "application/x-x509-ca-cert"),
             "/ca.pem": (pem, "application/x-pem-file")}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body, kind = files.get(self.path, (b"Not found: the CA certificate is at "
                                               b"/ca.crt\n", "text/plain; charset=utf-8"))
            self.send_response(200 if self.path in files else 404)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # the demo's terminal shows its ready block, not request lines

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True, name="ca-download").start()
    return server
