"""Claims as the store keeps them: JSON, with dates as ISO strings."""

from __future__ import annotations

import datetime as dt
from typing import Any

from licence import Schema


def claims_to_json(claims: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in claims.items()}


def claims_from_json(schema: Schema, data: dict[str, Any]) -> dict[str, Any]:
    return {k: dt.date.fromisoformat(v) if schema.by_name[k].type == "date" else v
            for k, v in data.items()}
