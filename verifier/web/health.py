"""GET /healthz: is this replica's status index fresh enough to answer, by the one rule
(chain.status.index_freshness), and is the chain reachable (from the follower's last
round, without asking the node)."""

from __future__ import annotations

from flask import jsonify

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
    policy = verifier.config.policy
    freshness = policy.freshness(state, now)
    lag_blocks = None
    if state is not None and follower.chain_head is not None:
        lag_blocks = max(0, follower.chain_head - state.block_number)
    body = {
        "status": "ok" if freshness.fresh else "stale",
        "reason": freshness.reason,
        "chain_reachable": reachable,
        "last_sync": follower.last_success if state is None else state.synced_at,
        "last_attempt": follower.last_attempt,
        "sync_error": follower.error,
        "witnesses_unreachable": follower.witnesses_unreachable,
        "index": None if state is None else {
            "block": state.block_number, "block_hash": "0x" + state.block_hash.hex(),
            "block_time": state.block_time, "head_age": freshness.head_age,
            "synced_at": state.synced_at, "lag_blocks": lag_blocks,
            "lag_seconds": freshness.age, "checked_at": state.checked_at,
            "checked_block": state.checked_block, "problem": state.problem},
        "max_staleness": policy.max_staleness,
        "max_head_age": policy.max_head_age,
    }
    return jsonify(body), 200 if freshness.fresh else 503
