"""Writes licence/exports/context-v1.json, the JSON-LD context of the licence terms, from the
schemas: `.venv/bin/python -m tests.exports.context_terms` after adding a claim or a licence
type (tests/exports/test_formats.py fails until then). Terms are added, never renamed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from licence.schema import all_schemas

PATH = Path(__file__).resolve().parents[2] / "licence" / "exports" / "context-v1.json"
VOCAB = "urn:elicence:vocab#"
XSD = "http://www.w3.org/2001/XMLSchema#"


def context() -> dict[str, Any]:
    types: dict[str, Any] = {}
    terms: dict[str, Any] = {}
    for schema in all_schemas():
        name = f"Elicence{schema.name.capitalize()}Licence"
        types[name] = {"@id": VOCAB + name}
        for spec in schema.claims:
            term: dict[str, Any] = {"@id": VOCAB + spec.name}
            if spec.type == "date":
                term["@type"] = XSD + "date"
            elif spec.type == "bool":
                term["@type"] = XSD + "boolean"
            elif spec.type == "list":
                term["@container"] = "@set"
            terms[spec.name] = term
    terms["holderKey"] = {"@id": VOCAB + "holderKey", "@type": "@json"}
    status = {"@id": VOCAB + "ElicenceRegistryStatus", "@context": {
        "@protected": True, "registry": {"@id": VOCAB + "registry"},
        "chainId": {"@id": VOCAB + "chainId", "@type": XSD + "integer"},
        "statusReference": {"@id": VOCAB + "statusReference"},
        "copyStatusReference": {"@id": VOCAB + "copyStatusReference"}}}
    return {"@context": {"@version": 1.1, "@protected": True, **dict(sorted(types.items())),
                         "ElicenceRegistryStatus": status, **dict(sorted(terms.items()))}}


if __name__ == "__main__":
    PATH.write_text(json.dumps(context(), indent=2) + "\n", encoding="utf-8")
    print(f"wrote {PATH}")
