"""The issuer's commands, loaded lazily by `elicence.cli`: `issue` (issue) and the
lifecycle commands (lifecycle). Only modules here import Click."""
