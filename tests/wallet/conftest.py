"""Fixtures of the wallet's browser tests: licences issued on the module's own chain, the
app serving them, and one headless Chromium per module."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.support.home import Home
from tests.support.issuing import issue_driving
from tests.support.serving import Server, serve

from .browser import launch


@pytest.fixture(scope="module")
def issued(chain_home: Home, tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    return issue_driving(chain_home, tmp_path_factory.mktemp("wallet"), 6, start=7000)


@pytest.fixture(scope="module")
def app(chain_home: Home):
    with chain_home.app(ELICENCE_RATE_LIMIT="off") as app:
        yield app


@pytest.fixture
def server(app) -> Iterator[Server]:
    running = serve(app)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def pinned(app) -> Iterator[int]:
    """One second for the verifier and (set per page with page.clock) the wallet."""
    verifier = app.extensions["elicence.verifier"]
    now = int(time.time())
    kept, verifier.clock = verifier.clock, lambda: now
    yield now
    verifier.clock = kept
