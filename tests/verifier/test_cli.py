"""`elicence verify` through Click's CliRunner: input forms, exit codes, --json."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import qrcode
from click.testing import CliRunner

from elicence.cli import main

from .world import World

pytestmark = pytest.mark.timeout(120)

UNREACHABLE_NODE = "http://127.0.0.1:9"  # discard port: connection refused at once


def make_home(world: World, home: Path, *, synced_at: int) -> dict[str, str]:
    home.mkdir(parents=True)
    (home / "config.json").write_text(json.dumps({
        "rpc_url": UNREACHABLE_NODE, "registry_address": world.registry.address,
        "registry_block": world.deploy_block}))
    world.sync(home / "index.sqlite", synced_at=synced_at)
    return {"ELICENCE_HOME": str(home), "ELICENCE_COUNTER_ID": "test-counter"}


@pytest.fixture(scope="module")
def fresh_env(world: World, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    # The CLI verifies at the real time; the world's licences are valid around it.
    return make_home(world, tmp_path_factory.mktemp("cli") / "home",
                     synced_at=int(time.time()) + 3600)


def verify(env: dict[str, str], *args: str, input: str | None = None):
    return CliRunner().invoke(main, ["verify", *args], env=env, input=input)


def test_valid_licence_exits_0_and_says_so(world: World, fresh_env: dict[str, str]) -> None:
    result = verify(fresh_env, world.qr["good"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("VALID — 有效")
    assert "Shanghai Traffic Police" in result.stdout and "Family name 姓: 欧阳" in result.stdout
    assert "Could not update the status index" in result.stderr


def test_revoked_licence_exits_1(world: World, fresh_env: dict[str, str]) -> None:
    result = verify(fresh_env, world.qr["revoked"], "--no-sync")
    assert result.exit_code == 1
    assert result.stdout.startswith("REVOKED — 已吊销")
    assert "revoked by its authority" in result.stdout and result.stderr == ""


def test_json_output_has_the_api_shape(world: World, fresh_env: dict[str, str]) -> None:
    result = verify(fresh_env, "--json", "--no-sync", world.qr["tampered_claim"])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert set(doc) == {"verdict", "reason", "checks", "claims", "authority", "licence_type",
                        "status_as_of", "presentation"}
    assert (doc["verdict"], doc["reason"]) == ("invalid", "signature_invalid")
    assert doc["claims"] == {}


def test_unreadable_input_exits_2_without_traceback(fresh_env: dict[str, str]) -> None:
    result = verify(fresh_env, "--no-sync", "HELLO WORLD")
    assert result.exit_code == 2
    assert result.stdout.startswith("UNREADABLE")
    assert "not an electronic licence" in result.stdout and "Traceback" not in result.output


def test_usage_errors_exit_2(world: World, fresh_env: dict[str, str], tmp_path: Path) -> None:
    assert verify(fresh_env).exit_code == 2
    png = tmp_path / "x.png"
    qrcode.make("ELC1:X").save(png)
    both = verify(fresh_env, world.qr["good"], "--image", str(png))
    assert both.exit_code == 2 and "exactly one" in both.stderr


def test_image_of_a_qr_code(world: World, fresh_env: dict[str, str], tmp_path: Path) -> None:
    png = tmp_path / "licence.png"
    qrcode.make(world.qr["good"], error_correction=qrcode.constants.ERROR_CORRECT_M).save(png)
    result = verify(fresh_env, "--no-sync", "--image", str(png))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("VALID")


def test_image_without_qr_or_not_an_image(fresh_env: dict[str, str], tmp_path: Path) -> None:
    from PIL import Image

    blank = tmp_path / "blank.png"
    Image.new("L", (200, 200), 255).save(blank)
    result = verify(fresh_env, "--no-sync", "--image", str(blank))
    assert result.exit_code == 2 and "No QR code found" in result.stderr
    text = tmp_path / "notes.txt"
    text.write_text("not an image")
    result = verify(fresh_env, "--no-sync", "--image", str(text))
    assert result.exit_code == 2 and "not a PNG or JPEG" in result.stderr
    missing = verify(fresh_env, "--no-sync", "--image", str(tmp_path / "none.png"))
    assert missing.exit_code == 2 and "Traceback" not in missing.output


def test_stdin(world: World, fresh_env: dict[str, str]) -> None:
    result = verify(fresh_env, "--no-sync", "-", input=world.qr["good"] + "\n")
    assert result.exit_code == 0, result.output


def test_stale_index_exits_4(world: World, tmp_path: Path) -> None:
    env = make_home(world, tmp_path / "home", synced_at=int(time.time()) - 10_000)
    result = verify(env, world.qr["good"], "--json")
    assert result.exit_code == 4
    doc = json.loads(result.stdout)
    assert doc["verdict"] == "unknown" and doc["reason"] == "status_index_stale"
    log = (tmp_path / "home" / "verifications.jsonl").read_text().splitlines()
    assert json.loads(log[-1])["counter"] == "test-counter"


def test_no_index_and_no_node_exits_4(world: World, tmp_path: Path) -> None:
    env = {"ELICENCE_HOME": str(tmp_path / "empty"), "ELICENCE_RPC_URL": UNREACHABLE_NODE}
    result = verify(env, world.qr["good"])
    assert result.exit_code == 4
    assert "Status index: none yet" in result.stdout


def test_help() -> None:
    result = CliRunner().invoke(main, ["verify", "--help"])
    assert result.exit_code == 0 and "--image" in result.output


def test_damaged_index_is_one_sentence_and_exit_4(world: World, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "index.sqlite").write_bytes(b"this is not a database" * 100)
    env = {"ELICENCE_HOME": str(home), "ELICENCE_RPC_URL": UNREACHABLE_NODE}
    result = verify(env, "--no-sync", world.qr["good"])
    assert result.exit_code == 4
    assert "is damaged: delete it" in result.stderr and "Traceback" not in result.output
