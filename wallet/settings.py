"""What the operator of a wallet service sets for every holder's wallet it serves.

Today one fact: after how many days a wallet asks the issuer to sign its copy of a licence
again (wallet/static/js/refresh.js), even when no predicate changed. The installation sets
the default (`wallet_refresh_days` in config.json, or ELICENCE_WALLET_REFRESH_DAYS); each
holder may choose another number of days within REFRESH_DAYS_RANGE in the wallet's
settings. The page reads both from GET /wallet/settings.json, so the range lives only here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chain.config import ConfigError, Settings

DEFAULT_REFRESH_DAYS = 30
# A day at least: a wallet asking more often only loads the issuer; a year at most: an old
# copy keeps a withdrawn signing key or an outdated predicate in use for that long.
REFRESH_DAYS_RANGE = (1, 365)
SETTING = "wallet_refresh_days"
VARIABLE = "ELICENCE_WALLET_REFRESH_DAYS"


@dataclass(frozen=True)
class WalletSettings:
    refresh_after_days: int = DEFAULT_REFRESH_DAYS

    def __post_init__(self) -> None:
        low, high = REFRESH_DAYS_RANGE
        if not low <= self.refresh_after_days <= high:
            raise _bad_days(self.refresh_after_days)

    @classmethod
    def from_settings(cls, settings: Settings,
                      env: Mapping[str, str] | None = None) -> WalletSettings:
        """ELICENCE_WALLET_REFRESH_DAYS first, then config.json; ConfigError if unusable."""
        env = os.environ if env is None else env
        given: Any = env.get(VARIABLE) or settings.extra.get(SETTING)
        if given is None:
            return cls()
        days = _whole_days(given)
        low, high = REFRESH_DAYS_RANGE
        if not low <= days <= high:
            raise _bad_days(given)  # as the operator wrote it
        return cls(days)

    def document(self) -> dict[str, Any]:
        """What GET /wallet/settings.json answers: the default and the holder's range."""
        low, high = REFRESH_DAYS_RANGE
        return {"refresh_after_days": {"default": self.refresh_after_days,
                                       "min": low, "max": high}}


def _whole_days(given: Any) -> int:
    # A number from config.json, or text from the environment: ASCII digits only, since
    # int() also reads " 7", "1_0" and other scripts' digits.
    if isinstance(given, int) and not isinstance(given, bool):
        return given
    if not (isinstance(given, str) and given.isascii() and given.isdigit() and len(given) <= 6):
        raise _bad_days(given)
    return int(given)


def _bad_days(given: Any) -> ConfigError:
    low, high = REFRESH_DAYS_RANGE
    return ConfigError(f"{VARIABLE} (or {SETTING} in config.json) must be a whole number of "
                       f"days from {low} to {high}, after which a wallet asks for a freshly "
                       f"signed copy; not {given!r}.")
