"""Shared rows, constants and a deterministic byte source for tests/licence."""

from __future__ import annotations

import hashlib

NOW = 1_770_000_000
YEAR = 365 * 86400

DRIVING_ROW = {
    "family_name": "欧阳", "given_name": "慧敏", "birth_date": "1988-11-30",
    "licence_number": "310115198811304527", "vehicle_classes": "C1, D",
    "issue_date": "2021-06-15", "expiry_date": "2031-06-15", "sex": "F", "nationality": "CHN",
    "address": "上海市浦东新区张江镇碧波路六百九十号",
}
BUSINESS_ROW = {
    "credit_code": "91350100M000100Y43", "company_name": "福州示例科技有限公司",
    "legal_representative": "陈明", "company_type": "有限责任公司（自然人投资或控股）",
    "registered_capital": "500万元人民币", "established_date": "2015-03-02",
    "business_scope": "软件开发；信息技术咨询服务", "address": "福建省福州市鼓楼区五四路1号",
}


def counter_bytes(label: bytes):
    """A deterministic byte source so tests build identical batches every run."""
    state = {"n": 0}

    def take(n: int) -> bytes:
        out = b""
        while len(out) < n:
            out += hashlib.sha256(label + state["n"].to_bytes(8, "big")).digest()
            state["n"] += 1
        return out[:n]

    return take


