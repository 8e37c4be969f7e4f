"""Claims in JSON form (dates as ISO text), as the store hands them to lifecycle jobs."""

from __future__ import annotations

import datetime as dt
from typing import Any


def claims_to_json(claims: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in claims.items()}

