"""Request bodies read with a deadline, before the app sees them.

Without a buffering reverse proxy in front (the `--lan` demo, a misconfigured deployment)
a client sending its body a byte at a time would hold a one-thread worker for as long as
it likes. This layer reads the whole body (at most the app's request size limit) within
`seconds`, with a socket timeout for the time left when the server is gunicorn, and hands
the app the bytes; a body not sent in time is answered 408 and the connection's read side
is shut so the server does not wait for the rest either (docs/decisions/0163).
"""

from __future__ import annotations

import contextlib
import io
import socket
import time
from collections.abc import Callable
from typing import Any

from verifier.errors import RequestError

DEFAULT_BODY_SECONDS = 10.0  # an 8 MiB photo at 8 Mbit/s; JSON bodies take milliseconds
_CHUNK = 64 * 1024
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class RequestTimeout(RequestError):
    reason = "request_timeout"


class BodyDeadline:
    """WSGI middleware: the request body in memory within `seconds`, or a 408."""

    def __init__(self, app: Callable[..., Any], render_error: Callable[..., Any], *,
                 max_bytes: int, seconds: float = DEFAULT_BODY_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.app = app
        self.render_error = render_error
        self.max_bytes = max_bytes
        self.seconds = seconds
        self.clock = clock

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("REQUEST_METHOD") not in _BODY_METHODS:
            return self.app(environ, start_response)
        length_text = environ.get("CONTENT_LENGTH") or ""
        if length_text.isdigit():
            length = int(length_text)
            if length > self.max_bytes:
                return self.app(environ, start_response)  # refused unread by the app (413)
        elif environ.get("wsgi.input_terminated"):
            length = self.max_bytes + 1  # chunked: read one byte past the limit at most
        else:
            length = 0  # no length and a stream without an end: no body
        try:
            body = self._read(environ, length)
        except RequestTimeout as exc:
            from .web_errors import json_error_response

            _stop_reading(environ)
            return json_error_response(self.render_error(exc), start_response)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ["wsgi.input_terminated"] = True
        return self.app(environ, start_response)

    def _read(self, environ: dict[str, Any], length: int) -> bytes:
        stream = environ["wsgi.input"]
        sock: socket.socket | None = environ.get("gunicorn.socket")
        before = sock.gettimeout() if sock is not None else None
        deadline = self.clock() + self.seconds
        chunks: list[bytes] = []
        try:
            while length > 0:
                left = deadline - self.clock()
                if left <= 0:
                    raise _late()
                if sock is not None:
                    sock.settimeout(left)
                chunk = stream.read(min(length, _CHUNK))
                if not chunk:
                    break
                chunks.append(chunk)
                length -= len(chunk)
        except TimeoutError:
            raise _late() from None
        finally:
            if sock is not None:
                sock.settimeout(before)
        return b"".join(chunks)


def _late() -> RequestTimeout:
    return RequestTimeout("The request body arrived too slowly: send it again over a "
                          "better connection.")


def _stop_reading(environ: dict[str, Any]) -> None:
    sock = environ.get("gunicorn.socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RD)
