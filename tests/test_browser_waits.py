"""No browser test waits with Playwright's `wait_for_function`: under the pages' CSP its
string predicate only works if the first poll already succeeds (tests/support/polling.py),
so such a wait passes alone and fails on a loaded machine. Use `expect(locator)` or
`tests.support.polling.wait_until`."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_no_browser_wait_relies_on_eval() -> None:
    offending = [f"{path.relative_to(ROOT)}:{number}"
                 for folder in ("tests", "bench") for path in (ROOT / folder).rglob("*.py")
                 if path != Path(__file__).resolve()
                 for number, line in enumerate(path.read_text().splitlines(), 1)
                 if ".wait_for_function(" in line]
    assert offending == [], offending
