"""GET /healthz: is this replica's status index fresh enough to answer, and is the chain
reachable (from the follower's last round, without asking the node)."""

from __future__ import annotations

from flask import jsonify

from chain.status import index_freshness

from ..follower import read_state
from .blueprint import bp, service


@bp.get("/healthz")
def healthz():
    verifier = service()
    now = verifier.now()
    index = verifier.index()
    state = None if index is None else index.as_of()
    follower = read_state(verifier.config.home)
    recent = max(30.0, 5 * verifier.config.follower_interval)
    reachable = (follower.last_attempt is not None and follower.error is None
                 and now - follower.last_attempt <= recent)
    max_age = verifier.config.policy.max_staleness
    freshness = index_freshness(state, now=now, max_age=max_age)
    lag_blocks = None
    if state is not None and follower.chain_head is not None:
        lag_blocks = max(0, follower.chain_head - state.block_number)
    body = {
        "status": "ok" if freshness.fresh else "stale",
        "chain_reachable": reachable,
        "last_sync": follower.last_success if state is None else state.synced_at,
        "last_attempt": follower.last_attempt,
        "sync_error": follower.error,
        "index": None if state is None else {
            "block": state.block_number, "block_time": state.block_time,
            "synced_at": state.synced_at, "lag_blocks": lag_blocks,
            "lag_seconds": freshness.age},
        "max_staleness": max_age,
    }
    return jsonify(body), 200 if freshness.fresh else 503
