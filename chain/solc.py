"""Compiles contracts/src with the pinned solc-js and reads the committed build artefacts.

`python -m chain.solc` rewrites contracts/build/<Contract>.json. The output depends only on
the sources and the settings below, so tests/contracts/test_build.py can insist that the
committed artefacts equal a fresh compile.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CONTRACTS = REPO / "contracts"
SOURCES = CONTRACTS / "src"
BUILD = CONTRACTS / "build"
SOLC_LAUNCHER = CONTRACTS / "tools" / "solc"

SOLC_VERSION = "0.8.37"
# Cancun: the newest fork that py-evm (eth-tester), anvil and Hyperledger Besu all run;
# see docs/decisions/0011-compiler-settings.md.
EVM_VERSION = "cancun"
# Deployed once, called for every batch and status change: optimise for calls.
OPTIMIZER = {"enabled": True, "runs": 10_000}
# Contracts that get an artefact (interfaces have no bytecode).
CONTRACT_NAMES = ("LicenceRegistry",)


class ArtifactMissing(FileNotFoundError):
    """A contract artefact is missing from contracts/build."""

    reason = "artifact_missing"


def source_files() -> dict[str, str]:
    """Source unit name (relative to contracts/, e.g. "src/X.sol") → source text."""
    return {
        path.relative_to(CONTRACTS).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(SOURCES.rglob("*.sol"))
    }


def source_hash(sources: dict[str, str]) -> str:
    """sha256 over each unit's name and content, in name order, NUL-separated."""
    digest = hashlib.sha256()
    for name in sorted(sources):
        digest.update(name.encode() + b"\0" + sources[name].encode() + b"\0")
    return digest.hexdigest()


def standard_input(sources: dict[str, str]) -> dict[str, Any]:
    return {
        "language": "Solidity",
        "sources": {name: {"content": text} for name, text in sources.items()},
        "settings": {
            "evmVersion": EVM_VERSION,
            "optimizer": OPTIMIZER,
            "outputSelection": {
                "*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]}
            },
        },
    }


def compile_contracts() -> dict[str, dict[str, Any]]:
    """Compiles every source; returns contract name → artefact. Raises on any error."""
    import solcx  # imported here: only the compile path needs py-solc-x

    sources = source_files()
    output = solcx.compile_standard(
        standard_input(sources), solc_binary=SOLC_LAUNCHER, allow_empty=False
    )
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise RuntimeError("solc failed:\n" + "\n".join(e["formattedMessage"] for e in errors))
    digest = source_hash(sources)
    artifacts = {}
    for unit in output["contracts"].values():
        for name, contract in unit.items():
            if name not in CONTRACT_NAMES:
                continue
            artifacts[name] = {
                "contractName": name,
                "abi": contract["abi"],
                "bytecode": "0x" + contract["evm"]["bytecode"]["object"],
                "deployedBytecode": "0x" + contract["evm"]["deployedBytecode"]["object"],
                "compiler": {
                    "solc": SOLC_VERSION,
                    "evmVersion": EVM_VERSION,
                    "optimizer": OPTIMIZER,
                },
                "sourceHash": digest,
            }
    missing = set(CONTRACT_NAMES) - set(artifacts)
    if missing:
        raise RuntimeError(f"solc produced no output for {sorted(missing)}")
    return artifacts


def render(artifact: dict[str, Any]) -> str:
    """The exact text committed for an artefact (stable key order, trailing newline)."""
    return json.dumps(artifact, indent=2, sort_keys=True) + "\n"


def write_artifacts(build_dir: Path = BUILD) -> list[Path]:
    build_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, artifact in sorted(compile_contracts().items()):
        path = build_dir / f"{name}.json"
        path.write_text(render(artifact), encoding="utf-8")
        written.append(path)
    return written


@cache
def _load(name: str) -> str:
    path = BUILD / f"{name}.json"
    if not path.is_file():
        raise ArtifactMissing(
            f"No build artefact for {name} at {path}: run scripts/compile-contracts."
        )
    return path.read_text(encoding="utf-8")


def load_artifact(name: str) -> dict[str, Any]:
    """The committed artefact: {"abi", "bytecode", "deployedBytecode", "compiler", ...}."""
    return json.loads(_load(name))  # a fresh dict each call: callers may mutate it


def main() -> None:
    for path in write_artifacts():
        print(f"wrote {path.relative_to(REPO)}")


if __name__ == "__main__":
    main()
