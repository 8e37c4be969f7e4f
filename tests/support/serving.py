"""The real Flask app on a local HTTP server (127.0.0.1, a free port) in a thread, for
browser and HTTP tests."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from chain.config import Settings
from elicence.app import create_app


@dataclass
class Server:
    """The Flask app served on 127.0.0.1 from a thread until `stop()`."""

    server: BaseWSGIServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def stop(self) -> None:
        if not self.thread.is_alive():
            return
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def serve(app: Flask) -> Server:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return Server(server, thread)


@contextmanager
def serving(app: Flask) -> Iterator[Server]:
    """`app` served while the block runs; stopped (and its verifier closed) afterwards."""
    running = serve(app)
    try:
        yield running
    finally:
        running.stop()
        verifier = app.extensions.get("elicence.verifier")
        if verifier is not None:
            verifier.close()


@contextmanager
def claims_app(home: Path) -> Iterator[Flask]:
    """The app as `elicence serve --claims` builds it on an empty `home`, rate limits off:
    its routes and field checks answer before any chain or key is needed."""
    with mock.patch.dict(os.environ, {"ELICENCE_PASSPHRASE": "correct horse battery staple"}):
        app = create_app(Settings(home=home, extra={"rate_limit": "off"}), claims=True)
    try:
        yield app
    finally:
        app.extensions["elicence.verifier"].close()
