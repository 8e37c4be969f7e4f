"""The `elicence` command: one root group whose subcommands live beside their code.

Subcommands are imported only when they run (or for --help), so `elicence verify`
never pays for ReportLab and `elicence node status` never imports Flask.
"""

from __future__ import annotations

import importlib

import click

# name -> "module:attribute" of a click.Command; each part registers its own commands here.
SUBCOMMANDS: dict[str, str] = {
    "node": "chain.cli:node",
    "registry": "chain.cli:registry",
    "council": "chain.cli:council",
    "authority": "chain.cli:authority",
    "network": "chain.cli.network:network",
    "issue": "issuer.cli.issue:issue_command",
    "revoke": "issuer.cli.lifecycle:revoke",
    "suspend": "issuer.cli.lifecycle:suspend",
    "reinstate": "issuer.cli.lifecycle:reinstate",
    "replace": "issuer.cli.lifecycle:replace",
    "renew": "issuer.cli.lifecycle:renew",
    "reconcile": "issuer.cli.lifecycle:reconcile",
    "purge": "issuer.cli.lifecycle:purge",
    "copies": "issuer.cli.copies:copies",
    "revoke-copy": "issuer.cli.copies:revoke_copy",
    "new-claim-code": "issuer.cli.copies:new_claim_code",
    "status-history": "issuer.cli.history:status_history",
    "audit": "issuer.cli.audit:audit_group",
    "operator": "issuer.cli.operators:operator_group",
    "requests": "issuer.cli.requests:requests_group",
    "history": "elicence.history:history_command",
    "verify": "verifier.cli:verify_command",
    "export": "elicence.export_cli:export_command",
    "alerts": "verifier.alerts.cli:alerts_command",
    "serve": "elicence.serve:serve_command",
    "counter-token": "elicence.limits_cli:counter_token",
}


# Key changes made by `elicence authority` are overseen by the issuer's operators, approval
# policy and audit log (chain/cli/key_oversight.py); chain/ may not import issuer/, so this
# composition root hands it over, imported only when a key change runs.
KEY_OVERSIGHT = "issuer.cli.key_changes:oversee_key_change"
KEY_OVERSIGHT_META = "elicence.key_oversight"  # chain.cli.key_oversight.META_KEY


class LazyGroup(click.Group):
    """A group that imports a subcommand's module only when that subcommand is used."""

    def __init__(self, *args, lazy: dict[str, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._lazy})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self._lazy:
            module_name, attribute = self._lazy[name].split(":")
            return getattr(importlib.import_module(module_name), attribute)
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup, lazy=SUBCOMMANDS,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="elicence")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Issue, anchor and verify electronic licences.

    State lives in ELICENCE_HOME (default ./var): configuration, encrypted keys,
    the licence store and the status index.
    """
    module_name, attribute = KEY_OVERSIGHT.split(":")
    ctx.meta[KEY_OVERSIGHT_META] = \
        lambda: getattr(importlib.import_module(module_name), attribute)
