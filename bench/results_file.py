"""Where every benchmark writes its figures: bench/results/NAME.json, with the facts of the
machine they were measured on (the figures mean little without them)."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def write_results(name: str, figures: dict[str, Any]) -> Path:
    """Writes `figures` and a "machine" entry to bench/results/NAME.json; prints the path."""
    document = {**figures, "machine": {
        "cpus": os.cpu_count(), "load_average_1min": round(os.getloadavg()[0], 2),
        "python": platform.python_version()}}
    path = RESULTS_DIR / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {path}")
    return path
