"""Licence types as data: a JSON schema per type under licence/schemas/.

A schema is the one place for every fact about a licence type, read by Python and (served
as is) by the wallet's JS: its code and names, its renewal term, the disclosure presets
the wallet offers, and each claim with its small integer CBOR key, its type, whether it is
required, whether it may sensibly be disclosed alone and, for predicates such as
`age_over_18`, how it is derived. It also fixes the shape of the per-licence claims tree
(see docs/decisions/0004-claim-commitment.md). A new licence type is a new file.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from . import credit_code, predicates
from .errors import ClaimsError, FieldError, SchemaError
from .limits import MAX_CLAIMS

ClaimValue = str | bool | dt.date | list[str]
Claims = dict[str, ClaimValue]
Shape = int | tuple["Shape", "Shape"]  # a leaf index, or (left, right)

_TYPES = {"text", "date", "bool", "enum", "list", "credit_code"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def date_to_days(value: dt.date) -> int:
    """Claim dates are carried in CBOR as days since 1970-01-01 (RFC 8943 without the tag)."""
    return value.toordinal() - _EPOCH_ORDINAL


def days_to_date(days: int) -> dt.date:
    return dt.date.fromordinal(days + _EPOCH_ORDINAL)


@dataclass(frozen=True)
class ClaimSpec:
    name: str
    key: int
    type: str
    required: bool
    disclosable_alone: bool
    title: Mapping[str, str]
    max_length: int | None = None
    pattern: re.Pattern[str] | None = None
    upper: bool = False
    values: tuple[str, ...] = ()
    max_items: int | None = None
    derived: Mapping[str, Any] | None = None
    after: str | None = None
    before: str | None = None


@dataclass(frozen=True)
class Preset:
    """A named choice of claims the wallet offers to disclose (e.g. "age over 18 only")."""

    name: str
    title: Mapping[str, str]
    claims: tuple[str, ...]


@dataclass(frozen=True)
class Schema:
    name: str
    code: int
    title: Mapping[str, str]
    renewal_years: int  # a renewal without an explicit end extends the licence this long
    presets: tuple[Preset, ...]
    claims: tuple[ClaimSpec, ...]  # in schema (input) order
    leaves: tuple[ClaimSpec, ...]  # in claims-tree leaf order (depth first, left to right)
    shape: Shape  # tree over indexes into `leaves`
    by_name: Mapping[str, ClaimSpec] = field(repr=False)
    by_key: Mapping[int, ClaimSpec] = field(repr=False)
    # The credit_code claim a licence's region is read from (characters 3-8); None: the
    # region is the issuing authority's (docs/decisions/0130-region-in-the-leaf.md).
    region_from: str | None = None
    _plan: _Plan = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_plan", _Plan.of(self.claims))

    def region_of(self, claims: Mapping[str, Any]) -> str | None:
        """The licence's own region from its claims, or None when it is the authority's."""
        if self.region_from is None:
            return None
        return credit_code.region(str(claims[self.region_from]))

    def validate(self, row: Mapping[str, Any], on: dt.date | None = None) -> Claims:
        """Checks one input row; returns normalised claims including the predicates as of
        day `on`, the signing day (default: today in China Standard Time).

        Raises ClaimsError listing every bad field at once.
        """
        plan = self._plan
        errors: list[FieldError] = []
        claims: Claims = {}
        if not plan.inputs.issuperset(row):
            errors += self._misplaced(row)
        get = row.get
        for spec, normalise in plan.fields:
            raw = get(spec.name)
            if raw is None or (isinstance(raw, str) and not (raw := raw.strip())):
                if spec.required:
                    errors.append(FieldError(spec.name, "missing", f"{spec.name} is required.",
                                             _expected(spec)))
                continue
            try:
                claims[spec.name] = normalise(spec, raw)
            except _Bad as bad:
                errors.append(FieldError(spec.name, bad.problem,
                                         f"{spec.name}: {bad.detail}.", _expected(spec)))
        for name, other, later in plan.orders:
            value, bound = claims.get(name), claims.get(other)
            if value is None or bound is None or (value > bound if later else value < bound):
                continue
            errors.append(FieldError(name, "order", f"{name} must be "
                          f"{'later' if later else 'earlier'} than {other}.",
                          f"a date {'after' if later else 'before'} {other}"))
        if errors:
            raise ClaimsError(errors)
        return self._add_predicates(claims, on)

    def _misplaced(self, row: Mapping[str, Any]) -> list[FieldError]:
        """Fields of the row that are no input of this type: unknown ones, and predicates
        given a value (they are computed at issue)."""
        errors = []
        for name in row:
            spec = self.by_name.get(name)
            if spec is None:
                errors.append(FieldError(name, "unknown", f"{name} is not a field of a "
                              f"{self.name} licence.", "one of: " + ", ".join(self._inputs())))
            elif spec.derived is not None and not _blank(row[name]):
                errors.append(FieldError(name, "derived", f"{name} is computed at issue and "
                              "must not be supplied.", "remove this field"))
        return errors

    def with_predicates(self, claims: Mapping[str, Any], on: dt.date | None = None) -> Claims:
        """The claims with every predicate computed afresh for signing day `on` (default:
        today in China Standard Time); a predicate the data does not support is left out."""
        return self._add_predicates(
            {k: v for k, v in claims.items() if k in self._plan.inputs}, on)

    def _add_predicates(self, claims: Claims, on: dt.date | None) -> Claims:
        day = on or dt.datetime.now(predicates.CHINA).date()
        for name, rule in self._plan.derived:
            value = predicates.evaluate(rule, claims, day)
            if value is not None:
                claims[name] = value
        return claims

    def predicates(self) -> tuple[ClaimSpec, ...]:
        """The claims computed at signing, in schema order."""
        return tuple(c for c in self.claims if c.derived is not None)

    def _inputs(self) -> list[str]:
        return [c.name for c in self.claims if c.derived is None]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class _Bad(Exception):
    def __init__(self, problem: str, detail: str) -> None:
        self.problem, self.detail = problem, detail


def _expected(spec: ClaimSpec) -> str:
    if spec.type == "text":
        return f"text of at most {spec.max_length} characters" + (
            f" matching {spec.pattern.pattern}" if spec.pattern else "")
    if spec.type == "date":
        return "a date as YYYY-MM-DD"
    if spec.type == "enum":
        return "one of " + ", ".join(spec.values)
    if spec.type == "list":
        return f"1 to {spec.max_items} of " + " ".join(spec.values) + ", comma separated"
    if spec.type == "credit_code":
        return "an 18-character unified social credit code (GB 32100-2015)"
    return "true or false"


def _text(raw: Any, spec: ClaimSpec) -> str:
    if not isinstance(raw, str):
        raise _Bad("type", f"expected text, got {type(raw).__name__}")
    text = raw.strip()
    if not text.isascii():  # ASCII text is already in NFC
        text = unicodedata.normalize("NFC", text)
    if spec.upper:
        text = text.upper()
    # Printable text has no control or line-break character: the search is for the rest.
    if not text.isprintable() and _CONTROL.search(text):
        raise _Bad("control_character", "contains a control or line-break character")
    return text


def _text_claim(spec: ClaimSpec, raw: Any) -> str:
    text = _text(raw, spec)
    if spec.max_length is not None and len(text) > spec.max_length:
        raise _Bad("too_long", f"{len(text)} characters is longer than {spec.max_length}")
    if spec.pattern is not None and not spec.pattern.fullmatch(text):
        raise _Bad("pattern", "not in the expected form")
    return text


def _date_claim(spec: ClaimSpec, raw: Any) -> dt.date:
    if isinstance(raw, dt.datetime):
        raise _Bad("type", "expected a date without a time")
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(_text(raw, spec))
    except ValueError:
        raise _Bad("date", "not a valid YYYY-MM-DD date") from None


def _enum_claim(spec: ClaimSpec, raw: Any) -> str:
    text = _text(raw, spec).upper()
    if text not in spec.values:
        raise _Bad("not_allowed", "not one of the allowed values")
    return text


def _list_claim(spec: ClaimSpec, raw: Any) -> list[str]:
    if isinstance(raw, str):
        items = [p for p in _LIST_SEPARATORS.split(_text(raw, spec).upper()) if p]
    elif isinstance(raw, list | tuple):
        items = [_text(p, spec).upper() for p in raw]
    else:
        raise _Bad("type", f"expected a list, got {type(raw).__name__}")
    bad = [p for p in items if p not in spec.values]
    if bad:
        raise _Bad("not_allowed", f"{len(bad)} of the values are not allowed")
    if not items or len(items) > (spec.max_items or MAX_CLAIMS):
        raise _Bad("count", f"{len(items)} items")
    if len(set(items)) != len(items):
        raise _Bad("duplicate", "an item is listed twice")
    return sorted(items, key=spec.values.index)


def _credit_code_claim(spec: ClaimSpec, raw: Any) -> str:
    text = _text(raw, spec).upper()
    problem = credit_code.problem(text)
    if problem is not None:
        raise _Bad(problem[0], problem[1])
    return text


def _bool_claim(spec: ClaimSpec, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    raise _Bad("type", "expected true or false")


_LIST_SEPARATORS = re.compile(r"[\s,;，、]+")
_NORMALISERS: dict[str, Callable[[ClaimSpec, Any], ClaimValue]] = {
    "text": _text_claim, "date": _date_claim, "enum": _enum_claim, "list": _list_claim,
    "credit_code": _credit_code_claim, "bool": _bool_claim}


@dataclass(frozen=True)
class _Plan:
    """What validating a row walks, worked out once per schema: issuance validates a
    million rows against one schema, and the checks by claim type cost as much as the
    values' own."""

    inputs: frozenset[str]  # the fields a row may carry
    fields: tuple[tuple[ClaimSpec, Callable[[ClaimSpec, Any], ClaimValue]], ...]
    orders: tuple[tuple[str, str, bool], ...]  # (claim, other, must be later)
    derived: tuple[tuple[str, Mapping[str, Any]], ...]  # (predicate, its rule)

    @classmethod
    def of(cls, claims: tuple[ClaimSpec, ...]) -> _Plan:
        inputs = [c for c in claims if c.derived is None]
        return cls(
            inputs=frozenset(c.name for c in inputs),
            fields=tuple((c, _NORMALISERS[c.type]) for c in inputs),
            orders=tuple((c.name, other, later) for c in claims
                         for other, later in ((c.after, True), (c.before, False)) if other),
            derived=tuple((c.name, c.derived) for c in claims if c.derived is not None))


