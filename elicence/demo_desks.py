"""The demo's two desks, far apart, and the cloned licence they catch (issue 13).

The demo's config.json describes two desks of its installation in the `counters` table
(verifier.counters): one in Shanghai's Pudong, one in Guangzhou's Tianhe, about 1,200 km
apart. Each proves its id with its counter token (elicence.limits_counters), as a desk's own
system would. One licence verified at both within seconds cannot have travelled between
them, so the cloned-licence detector raises its alert and `elicence alerts` lists it beside
the staged failure burst (elicence.demo.stage_alert). Their counter pages, opened from
`elicence counter-token sh-desk --url …`, name the desk in their heading.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

from chain.config import load_settings

# config.json "counters" entries (verifier.counters): names and place of each demo desk.
DESKS: dict[str, dict[str, object]] = {
    "sh-desk": {"name_zh": "上海浦东窗口", "name_en": "Pudong desk, Shanghai",
                "region": "310115", "latitude": 31.2215, "longitude": 121.5440},
    "gz-desk": {"name_zh": "广州天河窗口", "name_en": "Tianhe desk, Guangzhou",
                "region": "440106", "latitude": 23.1247, "longitude": 113.3612},
}


def describe_desks(home: Path, **values: object) -> None:
    """Writes the demo's desks into config.json's `counters` (an operator's other entries
    are kept; the demo's two ids are the demo's), with any other `values` to save."""
    settings = load_settings(home)
    counters = {**(settings.extra.get("counters") or {}), **DESKS}
    settings.with_values(**values, extra={**settings.extra, "counters": counters}).save()


def desk_tokens(home: Path) -> dict[str, str]:
    """Each demo desk's counter token, minted as `elicence counter-token` mints it (kept in
    memory: a token is a password, and the demo's output is often kept in a log)."""
    from verifier.state import StateStore

    from .limits_counters import CounterTokens

    store = StateStore(StateStore.home_url(home))
    try:
        tokens = CounterTokens(store.secret)
        return {desk: tokens.mint(desk) for desk in DESKS}
    finally:
        store.close()


def verify_at_desks(home: Path, api: str, qr: str) -> dict[str, str]:
    """Verifies `qr` at each desk, in turn, through the counter API under `api` (…/api/v1/)
    with the desk's token; returns each desk's verdict. OSError when the API cannot be
    reached or refuses."""
    verdicts = {}
    for desk, token in desk_tokens(home).items():
        request = urllib.request.Request(
            f"{api}verify", data=json.dumps({"qr": qr}).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Counter {token}"})
        with urllib.request.urlopen(request, timeout=60) as answer:
            verdicts[desk] = json.load(answer)["verdict"]
    return verdicts
