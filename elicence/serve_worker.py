"""The gunicorn worker of `elicence serve` with one thread: gthread without the hand-off.

Gunicorn's gthread worker watches connections in its main thread and hands each request to
a thread pool. With one pool thread (the default: verification is CPU-bound) the hand-off
buys nothing, yet every request pays for it: a future, a queue, waking the pool thread,
passing the interpreter lock there and back, and a wait on the futures in the main loop.
Without it a worker spent a median 13 % less CPU per verification (decision 0300). It keeps
everything else of gthread (keep-alive connections watched in the main thread, their
timeouts, graceful shutdown) and answers a request in the main thread as soon as its
connection is readable.
"""

from __future__ import annotations

from concurrent import futures
from typing import Any

from gunicorn.workers.gthread import ThreadWorker


class OneThreadWorker(ThreadWorker):
    """A gthread worker that handles each request in its main thread."""

    def enqueue_req(self, conn: Any) -> None:
        conn.init()
        done: futures.Future = futures.Future()
        done.conn = conn  # type: ignore[attr-defined]  # what finish_request reads
        done.set_result(self.handle(conn))  # handle() answers its own errors
        self.finish_request(done)  # keep the connection alive, or close it