def _spec(raw: Mapping[str, Any]) -> ClaimSpec:
    if raw.get("type") not in _TYPES or not 0 <= int(raw.get("key", -1)) < 24:
        raise SchemaError(f"Claim {raw.get('name')!r} has a bad type or key.",
                          reason="schema_invalid")
    return ClaimSpec(
        name=raw["name"], key=raw["key"], type=raw["type"], required=raw["required"],
        disclosable_alone=raw["disclosable_alone"], title=raw.get("title", {}),
        max_length=raw.get("max_length"),
        pattern=re.compile(raw["pattern"]) if "pattern" in raw else None,
        upper=raw.get("upper", False), values=tuple(raw.get("values", ())),
        max_items=raw.get("max_items"), derived=raw.get("derived"),
        after=raw.get("after"), before=raw.get("before"),
    )


def _shape(node: Any, by_name: Mapping[str, ClaimSpec], leaves: list[ClaimSpec]) -> Shape:
    if isinstance(node, str):
        leaves.append(by_name[node])
        return len(leaves) - 1
    if not (isinstance(node, list) and len(node) == 2):
        raise SchemaError("A claims tree node must be a claim name or a pair.",
                          reason="schema_invalid")
    return (_shape(node[0], by_name, leaves), _shape(node[1], by_name, leaves))


