"""Issuance: the batch pipeline, the licence store, letters and lifecycle commands."""
