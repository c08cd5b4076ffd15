"""Run every corpus case once and print what happens now (to write the xfail reasons and docs/reliability.md).

PYTHONPATH=coverage:tests python tests/bad_inputs/probe.py [id-substring ...]
"""

from __future__ import annotations

import sys
import tempfile
import traceback
import warnings
from pathlib import Path

from bad_inputs.test_corpus import ALL


def outcome(case) -> str:
    with tempfile.TemporaryDirectory() as d, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            res = case.run(Path(d))
        except BaseException as exc:
            tb = traceback.extract_tb(exc.__traceback__)[-1]
            return f"RAISES {type(exc).__name__}: {str(exc)[:160]!r} at {Path(tb.filename).name}:{tb.lineno}"
        ws = "; ".join(f"{w.category.__name__}: {str(w.message)[:100]}" for w in caught)
        if case.cli:
            return f"EXIT {res.code} err={res.err[-200:]!r}"
        try:
            verdict = case.check(res) if case.check else None
        except Exception as exc:
            verdict = f"check raised {type(exc).__name__}: {exc}"
        return f"RETURNS {type(res).__name__} check={verdict} warnings=[{ws}]"


if __name__ == "__main__":
    wanted = sys.argv[1:]
    for c in ALL:
        if wanted and not any(w in c.id for w in wanted):
            continue
        mark = "XF" if c.now else "  "
        print(f"{mark} {c.expect:8s} {c.id}: {outcome(c)}", flush=True)
