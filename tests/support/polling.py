"""Waiting for a condition in a browser page, polled from Playwright.

The pages' CSP (script-src 'self') forbids eval, and Playwright's `page.wait_for_function`
evaluates a string predicate with eval once its first evaluation fails: such a wait passes
only if the condition already holds at the first poll, a race that a loaded machine loses.
`page.evaluate` is not subject to the page's CSP, so polling with it holds whatever the
timing."""

from __future__ import annotations

import time
from typing import Any

from playwright.sync_api import Page

WAIT_MS = 20_000
POLL_MS = 50


def wait_until(page: Page, expression: str, arg: Any = None, *,
               timeout_ms: float = WAIT_MS) -> Any:
    """The first truthy value of `expression` (a JS expression or function, given `arg`)."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        value = page.evaluate(expression, arg)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout_ms / 1000:g} s: {expression}")
        page.wait_for_timeout(POLL_MS)
