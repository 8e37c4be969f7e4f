"""More than 10,000 malformed inputs through the full pipeline: each gives a typed verdict
(unreadable or invalid, with a reason code), none a crash, a hang or a memory blow-up."""

from __future__ import annotations

import random
import re
import resource
import zlib
from collections import Counter
from collections.abc import Iterator

import cbor2
import pytest

from chain.index import LicenceIndex
from licence import LicenceError
from licence._base45 import ALPHABET, b45encode
from licence.qr import decode_text
from verifier import Verifier

from .world import World

pytestmark = pytest.mark.timeout(180)

REASON = re.compile(r"^[a-z][a-z0-9_]*$")


def _b45(prefix: str, data: bytes) -> str:
    return prefix + b45encode(data)


def _same_content(original: str, changed: str) -> bool:
    """A change in the padding bits of a deflate stream's last byte leaves the content (and
    so a valid verdict) unchanged: such a text is not malformed."""
    try:
        return decode_text(changed) == decode_text(original)
    except LicenceError:
        return False


def corpus(world: World, rng: random.Random) -> Iterator[str]:
    valid = [world.qr["good"], world.qr["revoked"], world.live("bound"),
             world.live("bound", disclose=["age_over_18"])]
    for _ in range(1500):  # random bytes as text, with and without a prefix
        raw = rng.randbytes(rng.randrange(0, 600)).decode("latin-1")
        yield rng.choice(["", "ELC1:", "ELP1:"]) + raw
    for _ in range(1500):  # random base45 text
        yield rng.choice(["ELC1:", "ELP1:"]) + "".join(
            rng.choice(ALPHABET) for _ in range(rng.randrange(0, 900)))
    for _ in range(1500):  # random bytes, properly base45-encoded (and some compressed)
        data = rng.randbytes(rng.randrange(1, 700))
        if rng.random() < 0.3:
            data = zlib.compress(data)
        yield _b45(rng.choice(["ELC1:", "ELP1:"]), data)
    for _ in range(2000):  # truncated valid texts
        text = rng.choice(valid)
        yield text[: rng.randrange(0, len(text))]
    for _ in range(3000):  # valid texts with 1-3 characters changed
        original = rng.choice(valid)
        chars = list(original)
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(5, len(chars))
            chars[i] = rng.choice(ALPHABET.replace(chars[i], ""))
        changed = "".join(chars)
        if not _same_content(original, changed):
            yield changed
    for size in range(8_000, 2_000_000, 4_000):  # decompression bombs (up to the text limit)
        yield _b45("ELC1:", zlib.compress(bytes(size), 9))
    for depth in range(1, 200):  # deep nesting: arrays, maps, inside a licence-shaped map
        yield _b45("ELC1:", b"\x81" * depth + b"\x00")
        yield _b45("ELP1:", b"\xa1\x01" * depth + b"\x00")
        yield _b45("ELC1:", b"\xa1\x09" + b"\x81" * depth + b"\x00")
    for n in range(0, 600, 3):  # many items, indefinite lengths, tags, floats
        yield _b45("ELC1:", b"\x99" + n.to_bytes(2, "big") + b"\x00" * n)
        yield _b45("ELC1:", b"\x9f" + b"\x00" * (n % 50) + b"\xff")
        yield _b45("ELC1:", b"\xc1\x1a" + n.to_bytes(4, "big"))
        yield _b45("ELC1:", cbor2.dumps({1: n / 7, 2: [n] * (n % 40)}))
    for _ in range(600):  # licence-shaped maps with random values
        m = {k: rng.choice([0, -1, 2**64 - 1, b"", rng.randbytes(16), "x", [], {}, None, True])
             for k in rng.sample(range(0, 14), rng.randrange(1, 14))}
        yield _b45("ELC1:", cbor2.dumps(m, canonical=True))
    for _ in range(300):  # wrong or mangled prefixes
        body = rng.choice(valid)[5:]
        yield rng.choice(["elc1:", "ELC2:", "ELC1", "ELC1 :", "HC1:", "ELP0:", " ELC1:",
                          "ELC1:ELC1:", "ＥＬＣ１："]) + body
    for _ in range(300):  # non-ASCII text
        yield "ELC1:" + "".join(chr(rng.randrange(0x80, 0x2FFFF)) for _ in range(50))
    for size in (4_297, 10_000, 100_000, 1_000_000):  # oversized
        yield "ELC1:" + "0" * size


def test_malformed_corpus_gives_typed_results(world: World, index: LicenceIndex) -> None:
    verifier = Verifier(index)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    count = 0
    reasons: Counter[str] = Counter()
    for text in corpus(world, random.Random(20261121)):
        result = verifier.verify(text, now=world.now)
        count += 1
        assert result.verdict in {"unreadable", "invalid"}, (text[:80], result.verdict)
        assert result.decided_by is not None and REASON.match(result.decided_by.reason)
        assert all(c.reason != "internal_error" for c in result.checks)
        reasons[result.decided_by.reason] += 1
    assert count >= 10_000
    assert len(reasons) >= 15, reasons  # the corpus reaches many different failure paths
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    assert grown_kib < 200_000
