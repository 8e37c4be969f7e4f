"""Cross-province recognition and counter policy (verifier.counter_policy).

The world's licences come from two authorities of two provinces: the Shanghai traffic
police (CN-31-DMV, region 31) and the Guangdong traffic police (CN-44-DMV, a licence of
region 4403, from the format's vectors). A counter in Zhejiang (33) accepts both by
default; a narrower policy makes them `not_accepted`, never `invalid`, and a licence that
fails on its own merits keeps its own verdict.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from chain.config import ConfigError, Settings
from chain.index import LicenceIndex
from elicence.cli import main
from verifier import Verifier
from verifier.checks import default_checks
from verifier.checks.acceptance import AcceptanceCheck
from verifier.counter_policy import CounterPolicy
from verifier.result import to_json
from verifier.web import WebConfig

from ..web.conftest import world_app
from .test_cli import make_home
from .world import VECTORS, World

pytestmark = pytest.mark.timeout(120)

GUANGDONG = json.loads((VECTORS / "valid" / "licence_region.json").read_text(encoding="utf-8"))


def verify(index: LicenceIndex, world: World, which: str, policy: CounterPolicy):
    verifier = Verifier(index, checks=[*default_checks(), AcceptanceCheck(policy)])
    if which == "guangdong":
        return verifier.verify(GUANGDONG["qr"], now=GUANGDONG["now"])
    return verifier.verify(world.qr[which], now=world.now)


# A Zhejiang counter's policies, and what each makes of the two provinces' licences.
POLICIES = [
    (CounterPolicy(), "valid", "valid"),  # default: every accredited authority
    (CounterPolicy.parse(types="driving"), "valid", "valid"),
    (CounterPolicy.parse(types="business"), "not_accepted", "not_accepted"),
    (CounterPolicy.parse(regions="33"), "not_accepted", "not_accepted"),  # only Zhejiang's
    (CounterPolicy.parse(regions="33,44"), "not_accepted", "valid"),
    (CounterPolicy.parse(regions="4403"), "not_accepted", "valid"),  # Shenzhen only
    (CounterPolicy.parse(regions="4401"), "not_accepted", "not_accepted"),  # Guangzhou only
    (CounterPolicy.parse(authorities="CN-31-DMV", regions="33"), "valid", "not_accepted"),
]


@pytest.mark.parametrize(("policy", "shanghai", "guangdong"), POLICIES)
def test_cross_province_licences_at_a_third_province_counter(
        world: World, index: LicenceIndex, policy: CounterPolicy, shanghai: str,
        guangdong: str) -> None:
    got = verify(index, world, "good", policy), verify(index, world, "guangdong", policy)
    assert [v.verdict for v in got] == [shanghai, guangdong]
    assert [v.authority["id"] for v in got if v.authority] == ["CN-31-DMV", "CN-44-DMV"]
    for v in got:
        if v.verdict == "not_accepted":  # genuine: its claims are shown, the reason says why
            assert v.decided_by is not None and v.decided_by.name == "acceptance"
            assert v.decided_by.message.startswith("Genuine, but this counter does not accept")
            assert v.decided_by.message_zh.startswith("证照真实有效，但本柜台不受理")
            assert v.claims["family_name"] == "欧阳"
            assert all(c.result == "pass" or c.reason == "not_applicable"
                       for c in v.checks if c.name != "acceptance")


def test_reasons_name_the_type_or_the_issuer(world: World, index: LicenceIndex) -> None:
    by_type = verify(index, world, "good", CounterPolicy.parse(types="business"))
    assert by_type.decided_by is not None
    assert by_type.decided_by.reason == "licence_type_not_accepted"
    assert "does not accept this kind of licence (Driving licence)" in by_type.decided_by.message
    by_issuer = verify(index, world, "guangdong", CounterPolicy.parse(regions="33"))
    assert by_issuer.decided_by is not None
    assert by_issuer.decided_by.reason == "issuer_not_accepted"
    assert "CN-44-DMV (region 4403)" in by_issuer.decided_by.message


@pytest.mark.parametrize(("label", "verdict"), [
    ("revoked", "revoked"), ("expired", "expired"), ("tampered_claim", "invalid"),
    ("root_never_anchored", "invalid")])
def test_a_licence_failing_on_its_own_keeps_its_verdict(
        world: World, index: LicenceIndex, label: str, verdict: str) -> None:
    result = verify(index, world, label, CounterPolicy.parse(types="business"))
    assert result.verdict == verdict
    assert {c.name: c.reason for c in result.checks}["acceptance"] == "not_run"


def test_an_unconfirmable_status_stays_unknown_not_not_accepted(
        world: World, index: LicenceIndex) -> None:
    verifier = Verifier(index, checks=[*default_checks(),
                                       AcceptanceCheck(CounterPolicy.parse(types="business"))])
    result = verifier.verify(world.qr["good"], now=world.now + 3600)  # index an hour old
    assert result.verdict == "unknown"


def test_json_document_carries_the_verdict_and_reason(world: World,
                                                     index: LicenceIndex) -> None:
    doc = to_json(verify(index, world, "good", CounterPolicy.parse(regions="33")))
    assert (doc["verdict"], doc["reason"]) == ("not_accepted", "issuer_not_accepted")
    assert doc["checks"][-1]["name"] == "acceptance"


def test_http_api_under_the_installations_policy(world: World, tmp_path: Path) -> None:
    app = world_app(world, tmp_path / "home", rate_limit="off", counter_id="hz-tax-3",
                    accept_regions="33", accept_authorities="CN-31-DMV")
    try:
        client = app.test_client()
        shanghai = client.post("/api/v1/verify", json={"qr": world.qr["good"]}).get_json()
        assert shanghai["verdict"] == "valid"
        app.extensions["elicence.verifier"].clock = lambda: GUANGDONG["now"]
        guangdong = client.post("/api/v1/verify", json={"qr": GUANGDONG["qr"]}).get_json()
        assert (guangdong["verdict"], guangdong["reason"]) == ("not_accepted",
                                                               "issuer_not_accepted")
        spec = client.get("/api/v1/openapi.json").get_json()
        verdicts = spec["components"]["schemas"]["Verification"]["properties"]["verdict"]
        assert "not_accepted" in verdicts["enum"]
    finally:
        app.extensions["elicence.verifier"].close()


@pytest.mark.parametrize(("setting", "value", "says"), [
    ("accept_types", "passport", "'passport' is not a licence type"),
    ("accept_regions", "Zhejiang", "'Zhejiang' is not a region code prefix"),
])
def test_a_bad_policy_setting_is_one_clear_sentence(setting: str, value: str,
                                                   says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        WebConfig.from_settings(Settings(home=Path("/nonexistent"), extra={setting: value}),
                                env={})


def test_cli_exit_status_3_and_wording(world: World, tmp_path: Path) -> None:
    env = make_home(world, tmp_path / "home", synced_at=int(time.time()) + 3600)
    runner = CliRunner()
    result = runner.invoke(main, ["verify", "--no-sync", "--accept-type", "business",
                                  world.qr["good"]], env=env)
    assert result.exit_code == 3, result.output
    assert result.stdout.startswith("NOT ACCEPTED HERE — 本柜台不受理")
    assert "Genuine, but this counter does not accept" in result.stdout
    as_json = runner.invoke(main, ["verify", "--no-sync", "--json", world.qr["good"]],
                            env={**env, "ELICENCE_ACCEPT_REGIONS": "33"})
    assert as_json.exit_code == 3
    assert json.loads(as_json.stdout)["verdict"] == "not_accepted"
    bad = runner.invoke(main, ["verify", "--no-sync", "--accept-region", "zj",
                               world.qr["good"]], env=env)
    assert bad.exit_code == 2 and "'zj' is not a region code prefix" in bad.output
    assert "Traceback" not in bad.output
