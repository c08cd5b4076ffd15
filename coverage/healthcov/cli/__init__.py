"""Command line: a thin layer over the public API (parse, call, print; no analysis here).

Exit codes: 0 success; 2 bad input (one message on stderr naming the input and the fix); 1 an
unexpected error (one message; ``--debug`` shows the traceback). Results go to stdout, progress
and warnings to stderr; ``-q``/``-v``/``--debug`` work before or after the command.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable

from .commands import cmd_demo, cmd_isochrones, cmd_profiles, cmd_report
from .console import Console
from .parser import build_parser

__all__ = ["build_parser", "main"]

COMMANDS: dict[str, Callable[..., int]] = {
    "demo": cmd_demo,
    "isochrones": cmd_isochrones,
    "report": cmd_report,
    "profiles": cmd_profiles,
}


def _bad_input_message(exc: BaseException) -> str | None:
    """The message of an error that is the user's input, not a bug (else None)."""
    from ..errors import HealthcovError

    if isinstance(exc, HealthcovError):
        return str(exc)
    if isinstance(exc, FileNotFoundError | IsADirectoryError | NotADirectoryError | PermissionError):
        what = exc.filename or exc
        return f"{what}: {exc.strerror or exc} — check the path"
    return None


def main(argv: list[str] | None = None) -> int:
    """Run ``healthcov`` with ``argv`` (default: the process's arguments); returns the exit code."""
    args = build_parser().parse_args(argv)
    con = Console(quiet=args.quiet, verbose=args.verbose, lang=getattr(args, "lang", "en"))
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        with con.showing_warnings():
            return int(COMMANDS[args.command](args, con))
    except KeyboardInterrupt:
        con.error("interrupted")
        return 130
    except Exception as exc:
        said = _bad_input_message(exc)
        if args.debug:
            traceback.print_exc()
        if said is not None:
            con.error(said)
            return 2
        con.error(
            f"unexpected {type(exc).__name__}: {exc} (run again with --debug for the traceback, "
            "and please report it with the command you ran)"
        )
        return 1
