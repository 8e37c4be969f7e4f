"""Every ES module the wallet page loads (from js/app.js, import by import) is served under
the wallet's Content-Security-Policy and is in the service worker's offline shell: a module
missing from the shell would break the wallet offline the first time it is imported."""

from __future__ import annotations

import json
import re
from pathlib import Path

from flask import Flask

from chain.config import Settings
from wallet import web as wallet_web

STATIC = Path(wallet_web.__file__).resolve().parent / "static"
IMPORT = re.compile(r"""(?:\bfrom|\bimport\(?)\s*["'](\.{1,2}/[^"']+\.js)["']""")


def wallet_modules() -> set[Path]:
    """The module graph from the page's one entry script, relative imports only."""
    seen: set[Path] = set()
    todo = [STATIC / "js" / "app.js"]
    while todo:
        module = todo.pop().resolve()
        if module in seen:
            continue
        seen.add(module)
        todo += [module.parent / spec for spec in IMPORT.findall(module.read_text("utf-8"))]
    return seen


def test_every_wallet_module_is_served_and_cached_offline(tmp_path) -> None:
    app = Flask("wallet-shell-test")
    wallet_web.init_app(app, Settings(home=tmp_path))
    client = app.test_client()
    worker = client.get("/wallet/sw.js").get_data(as_text=True)
    shell = set(json.loads(re.search(r"const SHELL_FILES = (\[.*\]);", worker)[1]))
    urls = {"/wallet/static/" + m.relative_to(STATIC).as_posix() for m in wallet_modules()}
    # The shared CBOR reader and both of its callers are among them (decision 0294).
    assert {"/wallet/static/js/cbor.js", "/wallet/static/js/format.js",
            "/wallet/static/js/export_cbor.js"} <= urls
    assert urls <= shell
    for url in sorted(urls):
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert answer.mimetype in ("text/javascript", "application/javascript"), url
        assert "script-src 'self'" in answer.headers["Content-Security-Policy"], url
