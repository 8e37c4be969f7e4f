"""Requests held for approval, and their one-way states. Each transition is one
compare-and-set in the store, so two approvers, or an approver and a crash, cannot run a
request twice: only the process that moved it to `running` (or finds it left `running` by a
crash) runs it, and the jobs it runs resume rather than repeat."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select, update

from issuer.errors import RequestError
from issuer.store import ApprovalRequest, Store

PENDING, APPROVED, REJECTED, RUNNING, DONE = "pending", "approved", "rejected", "running", "done"


def digest(request: ApprovalRequest) -> bytes:
    """What an approver signs: the authority, action, parameters and summary."""
    body = {"authority": request.authority_id, "action": request.action, "id": request.id,
            "params": request.params, "summary": request.summary,
            "requested_by": request.requested_by}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":"),
                                     ensure_ascii=False).encode()).digest()


def create(store: Store, authority_id: str, action: str, params: dict[str, Any],
           summary: dict[str, Any], *, by: str, now: int) -> ApprovalRequest:
    with store.session() as s:
        request = ApprovalRequest(authority_id=authority_id, action=action, params=params,
                                  summary=summary, state=PENDING, requested_by=by,
                                  requested_at=now)
        s.add(request)
    return request


def get(store: Store, authority_id: str, request_id: int) -> ApprovalRequest:
    with store.session() as s:
        request = s.get(ApprovalRequest, request_id)
    if request is None or request.authority_id != authority_id:
        raise RequestError(f"{authority_id} has no request {request_id}: see `elicence "
                           "requests list`.", reason="request_unknown")
    return request


def list_requests(store: Store, authority_id: str, *,
                  states: tuple[str, ...] = ()) -> list[ApprovalRequest]:
    query = select(ApprovalRequest).where(ApprovalRequest.authority_id == authority_id)
    if states:
        query = query.where(ApprovalRequest.state.in_(states))
    with store.session() as s:
        return list(s.scalars(query.order_by(ApprovalRequest.id)))


def _move(store: Store, request: ApprovalRequest, from_states: tuple[str, ...], to: str,
          **values: Any) -> bool:
    with store.session() as s:
        result = s.execute(update(ApprovalRequest).where(
            ApprovalRequest.id == request.id, ApprovalRequest.state.in_(from_states))
            .values(state=to, **values))
        return result.rowcount == 1


def approve(store: Store, request: ApprovalRequest, *, by: str, signature: bytes,
            now: int) -> None:
    if by == request.requested_by:
        raise RequestError(f"{by} made request {request.id} and cannot approve it too: a "
                           "second operator must.", reason="same_operator")
    if not _move(store, request, (PENDING,), APPROVED, decided_by=by, decided_at=now,
                 signature=signature):
        _not_pending(store, request, "approved")


def reject(store: Store, request: ApprovalRequest, *, by: str, now: int) -> None:
    if not _move(store, request, (PENDING,), REJECTED, decided_by=by, decided_at=now):
        _not_pending(store, request, "rejected")


def start(store: Store, request: ApprovalRequest) -> None:
    """approved → running; a request left `running` by a crash is taken up again."""
    if _move(store, request, (APPROVED,), RUNNING):
        return
    current = get(store, request.authority_id, request.id).state
    if current == RUNNING:
        return  # interrupted before: its jobs resume
    if current == DONE:
        raise RequestError(f"Request {request.id} has already run: nothing is done twice.",
                           reason="request_done")
    raise RequestError(f"Request {request.id} is {current}: it runs only once approved.",
                       reason="request_not_approved")


def finish(store: Store, request: ApprovalRequest, *, now: int) -> None:
    _move(store, request, (RUNNING,), DONE, finished_at=now)


def _not_pending(store: Store, request: ApprovalRequest, verb: str) -> None:
    state = get(store, request.authority_id, request.id).state
    raise RequestError(f"Request {request.id} is {state}, not pending: only a pending request "
                       f"can be {verb}.", reason="request_not_pending")
