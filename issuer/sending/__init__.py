"""Putting the store's records on chain exactly once: write-ahead sending (writeahead),
shared by batch anchoring (anchoring) and lifecycle status changes."""