def parse_schema(data: Mapping[str, Any]) -> Schema:
    """Builds a Schema from its JSON form, checking it is self-consistent."""
    try:
        claims = tuple(_spec(c) for c in data["claims"])
        by_name = {c.name: c for c in claims}
        by_key = {c.key: c for c in claims}
        leaves: list[ClaimSpec] = []
        shape = _shape(data["tree"], by_name, leaves)
        types = {c.name: (c.type, c.required) for c in claims}
        for c in claims:
            problem = None if c.derived is None else predicates.rule_problem(c.derived, types)
            if c.derived is not None and problem is None and c.type != "bool":
                problem = "a derived claim is true or false"
            if c.derived is not None and problem is None and c.required \
                    and c.derived["rule"] == "amount_at_least":
                problem = "an amount predicate may be left out, so it cannot be required"
            if problem is not None:
                raise SchemaError(f"Claim {c.name!r}: {problem}.", reason="schema_invalid")
        presets = tuple(Preset(p["name"], p["title"], tuple(p["claims"]))
                        for p in data["presets"])
        ok = (len(by_name) == len(by_key) == len(claims) <= MAX_CLAIMS
              and sorted(c.key for c in leaves) == sorted(by_key)
              and 0 < int(data["code"]) < 64 and 0 < int(data["renewal_years"]) <= 100
              and all(set(p.claims) <= set(by_name) and p.claims for p in presets)
              and (data.get("region_from") is None
                   or by_name[data["region_from"]].type == "credit_code"))
    except (KeyError, TypeError, ValueError) as exc:
        raise SchemaError(f"The schema is malformed ({exc}).", reason="schema_invalid") from exc
    if not ok:
        raise SchemaError("The schema's claims, keys and tree do not match one to one.",
                          reason="schema_invalid")
    return Schema(name=data["name"], code=data["code"], title=data.get("title", {}),
                  renewal_years=data["renewal_years"], presets=presets, claims=claims,
                  leaves=tuple(leaves), shape=shape, by_name=by_name, by_key=by_key,
                  region_from=data.get("region_from"))


