"""Output that cannot stop a program: for `scripts/demo`, whose shutdown must not depend
on anyone still reading it (`scripts/demo 2>&1 | tee demo.log`, then Ctrl-C: tee ends
first, and the next write would raise BrokenPipeError before the node is stopped)."""

from __future__ import annotations

import io
import os


class Unfailing(io.TextIOBase):
    """The demo's stdout or stderr, whose writes never fail: once the reader has gone
    (EPIPE: `tee` ended first on Ctrl-C) or the terminal has (EIO), output goes nowhere,
    so stopping the node and the web apps never depends on being heard."""

    def __init__(self, stream: io.TextIOBase) -> None:
        self._stream: io.TextIOBase | None = stream
        self._encoding = getattr(stream, "encoding", None) or "utf-8"
        self._errors = getattr(stream, "errors", None) or "strict"
        self._fileno = stream.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._encoding

    @property
    def errors(self) -> str:  # type: ignore[override]
        return self._errors

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fileno

    def isatty(self) -> bool:
        return self._stream is not None and os.isatty(self._fileno)

    def write(self, text: str) -> int:
        if self._stream is not None:
            try:
                self._stream.write(text)
                self._stream.flush()
            except (OSError, ValueError):
                self._go_quiet()
        return len(text)

    def flush(self) -> None:
        if self._stream is not None:
            try:
                self._stream.flush()
            except (OSError, ValueError):
                self._go_quiet()

    def _go_quiet(self) -> None:
        self._stream = None
        # The interpreter flushes the original stream at exit: let that land in /dev/null.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, self._fileno)
        os.close(devnull)
