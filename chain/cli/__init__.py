"""Admin commands agencies run against the chain: node, registry, council, authority."""

from chain.cli.authority import authority
from chain.cli.governance import council, registry
from chain.cli.node import node

__all__ = ["authority", "council", "node", "registry"]
