"""Changing issued licences: revoke, suspend, reinstate, replace and renew (jobs), the
status changes they send (status_changes), repairing drift from the chain (reconcile) and
erasing personal data after retention (purge)."""
