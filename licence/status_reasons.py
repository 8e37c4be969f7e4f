"""Why a licence's status changed: the precise reasons the issuer keeps in its own store,
and the one public class (licence.vocabulary.ReasonClass) each maps onto, which is all the
shared chain carries (docs/decisions/0110-roles-and-bounded-powers.md).

Pure data, shared by the issuer (which records the precise reason and sends its class) and
the verifier (which shows the class's words). The integer codes are API, stored for good:
add new ones, never renumber, rename or reuse one.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import LicenceError
from .vocabulary import ReasonClass


@dataclass(frozen=True)
class StatusReason:
    code: int  # in the issuer's store only
    name: str  # what the command line takes
    en: str
    zh: str
    public_class: ReasonClass  # what goes on chain


@dataclass(frozen=True)
class ClassWords:
    code: int
    name: str
    en: str
    zh: str


REASONS: tuple[StatusReason, ...] = (
    StatusReason(0, "unspecified", "No reason given", "未说明原因", ReasonClass.OTHER),
    StatusReason(1, "lost", "Lost", "遗失", ReasonClass.LOST_OR_STOLEN),
    StatusReason(2, "stolen", "Stolen", "被盗", ReasonClass.LOST_OR_STOLEN),
    StatusReason(3, "damaged", "Damaged", "损毁", ReasonClass.REPLACED),
    StatusReason(4, "renewed", "Renewed", "有效期满换证", ReasonClass.REPLACED),
    StatusReason(5, "replaced", "Replaced", "补换证", ReasonClass.REPLACED),
    StatusReason(6, "court_order", "Court order", "法院裁定", ReasonClass.WITHDRAWN),
    StatusReason(7, "points_limit", "Penalty points limit reached", "累积记分达到上限",
                 ReasonClass.WITHDRAWN),
    StatusReason(8, "medical", "Medical grounds", "身体条件不符合要求", ReasonClass.WITHDRAWN),
    StatusReason(9, "holder_deceased", "Holder deceased", "持证人死亡", ReasonClass.OTHER),
    StatusReason(10, "business_closed", "Business closed", "企业注销", ReasonClass.SURRENDERED),
    StatusReason(11, "issued_in_error", "Issued in error", "错误签发", ReasonClass.WITHDRAWN),
    StatusReason(12, "fraud", "Obtained by fraud", "以欺骗手段取得", ReasonClass.WITHDRAWN),
    StatusReason(13, "administrative", "Administrative decision", "行政决定",
                 ReasonClass.WITHDRAWN),
)

# The words for each public class, as verifiers show them.
CLASS_WORDS: dict[ReasonClass, ClassWords] = {
    ReasonClass.OTHER: ClassWords(0, "other", "Other reason", "其他原因"),
    ReasonClass.LOST_OR_STOLEN: ClassWords(1, "lost_or_stolen", "Lost or stolen", "遗失或被盗"),
    ReasonClass.REPLACED: ClassWords(2, "replaced", "Replaced", "已换发"),
    ReasonClass.SURRENDERED: ClassWords(3, "surrendered", "Surrendered", "已交回注销"),
    ReasonClass.WITHDRAWN: ClassWords(4, "withdrawn", "Withdrawn by the issuing authority",
                                      "发证机关撤销"),
    ReasonClass.COUNCIL_WITHDRAWN: ClassWords(5, "council_withdrawn",
                                              "Withdrawn by the registry council", "理事会撤销"),
}

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
    """The words for a precise reason code from the issuer's store; codes added later show as
    their number."""
    return BY_CODE.get(code) or StatusReason(code, f"reason_{code}", f"Reason {code}",
                                             f"原因 {code}", ReasonClass.OTHER)


def public_class(code: int) -> ReasonClass:
    """The class written on chain for a precise reason code."""
    return describe(code).public_class


def describe_class(code: int) -> ClassWords:
    """The words for a reason class read from the chain; classes added later show as their
    number."""
    try:
        return CLASS_WORDS[ReasonClass(code)]
    except ValueError:
        return ClassWords(code, f"class_{code}", f"Reason class {code}", f"原因类别 {code}")
