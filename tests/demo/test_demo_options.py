"""`scripts/demo`'s LAN options and its ready block, without starting anything."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

import elicence.demo as demo
from elicence.demo import lan_host, ready_block


def test_lan_address_comes_from_the_route_or_the_option(monkeypatch) -> None:
    monkeypatch.setattr(demo, "route_address", lambda: "127.0.0.1")
    assert lan_host(False, None) is None  # without --lan nothing listens beyond 127.0.0.1
    assert lan_host(True, None) == "127.0.0.1"
    assert lan_host(False, "127.0.0.1") == "127.0.0.1"  # --lan-address implies --lan


@pytest.mark.parametrize(("route", "address", "says"), [
    (None, None, "This machine has no network address besides 127.0.0.1: connect it to the "
                 "phone's network (Wi-Fi), or give one with --lan-address ADDR."),
    ("192.168.1.20", "my-laptop.local", "--lan-address my-laptop.local is not an IPv4 "
                                        "address: give this machine's address on the phone's "
                                        "network"),
    ("192.168.1.20", "fe80::1", "--lan-address fe80::1 is not an IPv4 address"),
    # TEST-NET-3: never an address of this machine.
    ("192.168.1.20", "203.0.113.9", "203.0.113.9 is not an address of this machine: give the "
                                    "one it has on the phone's network"),
])
def test_lan_problems_are_one_sentence(monkeypatch, route, address, says) -> None:
    monkeypatch.setattr(demo, "route_address", lambda: route)
    with pytest.raises(click.ClickException) as refused:
        lan_host(True, address)
    assert refused.value.message.startswith(says)
    assert refused.value.message.count(". ") == 0  # one sentence


def test_demo_refuses_a_bad_lan_address_before_starting_anything(tmp_path) -> None:
    result = CliRunner().invoke(demo.demo, ["--lan-address", "not an address"],
                                env={"ELICENCE_HOME": str(tmp_path / "home")})
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: --lan-address not an address is not an IPv4 address: give this machine's "
        "address on the phone's network, such as 192.168.1.20."]
    assert not (tmp_path / "home").exists()


def test_ready_block_prints_every_qr_text_on_its_own_labelled_line(tmp_path) -> None:
    facts = {"counter_url": "http://127.0.0.1:8000/verify",
             "wallet_url": "http://127.0.0.1:8000/wallet/",
             "api_url": "http://127.0.0.1:8000/api/v1/", "rpc_url": "http://127.0.0.1:8545",
             "registry_address": "0xabc", "sample_pdf": "/x/row-0000002.pdf",
             "claim_code": "AAAA-BBBB-CCCC-DDDD", "qr_valid": "ELC1:VALID 1",
             "qr_revoked": "ELC1:REVOKED 2", "qr_suspended": "ELC1:SUSPENDED 3",
             "authorities": [{"id": "CN-31-DMV"}, {"id": "CN-32-AMR"}]}
    block = ready_block(tmp_path, facts)
    assert "  valid QR        ELC1:VALID 1\n" in block
    assert "  revoked QR      ELC1:REVOKED 2\n" in block
    assert "  suspended QR    ELC1:SUSPENDED 3\n" in block
    assert "  claim code      AAAA-BBBB-CCCC-DDDD\n" in block
    assert "  stop            Ctrl-C\n" in block
    assert "phone" not in block
    lan = ready_block(tmp_path, {**facts, "lan_wallet_url": "https://10.0.0.7:8443/wallet/",
                                 "lan_counter_url": "https://10.0.0.7:8443/verify",
                                 "ca_cert": "/x/tls/ca.pem",
                                 "ca_cert_url": "http://10.0.0.7:8444/ca.crt",
                                 "ca_fingerprint": "AB:CD"})
    assert "  phone wallet    https://10.0.0.7:8443/wallet/\n" in lan
    assert "  phone counter   https://10.0.0.7:8443/verify\n" in lan
    assert "  phone CA cert   http://10.0.0.7:8444/ca.crt" in lan


def test_ready_block_lists_each_authoritys_role_accounts_under_its_name(tmp_path) -> None:
    facts = {"counter_url": "u", "wallet_url": "u", "api_url": "u", "rpc_url": "u",
             "registry_address": "0xabc", "sample_pdf": "p", "claim_code": "c",
             "qr_valid": "v", "qr_revoked": "r", "qr_suspended": "s",
             "authorities": [{"id": "CN-31-DMV", "scopes": ["driving:31"],
                              "accounts": {"anchor": "0xA1", "status": "0xA2",
                                           "keys": "0xA3"}}]}
    lines = ready_block(tmp_path, facts).splitlines()
    at = lines.index("    CN-31-DMV     scopes driving:31")
    assert lines[at + 1:at + 4] == [
        "      anchor  0xA1  (the claim server's only account)",
        "      status  0xA2", "      keys    0xA3"]
