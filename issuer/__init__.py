"""Issuance. issue/ turns input rows into signed, stored, anchored licences with their
report and letters; lifecycle/ revokes, suspends, reinstates, replaces, renews, reconciles
and purges them; claims/ hands a licence to a holder's wallet. Shared by all three:
authority.py (the issuing authority, loaded), errors.py, store/ (the database),
sending/ (write-ahead transactions), render/ (PDF letters, QR images), migrations/.
Command-line modules live in cli/, the only place that imports Click."""
