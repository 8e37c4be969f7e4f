"""Unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters, last is a check."""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_character(first17: str) -> str:
    total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def problem(code: str) -> tuple[str, str] | None:
    """Returns (problem code, detail) if `code` is not a valid credit code, else None."""
    if len(code) != 18:
        return "length", f"has {len(code)} characters instead of 18"
    if any(c not in _VALUE for c in code):
        return "character", "contains characters not used in credit codes"
    if not code[2:8].isdigit():
        return "pattern", "characters 3 to 8 must be the digits of a region code"
    if check_character(code[:17]) != code[17]:
        return "check_digit", "the check character does not match (mistyped?)"
    return None


def region(code: str) -> str:
    """The registration authority's division code (characters 3-8) of a valid code."""
    return code[2:8]
