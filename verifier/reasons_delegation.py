"""Sentences for the reasons of an agent's live code (verifier.checks.delegation and the
licence package's delegation decode errors), merged into verifier.reasons.MESSAGES."""

from __future__ import annotations

DELEGATION_MESSAGES: dict[str, tuple[str, str]] = {
    "delegation_valid": (
        "Presented by an authorised agent on behalf of the holder, until {until}.",
        "由持证人授权的代理人出示，授权至 {until}。"),
    "delegation_malformed": (
        "The agent's authorisation in the code is damaged; ask the agent to show the code "
        "again.", "二维码中的代理授权已损坏，请代理人重新出示。"),
    "delegation_signature_invalid": (
        "The holder's authorisation of this agent was altered or forged; do not accept it.",
        "持证人对代理人的授权被改动或伪造，请勿受理。"),
    "delegate_key_mismatch": (
        "The holder authorised another phone, not the one showing this code; do not accept it.",
        "持证人授权的是另一部手机，而不是出示此码的手机，请勿受理。"),
    "delegation_claims_exceeded": (
        "The agent shows more than the holder allowed ({claims}); do not accept it.",
        "代理人出示的内容超出持证人授权范围（{claims}），请勿受理。"),
    "delegation_expired": (
        "The holder's authorisation of this agent ended on {until}; the holder must "
        "authorise again.", "持证人对该代理人的授权已于 {until} 到期，需由持证人重新授权。"),
    "delegation_revoked": (
        "The holder has withdrawn this agent's authorisation; do not accept it.",
        "持证人已撤销对该代理人的授权，请勿受理。"),
    "redelegation_refused": (
        "The agent passed the licence on to someone else, which is not allowed; the holder "
        "must authorise this person directly.",
        "代理人将证照转授他人，这是不允许的；须由持证人直接授权此人。"),
    "delegation_revocation_unknown": (
        "Whether the holder withdrew this agent's authorisation cannot be checked here; "
        "verify the code at a counter of the installation.",
        "此处无法确认持证人是否已撤销授权，请在柜台核验系统中核验。"),
}
