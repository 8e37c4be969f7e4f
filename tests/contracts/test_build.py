"""The committed artefacts in contracts/build are exactly what the pinned compiler makes."""

from __future__ import annotations

import pytest

from chain import solc


def test_committed_artifacts_match_a_fresh_compile() -> None:
    fresh = solc.compile_contracts()
    assert sorted(fresh) == sorted(solc.CONTRACT_NAMES)
    for name, artifact in fresh.items():
        committed = (solc.BUILD / f"{name}.json").read_text(encoding="utf-8")
        assert committed == solc.render(artifact), (
            f"contracts/build/{name}.json is stale: run scripts/compile-contracts"
        )


def test_artifact_records_how_it_was_built() -> None:
    artifact = solc.load_artifact("LicenceRegistry")
    assert artifact["compiler"] == {
        "solc": "0.8.37",
        "evmVersion": "cancun",
        "optimizer": {"enabled": True, "runs": 10_000},
    }
    assert artifact["sourceHash"] == solc.source_hash(solc.source_files())
    assert artifact["bytecode"].startswith("0x60")
    # EIP-170: deployable on any EVM chain.
    assert len(bytes.fromhex(artifact["deployedBytecode"][2:])) <= 24_576


def test_load_artifact_returns_an_independent_copy() -> None:
    first = solc.load_artifact("LicenceRegistry")
    first["abi"].clear()
    assert solc.load_artifact("LicenceRegistry")["abi"]


def test_missing_artifact_says_how_to_build_it() -> None:
    with pytest.raises(solc.ArtifactMissing, match="scripts/compile-contracts") as caught:
        solc.load_artifact("NoSuchContract")
    assert caught.value.reason == "artifact_missing"


def test_source_hash_changes_with_any_source_byte() -> None:
    sources = {"src/A.sol": "contract A {}", "src/B.sol": "contract B {}"}
    changed = dict(sources, **{"src/B.sol": "contract B { }"})
    renamed = {"src/A.sol": "contract A {}", "src/C.sol": "contract B {}"}
    hashes = {solc.source_hash(s) for s in (sources, changed, renamed)}
    assert len(hashes) == 3
