"""Reason codes of verification checks, with the sentence counter staff read (en and zh).

Reason codes are API (the JSON result, logs, the counter page): add codes, never rename
or reuse one. Decode failures pass the `licence` package's own reason codes through
unchanged; the ones a counter is likely to see have a sentence here, and any other falls
back to the licence error's own message.

Messages may name values from the check's `details` ({until}, {successor}, ...).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .reasons_delegation import DELEGATION_MESSAGES

MESSAGES: dict[str, tuple[str, str]] = {
    # -- internal
    "internal_error": (
        "This check failed to run because of a fault in the verifier; try again or report it.",
        "核验程序内部出错，本项无法完成，请重试或报告。"),
    "not_run": (
        "Not checked, because an earlier check failed.",
        "因前面的检查未通过，本项未检查。"),
    "not_applicable": (
        "Not needed for this kind of code.",
        "此类二维码无需本项检查。"),
    # -- limits
    "within_limits": ("The code is within the format's size limits.", "二维码大小符合规范。"),
    "input_not_text": (
        "The scanned content is not text; scan the licence's QR code.",
        "扫描内容不是文本，请扫描证照上的二维码。"),
    "input_empty": ("Nothing was scanned; scan the licence's QR code.",
                    "未读取到内容，请扫描证照上的二维码。"),
    "input_not_ascii": (
        "The code contains characters no licence QR code has; it is not an electronic licence.",
        "二维码含有证照不会出现的字符，不是电子证照。"),
    "text_too_long": (
        "The code is far longer than any licence; it is not an electronic licence.",
        "二维码内容过长，不是有效的电子证照。"),
    # -- decode (ours, then the licence package's reason codes)
    "decoded": ("The code was read as an electronic licence.", "已识别为电子证照。"),
    "prefix_unknown": (
        "This QR code is not an electronic licence (it should start with ELC1: or ELP1:).",
        "二维码不是电子证照，请扫描证照上的二维码。"),
    "base45_invalid": ("The code is damaged; scan it again.", "二维码内容已损坏，请重新扫描。"),
    "zlib_invalid": ("The code is damaged; scan it again.", "二维码内容已损坏，请重新扫描。"),
    "cbor_invalid": ("The code is damaged; scan it again.", "二维码内容已损坏，请重新扫描。"),
    "cbor_not_canonical": (
        "The code's data is not in the exact form licences use; it was altered.",
        "二维码数据格式不规范，可能已被改动。"),
    "cbor_too_deep": ("The code's data nests too deeply; it is not a licence.",
                      "二维码数据结构异常，不是电子证照。"),
    "cbor_too_many_items": ("The code's data has too many parts; it is not a licence.",
                            "二维码数据项过多，不是电子证照。"),
    "decompressed_too_large": ("The code's data expands far too large; it is not a licence.",
                               "二维码数据解压后过大，不是电子证照。"),
    "structure_invalid": ("The code does not have the fields of a licence; it is damaged.",
                          "二维码缺少证照应有的内容，已损坏。"),
    "header_invalid": ("The licence's signed header is malformed.", "证照签名头格式错误。"),
    "algorithm_unsupported": ("The licence is signed with an unsupported algorithm.",
                              "证照使用了不支持的签名算法。"),
    "licence_type_unknown": ("This verifier does not know the licence type.",
                             "本核验程序不支持该证照类型。"),
    "claim_unknown": ("The licence carries a field its type does not have.",
                      "证照含有该类型不应有的字段。"),
    "claim_invalid": ("A field of the licence has the wrong form.", "证照某字段格式错误。"),
    "claims_incomplete": ("The licence lacks required fields.", "证照缺少必需字段。"),
    "too_many_claims": ("The licence shows more fields than the format allows.",
                        "证照字段数量超出规范。"),
    "proof_too_deep": ("The licence's batch proof is longer than the format allows.",
                       "证照的批次证明超出规范长度。"),
    "bound_licence_not_live": (
        "This is a phone-bound licence copy; ask the holder to show the live code from their "
        "wallet.", "这是绑定手机的证照副本，请持证人出示电子钱包中的动态二维码。"),
    # -- signature
    "signature_valid": ("Signed by the issuing authority's registered key.",
                        "签名有效：由发证机关登记的密钥签发。"),
    "signature_invalid": (
        "The signature does not match: the licence was altered or not issued by this authority.",
        "签名无效：该证照已被篡改或并非由该机关签发。"),
    "key_unknown": (
        "The authority has no registered signing key with this number; the licence is not "
        "genuine.", "发证机关没有登记该编号的签名密钥，证照不可信。"),
    "key_not_indexed": (
        "The signing key is not in the local index yet and the index could not be updated; "
        "try again when the network is back.",
        "本地索引中暂无该签名密钥且无法更新，请网络恢复后重试。"),
    "key_invalid": ("The registered signing key is not a valid P-256 or SM2 key.",
                    "登记的签名密钥无效。"),
    "algorithm_mismatch": (
        "The licence names a different signature algorithm than the one registered for its "
        "key (ES256 or SM2); it is forged or damaged.",
        "证照声明的签名算法与其密钥登记的算法（ES256 或 SM2）不符，证照系伪造或已损坏。"),
    "proof_invalid": ("The licence does not fit its batch; it was altered.",
                      "证照与所属批次不符，可能已被篡改。"),
    "leaf_index_out_of_range": ("The licence's position in its batch is impossible; it is "
                                "damaged.", "证照在批次中的位置无效，已损坏。"),
    "claims_proof_invalid": ("The disclosed fields do not fit what was issued; they were "
                             "altered.", "所披露的信息与签发内容不符，可能已被篡改。"),
    # -- merkle_proof (anchoring)
    "root_anchored": ("The licence's batch is recorded on the chain by its authority.",
                      "证照所属批次已由发证机关登记上链。"),
    "root_not_anchored": (
        "The licence's batch is not recorded on the chain; it was never issued (or is not "
        "issued yet).", "证照所属批次未在链上登记，证照未正式签发。"),
    "root_anchored_by_other_authority": (
        "The licence's batch was recorded by a different authority than the one that signed "
        "it; it is not genuine.", "证照批次由其他机关登记，与签发机关不符，证照不可信。"),
    "root_not_indexed": (
        "The licence's batch is not in the local index yet and the index could not be "
        "updated; try again when the network is back.",
        "本地索引中暂无该批次且无法更新，请网络恢复后重试。"),
    "batch_type_mismatch": ("The batch was recorded for another licence type; the licence is "
                            "not genuine.", "批次登记的证照类型不符，证照不可信。"),
    "batch_not_found": ("The licence's batch is not in the local index, so this cannot be "
                        "checked.", "本地索引中找不到证照所属批次，无法检查本项。"),
    # -- accreditation
    "authority_accredited": ("The authority was accredited for this licence type when it "
                             "issued the licence.", "发证时该机关具有签发此类证照的资格。"),
    "authority_not_accredited": (
        "The authority was not accredited for this licence type when the batch was recorded.",
        "登记批次时该机关不具有签发此类证照的资格。"),
    "authority_suspended_grace": (
        "Valid, but the council has suspended the issuing authority: licences it issued before "
        "stay valid until {until}; ask the holder to have it reissued by the authority taking "
        "over.", "有效，但发证机关已被监管委员会暂停：此前签发的证照在 {until} 前有效，"
        "请持证人向接管机关申请换发。"),
    "authority_suspended": (
        "The council has suspended the issuing authority and the period in which its licences "
        "stayed valid has ended; the licence is no longer accepted.",
        "发证机关已被监管委员会暂停，其证照的过渡有效期已结束，该证照不再有效。"),
    # -- scope
    "within_scope": ("The licence's region is within the authority's jurisdiction.",
                     "证照所属地区在发证机关的管辖范围内。"),
    "authority_out_of_scope": (
        "The licence's region ({region}) is outside the issuing authority's jurisdiction; "
        "the authority could not issue it.",
        "证照所属地区（{region}）不在发证机关的管辖范围内，该机关无权签发。"),
    "scope_removed_grace": (
        "Valid, but the council has withdrawn the authority's jurisdiction over region "
        "{region}: licences issued there before stay valid until {until}.",
        "有效，但监管委员会已撤销发证机关对地区 {region} 的管辖资格：此前签发的证照在 "
        "{until} 前有效。"),
    "scope_removed": (
        "The council has withdrawn the authority's jurisdiction over region {region} and the "
        "period in which its licences stayed valid has ended.",
        "监管委员会已撤销发证机关对地区 {region} 的管辖资格，过渡有效期已结束。"),
    # -- withdrawal
    "not_withdrawn": ("Not withdrawn by the council.", "未被监管委员会撤销。"),
    "council_withdrawn": (
        "The oversight council withdrew this licence on {since}; it is void.",
        "监管委员会已于 {since} 撤销该证照，证照无效。"),
    # -- key_window
    "key_valid_at_anchoring": ("The signing key was valid when the batch was recorded.",
                               "登记批次时签名密钥有效。"),
    "key_not_yet_valid": ("The batch was recorded before the signing key's validity began.",
                          "登记批次时签名密钥尚未生效。"),
    "key_expired": ("The batch was recorded after the signing key's validity ended.",
                    "登记批次时签名密钥已过期。"),
    "key_compromised": (
        "The signing key was reported compromised before this batch was recorded; the licence "
        "cannot be trusted.", "签名密钥在登记该批次前已被报告泄露，证照不可信。"),
    # -- status
    "status_active": ("Not revoked or suspended.", "未被吊销或暂扣。"),
    "status_reinstated": ("Active again after a suspension.", "暂扣已解除，证照恢复有效。"),
    "suspension_ended": ("A suspension has ended; the licence is active.",
                         "暂扣期已结束，证照有效。"),
    "revoked": ("The licence has been revoked by its authority (reason: {why}).",
                "该证照已被发证机关吊销（原因：{why_zh}）。"),
    "copy_revoked": (
        "This phone's copy of the licence has been withdrawn by its authority (reason: {why}); "
        "the licence itself may still be valid: ask for the printed licence.",
        "此手机上的证照副本已被发证机关停用（原因：{why_zh}）；证照本身可能仍有效，请查看纸质证照。"),
    "suspended": ("The licence is suspended until {until} (reason: {why}).",
                  "该证照已被暂扣，至 {until}（原因：{why_zh}）。"),
    "superseded": (
        "The licence was replaced by a newer one; ask the holder for the current licence.",
        "该证照已被新证照取代，请持证人出示最新证照。"),
    "status_index_stale": (
        "The revocation list could not be updated recently enough (last update {age}); check "
        "again when the network is back.",
        "吊销信息未能及时更新（上次更新：{age}），请网络恢复后再核验。"),
    "status_code_unknown": ("The index holds a status code ({code}) this verifier does not "
                            "know; update the verifier.",
                            "索引中的证照状态代码（{code}）无法识别，请更新核验程序。"),
    "status_index_empty": (
        "This verifier has no copy of the chain's records yet; connect it to the network.",
        "本核验终端尚无链上记录，请连接网络后重试。"),
    # Cannot confirm: the chain node's answers cannot be trusted to be current
    # (chain.status.index_freshness; docs/verifying.md "Cannot confirm").
    "status_head_stale": (
        "The newest chain record this counter received is too old (made {head_age}); the "
        "revocation list may be out of date. Check the counter's network, then verify again; "
        "if it persists, ask the holder to come back later.",
        "本柜台收到的最新链上记录已过旧（生成于{head_age}），吊销信息可能未更新。请检查柜台网络后"
        "重新核验；如仍无法确认，请持证人稍后再来。"),
    "status_index_inconsistent": (
        "The chain node's records do not add up (a status change may be missing), so this "
        "cannot be confirmed. Do not accept the licence now; report it to the verifier's "
        "administrator or call the issuing authority.",
        "链节点返回的记录不完整（可能缺少状态变更），无法确认。请暂不受理，并报告核验系统管理员"
        "或致电发证机关。"),
    "status_nodes_disagree": (
        "The chain nodes this counter asks disagree about the chain, so this cannot be "
        "confirmed. Do not accept the licence now; report it to the verifier's administrator "
        "or call the issuing authority.",
        "本柜台查询的链节点之间记录不一致，无法确认。请暂不受理，并报告核验系统管理员或致电发证机关。"),
    "status_index_unverified": (
        "The revocation list has not been checked against the chain recently; check the "
        "counter's network and verify again, or ask the holder to come back later.",
        "吊销信息近期未能与链上记录核对。请检查柜台网络后重新核验，或请持证人稍后再来。"),
    # -- validity
    "within_validity": ("Within its validity period.", "在有效期内。"),
    "expired": ("The licence expired on {valid_until}.", "该证照已于 {valid_until} 过期。"),
    "not_yet_valid": ("The licence is not valid before {valid_from}.",
                      "该证照自 {valid_from} 起才生效。"),
    # -- device_binding
    "device_bound": ("Shown from the phone the licence is bound to.", "由证照绑定的手机出示。"),
    "device_key_mismatch": ("The phone showing the code is not the one the licence is bound to.",
                            "出示二维码的手机不是证照绑定的手机。"),
    "device_signature_invalid": ("The live code's signature is invalid; ask the holder to show "
                                 "it again.", "动态二维码签名无效，请持证人重新出示。"),
    # -- freshness
    "presentation_fresh": ("The live code is current.", "动态二维码在有效时间内。"),
    "presentation_stale": ("The live code is more than {max_age} seconds old (a screenshot?); "
                           "ask the holder to refresh it.",
                           "动态二维码已超过 {max_age} 秒（可能是截图），请持证人刷新后重新出示。"),
    "presentation_from_future": (
        "The live code is dated in the future; the phone's clock is wrong, ask the holder to "
        "fix it.", "动态二维码时间异常，请检查手机时间后重新出示。"),
    "challenge_mismatch": ("The live code answers a different challenge; ask the holder to scan "
                           "this counter's challenge again.",
                           "动态二维码对应的验证码不符，请持证人重新扫描本柜台的验证码。"),
    # -- challenge (verifier.checks.challenge)
    "challenge_answered": ("The live code answers this counter's challenge.",
                           "动态二维码已回应本柜台的验证码。"),
    "no_challenge": (
        "No counter challenge was used: the code could be a copy made within the last minute.",
        "未使用柜台验证码：该二维码可能是一分钟内复制的。"),
    "challenge_missing": (
        "This counter requires its challenge: ask the holder to scan or type the code shown "
        "on the counter's screen, then show the new live code.",
        "本柜台要求验证码：请持证人扫描或输入柜台屏幕上的验证码，再出示新的动态二维码。"),
    # -- replay (verifier.checks.replay)
    "first_use": ("The live code was not used before.", "该动态二维码此前未被使用。"),
    "replayed": (
        "This live code was already used (a copy or screenshot?); ask the holder to show a new "
        "one from their wallet.",
        "该动态二维码已被使用过（可能是复制或截图），请持证人在电子钱包中重新出示。"),
    # -- acceptance (verifier.counter_policy): the licence is genuine, the counter declines
    "accepted_here": ("This counter accepts this kind of licence from this authority.",
                      "本柜台受理该机关签发的此类证照。"),
    # {policy_of}: empty under the installation's policy, else names the counter's own.
    "licence_type_not_accepted": (
        "Genuine, but this counter does not accept this kind of licence ({type}){policy_of}; "
        "direct the holder to a counter that handles it.",
        "证照真实有效，但本柜台不受理此类证照（{type_zh}）{policy_of_zh}，"
        "请引导持证人前往相应柜台办理。"),
    "issuer_not_accepted": (
        "Genuine, but this counter does not accept licences issued by {authority} (region "
        "{region}){policy_of}; direct the holder to a counter that handles them.",
        "证照真实有效，但本柜台不受理 {authority}（地区 {region}）签发的证照{policy_of_zh}，"
        "请引导持证人前往相应柜台办理。"),
}

MESSAGES.update(DELEGATION_MESSAGES)


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "?"


def message(reason: str, details: Mapping[str, Any] | None = None,
            fallback: tuple[str, str] | None = None) -> tuple[str, str]:
    """(English, Chinese) sentence for a reason code, with `details` filled in."""
    en, zh = MESSAGES.get(reason) or fallback or (
        f"The check failed ({reason}).", f"检查未通过（{reason}）。")
    values = _Blank(details or {})
    return en.format_map(values), zh.format_map(values)
