"""Precise status reasons stay in the issuer's store; only their public class goes on chain."""

from __future__ import annotations

import pytest

from licence.status_reasons import REASONS, describe_class, public_class, status_reason
from licence.vocabulary import ReasonClass

# Precise reasons that say something personal about the holder: none may be public.
SENSITIVE = ("court_order", "points_limit", "medical", "holder_deceased", "fraud")


def test_every_precise_reason_maps_onto_a_class_an_authority_may_send() -> None:
    for reason in REASONS:
        assert reason.public_class in ReasonClass
        assert reason.public_class is not ReasonClass.COUNCIL_WITHDRAWN


@pytest.mark.parametrize("name", SENSITIVE)
def test_sensitive_reasons_are_indistinguishable_on_chain(name: str) -> None:
    # Each lands in a class shared with other, non-personal reasons.
    cls = status_reason(name).public_class
    others = [r for r in REASONS if r.public_class is cls and r.name not in SENSITIVE]
    assert others, f"{name} is the only reason in class {cls.name}"


@pytest.mark.parametrize(("name", "expected"), [
    ("lost", ReasonClass.LOST_OR_STOLEN), ("stolen", ReasonClass.LOST_OR_STOLEN),
    ("renewed", ReasonClass.REPLACED), ("replaced", ReasonClass.REPLACED),
    ("business_closed", ReasonClass.SURRENDERED), ("medical", ReasonClass.WITHDRAWN),
    ("fraud", ReasonClass.WITHDRAWN), ("unspecified", ReasonClass.OTHER),
])
def test_the_mapping_table(name: str, expected: ReasonClass) -> None:
    assert public_class(status_reason(name).code) is expected


def test_classes_read_from_the_chain_have_words() -> None:
    assert describe_class(5).en == "Withdrawn by the registry council"
    assert describe_class(1).zh == "遗失或被盗"
    assert describe_class(77).name == "class_77"
