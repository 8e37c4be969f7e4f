"""A SoftHSM2 token for the tests, made by the project's own scripts/softhsm-test-token.

SoftHSM reads SOFTHSM2_CONF once per process, so every test of a run shares one private
folder (0700, removed at exit) holding one conf file; each label is a token of its own in
it. The PINs are in 0600 files there, as an agency keeps them.
"""

from __future__ import annotations

import atexit
import os
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "softhsm-test-token"
MODULE = "/usr/lib/softhsm/libsofthsm2.so"
_folder: Path | None = None


@dataclass(frozen=True)
class SoftToken:
    module: str
    label: str
    env: dict[str, str]  # the exports the script printed

    @property
    def pin(self) -> str:
        return Path(self.env["ELICENCE_PKCS11_PIN_FILE"]).read_text(encoding="utf-8").strip()


def softhsm_token(label: str = "elicence") -> SoftToken:
    """The token `label` of this test run, made on first use."""
    global _folder
    if _folder is None:
        _folder = Path(tempfile.mkdtemp(prefix="elicence-softhsm-"))
        atexit.register(shutil.rmtree, _folder, True)
    made = subprocess.run([str(SCRIPT), "init", str(_folder / "hsm"), "--label", label],
                          capture_output=True, text=True, check=True)
    env = {}
    for line in made.stdout.splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        env[name] = shlex.split(value)[0]
    os.environ["SOFTHSM2_CONF"] = env["SOFTHSM2_CONF"]  # before the module is first loaded
    return SoftToken(env["ELICENCE_PKCS11_MODULE"], label, env)
