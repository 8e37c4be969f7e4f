"""The issuer's command-line modules, the only ones in issuer/ that import Click: `issue`
(issue), the lifecycle commands (lifecycle), loaded lazily by `elicence.cli`, and
`scripts/sample-csv` (samples)."""
