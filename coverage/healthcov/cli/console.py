"""What the command line shows: results on stdout; progress, warnings and errors on stderr."""

from __future__ import annotations

import contextlib
import sys
import time
import warnings
from collections.abc import Iterator
from typing import Any, TextIO

__all__ = ["Console"]


class Console:
    """Prints for one run. ``quiet``: results and progress are not printed (warnings and errors are);
    ``verbose``: progress also says when each step ends and how long it took."""

    def __init__(self, *, quiet: bool = False, verbose: bool = False, lang: str = "en") -> None:
        self.quiet = quiet
        self.verbose = verbose
        self.lang = lang
        self.t0 = time.perf_counter()
        self.warned: list[str] = []

    # results (stdout)
    def say(self, msg: str) -> None:
        if not self.quiet:
            print(msg, flush=True)

    # progress and problems (stderr)
    def _err(self, msg: str, stream: TextIO | None = None) -> None:
        print(msg, file=stream or sys.stderr, flush=True)

    @contextlib.contextmanager
    def step(self, what: str) -> Iterator[None]:
        """``[12.3 s] reading the walk network …`` on stderr before a long step (and its time after, with -v)."""
        t = time.perf_counter()
        if not self.quiet:
            self._err(f"[{t - self.t0:6.1f} s] {what} …")
        yield
        if self.verbose and not self.quiet:
            self._err(f"[{time.perf_counter() - self.t0:6.1f} s]   done: {what} ({time.perf_counter() - t:.1f} s)")

    def warning(self, message: Any) -> None:
        text = " ".join(str(message).split())
        if text in self.warned:
            return  # the same warning twice (e.g. one per network) is said once
        self.warned.append(text)
        label = "警告" if self.lang == "zh" else "warning"
        self._err(f"healthcov: {label}: {text}")

    def error(self, message: Any) -> None:
        self._err(f"healthcov: error: {message}")

    @contextlib.contextmanager
    def showing_warnings(self) -> Iterator[None]:
        """Every warning raised inside is printed on stderr as one readable line (not Python's format)."""
        with warnings.catch_warnings():
            warnings.simplefilter("default")

            def show(
                message: Any, category: Any, filename: str, lineno: int, file: Any = None, line: Any = None
            ) -> None:
                self.warning(message)

            warnings.showwarning = show
            yield

    def elapsed(self) -> float:
        return time.perf_counter() - self.t0
