"""The per-counter policy table (verifier.counter_policy, config.json "counter_policies"):
read at start-up, each mistake one sentence naming the setting; what an entry leaves out
comes from the installation's policy; `elicence verify --counter ID` applies an entry."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from chain.config import ConfigError, Settings
from elicence.cli import main
from verifier.challenges import ChallengePolicy
from verifier.counter_policy import CounterPolicies, CounterPolicy
from verifier.web import WebConfig

from .test_cli import make_home
from .world import World

pytestmark = pytest.mark.timeout(120)


def policies(table: Any, **installation: str) -> CounterPolicies:
    return CounterPolicies.from_settings({**installation, "counter_policies": table}, env={})


def test_an_entry_overrides_only_what_it_names() -> None:
    got = policies({"tax-3": {"accept_types": ["business"], "challenge": "Required"},
                    "sh-1": {"accept_regions": []}},  # an empty list: any region
                   accept_regions="33", accept_authorities="CN-31-DMV", challenge="off")
    assert got.installation == CounterPolicy.parse(
        authorities="CN-31-DMV", regions="33", challenge=ChallengePolicy.OFF)
    tax3 = got.of("tax-3")
    assert (tax3.counter, tax3.licence_types, tax3.regions, tax3.authorities, tax3.challenge) \
        == ("tax-3", {"business"}, {"33"}, {"CN-31-DMV"}, ChallengePolicy.REQUIRED)
    sh1 = got.of("sh-1")
    assert (sh1.regions, sh1.authorities, sh1.challenge) == (None, {"CN-31-DMV"},
                                                             ChallengePolicy.OFF)
    assert got.of("bank-9") is got.installation and got.of(None) is got.installation


def test_no_table_means_the_installations_policy_everywhere() -> None:
    got = CounterPolicies.from_settings({"accept_types": "driving"}, env={})
    assert got.counters == {} and got.of("tax-3").licence_types == {"driving"}


@pytest.mark.parametrize(("table", "says"), [
    ({"tax-3": {"accept_types": ["passport"]}},
     "counter_policies.tax-3.accept_types: 'passport' is not a licence type; use one or "
     "more of "),
    ({"tax-3": {"accept_regions": ["Zhejiang"]}},
     "counter_policies.tax-3.accept_regions: 'Zhejiang' is not a region code prefix; use 2, "
     "4 or 6 digits such as 33 or 3301."),
    ({"tax-3": {"accept_type": ["business"]}},
     "counter_policies.tax-3.accept_type is not a counter policy setting; use accept_types, "
     "accept_authorities, accept_regions, challenge."),
    ({"Tax 3": {}}, "counter_policies: 'Tax 3' is not a counter id. A counter id is 1 to 64 "
     "lower-case letters, digits and hyphens, starting with a letter or digit."),
    ({"tax-3": {"challenge": "sometimes"}},
     "counter_policies.tax-3.challenge must be required, preferred or off, not 'sometimes'."),
    ({"tax-3": {"accept_regions": 33}},
     "counter_policies.tax-3.accept_regions must be a list of text values such as "
     '["33", "44"], not 33.'),
    ({"tax-3": ["business"]}, "counter_policies.tax-3 must be an object with any of "),
    (["tax-3"], "counter_policies must be an object from counter ids to policies"),
])
def test_each_mistake_is_one_sentence_at_start_up(table: Any, says: str) -> None:
    with pytest.raises(ConfigError) as raised:
        WebConfig.from_settings(Settings(home=Path("/nonexistent"),
                                         extra={"counter_policies": table}), env={})
    assert raised.value.message.startswith(says)
    assert raised.value.message.count(". ") <= 1 and "\n" not in raised.value.message


def test_the_installations_challenge_keeps_its_sentence() -> None:
    with pytest.raises(ConfigError) as raised:
        WebConfig.from_settings(Settings(home=Path("/nonexistent")),
                                env={"ELICENCE_CHALLENGE": "maybe"})
    assert raised.value.message == ("ELICENCE_CHALLENGE must be required, preferred or off, "
                                    "not 'maybe'.")


def test_web_config_carries_the_table() -> None:
    config = WebConfig.from_settings(Settings(home=Path("/nonexistent"), extra={
        "challenge": "required", "counter_policies": {"tax-3": {"challenge": "off"}}}), env={})
    assert config.challenge == ChallengePolicy.REQUIRED
    assert config.counter_policies["tax-3"].challenge == ChallengePolicy.OFF


def test_cli_counter_selects_its_configured_policy(world: World, tmp_path: Path) -> None:
    env = make_home(world, tmp_path / "home", synced_at=int(time.time()) + 3600)
    config = tmp_path / "home" / "config.json"
    settings = json.loads(config.read_text())
    config.write_text(json.dumps({**settings, "counter_policies": {
        "tax-3": {"accept_types": ["business"]}, "sh-1": {"accept_regions": ["31"]}}}))
    runner = CliRunner()

    def run(*args: str, **more_env: str):  # type: ignore[no-untyped-def]
        return runner.invoke(main, ["verify", "--no-sync", *args, world.qr["good"]],
                             env={**env, **more_env})

    refused = run("--counter", "tax-3")
    assert refused.exit_code == 3, refused.output
    assert "under counter tax-3's policy" in refused.stdout
    assert run("--counter", "sh-1").exit_code == 0
    assert run().exit_code == 0  # test-counter (ELICENCE_COUNTER_ID): no entry, no policy
    # The installation's policy (environment) applies to counters without an entry only.
    assert run("--counter", "sh-1", ELICENCE_ACCEPT_REGIONS="44").exit_code == 0
    assert run(ELICENCE_ACCEPT_REGIONS="44").exit_code == 3
    # An option given on the command line replaces that part of the counter's policy.
    assert run("--counter", "tax-3", "--accept-type", "driving").exit_code == 0

    config.write_text(json.dumps({**settings, "counter_policies": {"tax 3": {}}}))
    broken = run("--counter", "tax-3")
    assert broken.exit_code == 1
    assert "counter_policies: 'tax 3' is not a counter id." in broken.output
    assert "Traceback" not in broken.output
