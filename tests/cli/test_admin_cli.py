"""The admin commands an agency runs, end to end against a real local anvil node."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from elicence.cli import main
from tests.support.ports import free_port


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """An ELICENCE_HOME with a running local node; the node is stopped afterwards."""
    path = tmp_path_factory.mktemp("home")
    passphrase = path / "passphrase"
    passphrase.write_text("correct horse battery staple\n")
    env = {"ELICENCE_HOME": str(path), "ELICENCE_PASSPHRASE_FILE": str(passphrase),
           "ELICENCE_PASSPHRASE": ""}
    started = run(env, "node", "start", "--port", str(free_port()))
    assert started.exit_code == 0, started.output
    try:
        yield env
    finally:
        run(env, "node", "stop")


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def ok(env: dict[str, str], *args: str) -> str:
    result = run(env, *args)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.anvil
def test_council_registers_authority_and_authority_manages_keys(home: dict[str, str]) -> None:
    one = run(home, "registry", "deploy", "--council", "council-1", "--council", "council-2",
              "--council", "council-3", "--threshold", "1")
    assert one.exit_code == 2 and "not a majority of at least two" in one.output
    out = ok(home, "registry", "deploy", "--council", "council-1", "--council", "council-2",
             "--council", "council-3")
    assert "council of 3, 2 approvals needed" in out

    again = run(home, "registry", "deploy", "--council", "council-1")
    assert again.exit_code == 1
    assert "already deployed" in again.output

    out = ok(home, "authority", "add", "CN-31-DMV", "--name-zh", "上海市公安局交通管理局",
             "--name-en", "Shanghai Traffic Police", "--jurisdiction", "CN-31",
             "--scope", "driving:31", "--scope", "driving:3101", "--as", "council-1")
    proposal = re.search(r"Proposal (\d+) has 1 of 2 approvals", out)
    assert proposal, out
    keys = Path(home["ELICENCE_HOME"]) / "keys" / "accounts"
    assert all((keys / f"CN-31-DMV-{role}.json").exists() for role in ("anchor", "status", "keys"))
    listed = ok(home, "council", "list")
    assert "registerAuthority(id=CN-31-DMV" in listed and "expires" in listed
    assert "No authorities registered yet" in ok(home, "authority", "list")

    twice = run(home, "council", "approve", proposal.group(1), "--as", "council-1")
    assert twice.exit_code == 1
    assert "already approved" in twice.output.lower()

    out = ok(home, "council", "approve", proposal.group(1), "--as", "council-2")
    assert "carried out" in out
    assert "No open proposals." in ok(home, "council", "list")
    listing = ok(home, "authority", "list")
    assert "CN-31-DMV" in listing and "driving:31" in listing and "driving:3101" in listing

    assert "Key 1 of CN-31-DMV registered" in ok(home, "authority", "add-key", "CN-31-DMV")
    assert (Path(home["ELICENCE_HOME"]) / "keys" / "signing" / "CN-31-DMV-1.json").exists()
    out = ok(home, "authority", "rotate-key", "CN-31-DMV")
    assert "Key 2 of CN-31-DMV now signs; retired key(s): 1." in out
    assert "marked compromised since" in ok(home, "authority", "mark-compromised", "CN-31-DMV",
                                            "--key", "2")

    # Back-dating a compromise is the council's: a proposal, approved by a second member.
    out = ok(home, "council", "mark-compromised", "CN-31-DMV", "--key", "1", "--since",
             "2026-01-01", "--as", "council-1")
    number = re.search(r"Proposal (\d+) has", out).group(1)  # type: ignore[union-attr]
    ok(home, "council", "approve", number, "--as", "council-3")
    shown = ok(home, "authority", "show", "CN-31-DMV")
    assert "上海市公安局交通管理局 / Shanghai Traffic Police" in shown
    assert "key 1:" in shown and "COMPROMISED since 2026-01-01 00:00:00 UTC" in shown
    assert "key 2:" in shown and "scopes driving:31, driving:3101" in shown


@pytest.mark.anvil
def test_council_powers_over_authorities(home: dict[str, str]) -> None:
    out = ok(home, "authority", "suspend", "CN-31-DMV", "--grace-until", "2030-01-01",
             "--as", "council-1")
    number = re.search(r"Proposal (\d+) has", out).group(1)  # type: ignore[union-attr]
    ok(home, "council", "approve", number, "--as", "council-2")
    assert "SUSPENDED, earlier licences valid until 2030-01-01" in ok(
        home, "authority", "show", "CN-31-DMV")

    out = ok(home, "council", "withdraw-batch", "CN-31-DMV", "--root", "11" * 16,
             "--as", "council-1")
    number = re.search(r"Proposal (\d+) has", out).group(1)  # type: ignore[union-attr]
    assert "cancelled" in ok(home, "council", "cancel", number, "--as", "council-1")
    assert "cancelled" in ok(home, "council", "list", "--all")
    refused = run(home, "council", "approve", number, "--as", "council-2")
    assert refused.exit_code == 1 and "was cancelled by its proposer" in refused.output

    out = ok(home, "authority", "scope", "CN-31-DMV", "driving:3101", "--remove",
             "--grace-until", "2030-01-01", "--as", "council-1")
    assert "Proposal" in out


@pytest.mark.anvil
def test_refusals_are_one_sentence(home: dict[str, str]) -> None:
    unknown = run(home, "authority", "show", "CN-99-XXX")
    assert unknown.exit_code == 1
    assert "No authority 'CN-99-XXX' is registered" in unknown.output

    outsider = run(home, "council", "propose", "threshold", "1", "--as", "CN-31-DMV-anchor")
    assert outsider.exit_code == 1
    assert "Traceback" not in outsider.output
    assert "council" in outsider.output.lower()

    wrong_role = run(home, "authority", "mark-compromised", "CN-31-DMV", "--key", "2",
                     "--as", "CN-31-DMV-anchor")
    assert wrong_role.exit_code == 1
    assert "does not hold the keys role for authority 1" in wrong_role.output

    bad_scope = run(home, "authority", "scope", "CN-31-DMV", "boat:31", "--as", "council-1")
    assert bad_scope.exit_code == 2
    assert "boat" in bad_scope.output
    bad_region = run(home, "authority", "scope", "CN-31-DMV", "driving:3", "--as", "council-1")
    assert bad_region.exit_code == 2 and "GB/T 2260" in bad_region.output

    wrong = dict(home, ELICENCE_PASSPHRASE_FILE="", ELICENCE_PASSPHRASE="not it")
    denied = run(wrong, "authority", "add-key", "CN-31-DMV")
    assert denied.exit_code == 1
    assert "passphrase does not open" in denied.output


def test_without_registry_or_node_the_message_says_what_to_do(tmp_path: Path) -> None:
    env = {"ELICENCE_HOME": str(tmp_path), "ELICENCE_PASSPHRASE": "x",
           "ELICENCE_RPC_URL": f"http://127.0.0.1:{free_port()}"}
    no_registry = run(env, "authority", "list")
    assert no_registry.exit_code == 1
    assert "elicence registry deploy" in no_registry.output

    no_node = run(env, "registry", "deploy", "--council", "m1", "--council", "m2")
    assert no_node.exit_code == 1
    assert "Cannot reach the chain node" in no_node.output

    stopped = run(env, "node", "status")
    assert stopped.exit_code == 3
    assert "not running" in stopped.output


@pytest.mark.parametrize("path", [
    (), ("node",), ("node", "start"), ("node", "stop"), ("node", "status"),
    ("registry",), ("registry", "deploy"), ("registry", "show"),
    ("council",), ("council", "propose"), ("council", "propose", "add-member"),
    ("council", "propose", "remove-member"), ("council", "propose", "threshold"),
    ("council", "approve"), ("council", "list"), ("council", "cancel"), ("council", "withdraw"),
    ("council", "withdraw-batch"), ("council", "mark-compromised"),
    ("authority",), ("authority", "add"), ("authority", "scope"), ("authority", "set-account"),
    ("authority", "suspend"),
    ("authority", "reinstate"), ("authority", "add-key"), ("authority", "rotate-key"),
    ("authority", "mark-compromised"), ("authority", "show"), ("authority", "list"),
])
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage: " in result.output
