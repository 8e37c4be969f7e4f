"""Who sent a request, as the alert detectors count clients: the identity the request
budget charged (set by the app's front layer, elicence.limits: an authenticated counter as
"counter:<id>", else the client a trusted proxy names, IPv6 as its /64), else the peer.
Behind a proxy the peer is the proxy, so the detectors would count every client as one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

REQUESTER = "elicence.requester"  # the WSGI environ key the front layer sets
# The counter id a valid counter token proved, set by the same layer and nothing else: a
# header cannot write a WSGI environ key, so a request without a valid token has none here.
COUNTER = "elicence.counter"


def requester(environ: Mapping[str, Any]) -> str | None:
    return environ.get(REQUESTER) or environ.get("REMOTE_ADDR")


def counter(environ: Mapping[str, Any]) -> str | None:
    """The authenticated counter whose policy applies (verifier.counter_policy), if any."""
    return environ.get(COUNTER)
