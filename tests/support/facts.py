"""Licence type codes by name, read from the schemas (the one place they are defined)."""

from __future__ import annotations

from licence import load_schema

DRIVING = load_schema("driving").code
BUSINESS = load_schema("business").code
PROFESSIONAL = load_schema("professional").code
