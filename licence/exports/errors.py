"""The one error an export raises: what cannot be exported, and what to do instead."""

from __future__ import annotations

from ..errors import LicenceError


class ExportError(LicenceError):
    """The licence, the key or the holder key cannot go into the requested format."""

    reason = "export_refused"