def schema_text(name: str) -> str:
    """The JSON text of a licence type's schema, as the wallet fetches it."""
    return resources.files(__package__).joinpath("schemas", f"{name}.json").read_text("utf-8")


@cache
def _load(name: str) -> Schema:
    schema = parse_schema(json.loads(schema_text(name)))
    if schema.name != name:
        raise SchemaError(f"schemas/{name}.json names itself {schema.name!r}: rename one.",
                          reason="schema_invalid")
    return schema


def _names_by_code() -> tuple[str, ...]:
    files = resources.files(__package__).joinpath("schemas").iterdir()
    names = [f.name.removesuffix(".json") for f in files if f.name.endswith(".json")]
    return tuple(sorted(names, key=lambda n: _load(n).code))


# Every licence type this installation knows, in code order: one JSON file each.
SCHEMA_NAMES: tuple[str, ...] = _names_by_code()


@cache
def _codes() -> dict[int, str]:
    return {_load(n).code: n for n in SCHEMA_NAMES}


def all_schemas() -> tuple[Schema, ...]:
    return tuple(_load(n) for n in SCHEMA_NAMES)


def load_schema(name_or_code: str | int) -> Schema:
    """Returns the schema of a licence type given its name ("driving") or code (1)."""
    if isinstance(name_or_code, int) and not isinstance(name_or_code, bool):
        name = _codes().get(name_or_code)
        if name is not None:
            return _load(name)
    elif name_or_code in SCHEMA_NAMES:
        return _load(name_or_code)
    raise SchemaError(f"Licence type {name_or_code!r} is unknown; use one of "
                      + ", ".join(f"{n} ({_load(n).code})" for n in SCHEMA_NAMES) + ".")
