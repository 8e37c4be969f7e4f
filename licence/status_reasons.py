"""Why a licence's status changed: the `reason` carried by the registry's StatusChanged event.

Pure data, shared by the issuer (which writes the code) and the verifier (which shows the
words). The integer codes are API, stored on chain for good: add new ones, never renumber,
rename or reuse one.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import LicenceError


@dataclass(frozen=True)
class StatusReason:
    code: int  # uint16 on chain
    name: str  # what the command line takes
    en: str
    zh: str


REASONS: tuple[StatusReason, ...] = (
    StatusReason(0, "unspecified", "No reason given", "未说明原因"),
    StatusReason(1, "lost", "Lost", "遗失"),
    StatusReason(2, "stolen", "Stolen", "被盗"),
    StatusReason(3, "damaged", "Damaged", "损毁"),
    StatusReason(4, "renewed", "Renewed", "有效期满换证"),
    StatusReason(5, "replaced", "Replaced", "补换证"),
    StatusReason(6, "court_order", "Court order", "法院裁定"),
    StatusReason(7, "points_limit", "Penalty points limit reached", "累积记分达到上限"),
    StatusReason(8, "medical", "Medical grounds", "身体条件不符合要求"),
    StatusReason(9, "holder_deceased", "Holder deceased", "持证人死亡"),
    StatusReason(10, "business_closed", "Business closed", "企业注销"),
    StatusReason(11, "issued_in_error", "Issued in error", "错误签发"),
    StatusReason(12, "fraud", "Obtained by fraud", "以欺骗手段取得"),
    StatusReason(13, "administrative", "Administrative decision", "行政决定"),
)

BY_CODE: dict[int, StatusReason] = {r.code: r for r in REASONS}
BY_NAME: dict[str, StatusReason] = {r.name: r for r in REASONS}


class UnknownStatusReason(LicenceError):
    reason = "status_reason_unknown"


def status_reason(value: str | int) -> StatusReason:
    """The reason named `value` (a name such as "lost", or its code as a number)."""
    text = str(value).strip().lower().replace("-", "_")
    found = BY_CODE.get(int(text)) if text.isdigit() else BY_NAME.get(text)
    if found is None:
        raise UnknownStatusReason(
            f"Status reason {value!r} is unknown: use one of "
            f"{', '.join(r.name for r in REASONS)} (or its number).")
    return found


def describe(code: int) -> StatusReason:
    """The words for a code read from the chain; codes added later show as their number."""
    return BY_CODE.get(code) or StatusReason(code, f"reason_{code}", f"Reason {code}",
                                             f"原因 {code}")
