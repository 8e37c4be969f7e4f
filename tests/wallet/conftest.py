"""Fixtures of the wallet's browser tests: licences issued on the module's own chain, the
app serving them, and one headless Chromium per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from chain.config import load_settings
from elicence.app import create_app

from ..conftest import Home
from ..issuer.test_issue_command import issued_licences, rows_file
from .browser import Server, launch, serve


@pytest.fixture(scope="module")
def issued(chain_home: Home, tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    tmp = tmp_path_factory.mktemp("wallet")
    chain_home.run("issue", "--authority", "CN-31-DMV", "--type", "driving", "--input",
                   str(rows_file(tmp, 6, start=7000)), "--out", str(tmp / "out"), "--no-pdf")
    return issued_licences(tmp / "out")


@pytest.fixture(scope="module")
def app(chain_home: Home):
    with pytest.MonkeyPatch.context() as patch:
        for name, value in chain_home.env.items():
            patch.setenv(name, value)
        patch.setenv("ELICENCE_RATE_LIMIT", "off")
        yield create_app(load_settings(chain_home.path, chain_home.env))


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
