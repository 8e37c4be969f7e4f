"""The wallet benchmark's browser: the app served on 127.0.0.1 from a thread, and the
system's Chromium (never a downloaded browser), headless, as a 360 px phone.

Apart from tests/wallet/browser.py on purpose (decision 0104): benchmarks do not import
the tests, and the conditions a figure is measured under change only with bench/."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from playwright.sync_api import Browser, Page, Playwright
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"  # Debian's package
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 20_000
# The narrowest phone the wallet supports, Chinese locale.
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True, "locale": "zh-CN",
         "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 "
                       "(KHTML, like Gecko) Chrome/130.0 Mobile Safari/537.36"}


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """The app's base URL while the block runs; the server is stopped after it."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                      timeout=TIMEOUT_MS)


def open_phone(browser: Browser, url: str) -> Page:
    """A new phone-sized page at `url`, once the wallet says it is ready."""
    context = browser.new_context(**PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]")
    return page
