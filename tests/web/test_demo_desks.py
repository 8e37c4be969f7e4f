"""The demo's two desks (elicence/demo_desks.py): written into config.json beside an
operator's entries, and, over a real app served on 127.0.0.1, one licence verified at both
through the HTTP API with their counter tokens is a cloned licence (issue 13's detector),
the alert `scripts/demo` stages beside the failure burst."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chain.config import Settings
from elicence.demo_desks import DESKS, describe_desks, verify_at_desks
from tests.support.serving import serving
from verifier.alerts import AlertKind, CounterPlace
from verifier.counters import CounterProfile, counter_profiles
from verifier.receipts import Counter

from ..verifier.world import World
from .conftest import world_app

pytestmark = pytest.mark.timeout(120)


def test_the_demo_describes_its_desks_beside_an_operators(tmp_path: Path) -> None:
    home = tmp_path / "home"
    Settings(home=home, extra={"rate_limit": "off",
                               "counters": {"tax-3": {"name_en": "Tax window"}}}).save()
    describe_desks(home, public_url="https://127.0.0.1:8443")
    saved = json.loads((home / "config.json").read_text(encoding="utf-8"))
    assert saved["counters"] == {"tax-3": {"name_en": "Tax window"}, **DESKS}
    assert saved["public_url"] == "https://127.0.0.1:8443"
    assert saved["rate_limit"] == "off"
    # The table is one the server starts with: each desk in its own province.
    hall = CounterProfile(Counter("hall"), CounterPlace("hall"))
    places = {desk: profile.place for desk, profile in
              counter_profiles(saved["counters"], hall).items()}
    assert (places["sh-desk"].province, places["gz-desk"].province) == ("31", "44")


def test_one_licence_at_both_demo_desks_is_a_cloned_licence(web_world: World,
                                                            tmp_path: Path) -> None:
    app = world_app(web_world, tmp_path / "home", rate_limit="off",
                    alert_flush_interval="86400",  # flushed below, when the test chooses
                    **{"counters": DESKS})  # type: ignore[arg-type]
    service = app.extensions["elicence.verifier"]
    with serving(app) as running:  # closes the service after
        verdicts = verify_at_desks(service.config.home, f"{running.url}/api/v1/",
                                   web_world.qr["good"])
        raised = service.alerts.flush(web_world.now)
    assert verdicts == {"sh-desk": "valid", "gz-desk": "valid"}
    assert [a.kind for a in raised] == [AlertKind.CLONED_LICENCE]
    evidence = raised[0].evidence
    assert [s["counter"] for s in evidence["sightings"]] == ["gz-desk", "sh-desk"]
    assert {s["region"] for s in evidence["sightings"]} == {"310115", "440106"}
    assert 1100 < evidence["distance_km"] < 1300
