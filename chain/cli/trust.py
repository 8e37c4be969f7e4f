"""`elicence authority export-trust ID --out DIR`: what a third party needs to trust the
authority's exports (SD-JWT VC, vc+jwt, mdoc), all public:

  jwks.json                    every registered ES256 key; kid = key number, nbf/exp = its
                               validity, elicence_key_record = the digest of its key record
  iaca-root.pem                the IACA root certificate (mdoc readers' trust anchor)
  document-signer-N.pem        key N's document-signer certificate, signed by the root
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from cryptography.hazmat.primitives.serialization import Encoding

from chain.cli.context import command_errors, pass_installation
from chain.installation import Installation
from chain.trust_material import authority_trust
from licence.exports import jwks


@click.command("export-trust")
@click.argument("ident", metavar="ID")
@click.option("--out", "out_dir", required=True, metavar="DIR",
              type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write jwks.json, iaca-root.pem and document-signer-N.pem to.")
@pass_installation
def export_trust(installation: Installation, ident: str, out_dir: Path) -> None:
    """Write the authority's export trust material (JWKS, IACA root, document signers)."""
    with command_errors():
        material = authority_trust(installation, installation.registry(), ident)
        keys = material.es256_keys
        if not keys:
            raise click.ClickException(
                f"{ident} has no registered ES256 key, and exports are signed with ES256 "
                f"only: register one with `elicence authority add-key {ident}`.")
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "jwks.json").write_text(
            json.dumps(jwks(material.trust, keys), indent=2) + "\n", encoding="utf-8")
        (out_dir / "iaca-root.pem").write_bytes(material.root.public_bytes(Encoding.PEM))
        for key in keys:
            (out_dir / f"document-signer-{key.key_id}.pem").write_bytes(
                material.document_signer(key).public_bytes(Encoding.PEM))
    click.echo(f"Wrote the trust material of {ident} ({len(keys)} key(s): "
               f"{', '.join(str(k.key_id) for k in keys)}) to {out_dir}.")
    for key in material.other_keys:
        click.echo(f"Key {key.key_id} is an SM2 key and is left out: JOSE and COSE register "
                   "no algorithm for SM2, so no other party's library could check it.")
