"""Runs Slither over contracts/src and prints its findings as JSON on stdout.

Run with the Python of .venv-slither (Slither pins an older web3 than elicence's), e.g.
    .venv-slither/bin/python contracts/tools/slither_check.py
Compiles through crytic-compile's standard-JSON platform with the solc-js launcher
(contracts/tools/solc) and the very compiler settings of chain.solc, so Slither reads the
same code that is deployed. tests/contracts/test_slither.py runs this.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from chain.solc import CONTRACTS, SOLC_LAUNCHER, source_files, standard_input  # noqa: E402


def findings() -> list[dict[str, str]]:
    from crytic_compile import CryticCompile
    from crytic_compile.platform.solc_standard_json import SolcStandardJson
    from slither import Slither

    solc_input = standard_input(source_files())
    del solc_input["settings"]["outputSelection"]  # crytic-compile asks for what it reads
    platform = SolcStandardJson(solc_input)
    compiled = CryticCompile(platform, solc=str(SOLC_LAUNCHER), solc_working_dir=str(CONTRACTS))
    slither = Slither(compiled)
    from slither.detectors import all_detectors
    from slither.detectors.abstract_detector import AbstractDetector

    for detector in vars(all_detectors).values():
        if isinstance(detector, type) and issubclass(detector, AbstractDetector):
            slither.register_detector(detector)
    results = []
    for per_detector in slither.run_detectors():
        for result in per_detector:
            elements = [e for e in result["elements"] if e.get("type") == "function"]
            results.append({
                "check": result["check"],
                "impact": result["impact"],
                "confidence": result["confidence"],
                "function": elements[0]["name"] if elements else "",
                "description": result["description"].strip(),
            })
    return results


if __name__ == "__main__":
    json.dump(findings(), sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")
