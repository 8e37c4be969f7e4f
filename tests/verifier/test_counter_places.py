"""config.json's "counters" table (verifier.counters): each token's counter's names and
place over the installation's, and each configuration mistake refused at start-up with one
sentence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from chain.config import ConfigError, Settings
from verifier.alerts import CounterPlace
from verifier.counters import CounterProfile, CounterProfiles
from verifier.receipts import Counter
from verifier.web import WebConfig

HALL = {"counter_id": "hall", "counter_name_zh": "浦东服务大厅",
        "counter_name_en": "Pudong service hall", "counter_region": "310115",
        "counter_latitude": "31.2304", "counter_longitude": "121.4737"}


def config(table: Any, **installation: str) -> WebConfig:
    return WebConfig.from_settings(Settings(home=Path("/nonexistent"), extra={
        **HALL, **installation, "counters": table}), env={})


def profiles(table: Any) -> CounterProfiles:
    made = config(table)
    assert made.place is not None
    return CounterProfiles(CounterProfile(made.counter, made.place), dict(made.counters))


def test_an_entry_names_and_places_its_counter() -> None:
    got = profiles({"bj-desk": {"name_zh": "北京窗口", "name_en": "Beijing desk",
                                "region": "110101", "latitude": 39.9042,
                                "longitude": 116.4074}})
    desk = got.of("bj-desk")
    assert desk.counter == Counter("bj-desk", "北京窗口", "Beijing desk")
    assert desk.place == CounterPlace("bj-desk", "110101", 39.9042, 116.4074)


def test_what_an_entry_leaves_out_is_the_installations() -> None:
    got = profiles({"tax-3": {"name_en": "Tax window"},
                    "hz-1": {"region": "330106"}})
    assert got.of("tax-3").counter == Counter("tax-3", "浦东服务大厅", "Tax window")
    assert got.of("tax-3").place == CounterPlace("tax-3", "310115", 31.2304, 121.4737)
    # a place is taken whole: a region of its own never keeps the hall's coordinates
    assert got.of("hz-1").place == CounterPlace("hz-1", "330106")
    # a token's counter without an entry: the hall's names and place, under its own id
    assert got.of("bank-9").counter == Counter("bank-9", "浦东服务大厅", "Pudong service hall")
    assert got.of("bank-9").place == CounterPlace("bank-9", "310115", 31.2304, 121.4737)
    assert got.of(None).counter.id == "hall"


def test_no_table_means_every_counter_is_the_installations() -> None:
    assert config(None).counters == {}


@pytest.mark.parametrize(("table", "says"), [
    ({"tax-3": {"region": "Zhejiang"}},
     "counters.tax-3.region must be a region code of 2, 4 or 6 digits (such as 310115), "
     "not 'Zhejiang'."),
    ({"tax-3": {"latitude": 30.27}},
     "counters.tax-3.latitude and counters.tax-3.longitude go together: set both or "
     "neither."),
    ({"tax-3": {"latitude": 95, "longitude": 120.1}},
     "counters.tax-3.latitude must be given in degrees between -90 and 90"),
    ({"tax-3": {"latitude": 30.2, "longitude": "east"}},
     "counters.tax-3.longitude must be given in degrees between -180 and 180"),
    ({"tax-3": {"latitude": True, "longitude": 120.1}},
     "counters.tax-3.latitude must be given in degrees between -90 and 90"),
    ({"tax-3": {"name_zh": ""}},
     "counters.tax-3.name_zh must be text of 1 to 64 characters, not ''."),
    ({"tax-3": {"name_en": 7}},
     "counters.tax-3.name_en must be text of 1 to 64 characters, not 7."),
    ({"tax-3": {"accept_types": ["business"]}},
     "counters.tax-3.accept_types is not a counter setting; use name_zh, name_en, region, "
     "latitude, longitude (what it accepts goes in counter_policies)."),
    ({"Tax 3": {}}, "counters: 'Tax 3' is not a counter id. A counter id is 1 to 64 "
     "lower-case letters, digits and hyphens, starting with a letter or digit."),
    ({"tax-3": "Tax window"}, "counters.tax-3 must be an object with any of name_zh, "),
    (["tax-3"], "counters must be an object from counter ids to their names and places"),
])
def test_each_mistake_is_one_sentence_at_start_up(table: Any, says: str) -> None:
    with pytest.raises(ConfigError) as raised:
        config(table)
    assert raised.value.message.startswith(says)
    assert "\n" not in raised.value.message


def test_the_installations_own_place_keeps_its_variable_names() -> None:
    with pytest.raises(ConfigError) as raised:
        config(None, counter_region="Shanghai")
    assert raised.value.message.startswith("ELICENCE_COUNTER_REGION must be a region code")
    with pytest.raises(ConfigError) as raised:
        config(None, counter_latitude="", counter_longitude="121.5")
    assert raised.value.message.startswith("ELICENCE_COUNTER_LATITUDE must be given in "
                                           "degrees")
