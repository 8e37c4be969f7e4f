"""Admin commands agencies run against the chain: node, registry, council, authority."""

from chain.cli.authority import authority
from chain.cli.governance import council, registry
from chain.cli.node import node
from chain.cli.trust import export_trust

# `authority export-trust` lives in its own module (trust material of the standard exports).
authority.add_command(export_trust)

__all__ = ["authority", "council", "node", "registry"]
