"""Report benchmark: size of the Shanghai and Ningbo planning reports and Chromium's time to draw them.

Run from the repository root::

    .venv/bin/python benchmarks/bench_report.py               # both reports, zh, 3 opens each
    .venv/bin/python benchmarks/bench_report.py --lang zh en --opens 1 --keep out/

The two reports of issue 12 (the assessments are those of ``tests/report_fixtures.py``):

- **Shanghai**: 黄浦区, 静安区, 虹口区 under the Ningbo profile, all 7,129 Shanghai health POIs,
  walk / drive / ambulance networks, with :func:`healthcov.service_layers` (service areas and
  uncovered residents on 250 m cells);
- **Ningbo**: its 10 districts, the 2020 census on a 1 km grid, the 95 OSM hospitals, no network.

Measured: the size of the ONE self-contained HTML file [< 5 MB each]; the time of
``service_layers`` and of :func:`healthcov.write_report`; and the time from asking Debian's
headless Chromium (``/usr/bin/chromium``, network blocked, a fresh context each time) to open the
file until the map in its iframe is drawn — Leaflet loaded, no zoom or pan animation, and the
canvas's painted pixels the same at the next check [Ningbo < 5 s]. The baseline for the open time
is the page's own load event, measured in the same run and shown beside it. Everything prints as
a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HEALTHCOV_PROGRESS", "0")

import healthcov as hc

REPO = Path(__file__).resolve().parents[1]
MB = 1024 * 1024
TARGET_MB = 5.0
TARGET_OPEN_S = 5.0


def open_until_drawn(browser: Any, html: Path) -> tuple[float, float]:
    """Seconds until the load event and until the iframe's map is drawn, in a fresh context."""
    from browser import IDLE_JS, map_state, open_page  # tests/browser.py

    two_frames = "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"
    with open_page(browser, html) as (page, log):
        frames = [f for f in page.frames if f.parent_frame is page.main_frame]
        if len(frames) != 1:
            msg = f"{html.name}: expected one map iframe, found {len(frames)}"
            raise RuntimeError(msg)
        frame = frames[0]
        frame.wait_for_function("() => typeof window.L === 'object'", timeout=30_000)
        last, seen = -1, float("nan")
        for _ in range(100):
            frame.wait_for_function(IDLE_JS, timeout=30_000)
            frame.evaluate(two_frames)
            painted = map_state(frame)["painted"]
            if painted == last and painted > 0:
                break
            last, seen = painted, time.perf_counter() - log.started
        else:
            msg = f"{html.name}: the map was still redrawing after 100 checks"
            raise RuntimeError(msg)
        if log.page_errors or log.console_errors or log.blocked:
            msg = f"{html.name}: errors {log.page_errors + log.console_errors}, blocked requests {log.blocked}"
            raise RuntimeError(msg)
        return log.load_s, seen


def _write(name: str, res: Any, out: Path, lang: str) -> tuple[Path, float, float]:
    t0 = time.perf_counter()
    layers = hc.service_layers(res)
    t_layers = time.perf_counter() - t0
    html = out / f"{name}_report_{lang}.html"
    t1 = time.perf_counter()
    hc.write_report(res, html, layers, lang=lang)
    return html, t_layers, time.perf_counter() - t1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lang", nargs="+", default=["zh"], choices=("zh", "en"))
    ap.add_argument("--opens", type=int, default=3, help="times each report is opened (median shown)")
    ap.add_argument("--keep", default=None, help="folder to keep the reports in (default: a temporary one)")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(REPO / "tests"))
    from playwright.sync_api import sync_playwright

    from browser import launch
    from report_fixtures import ningbo_assessment, shanghai_assessment

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(args.keep) if args.keep else Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as playwright:
            browser = launch(playwright, Path(tmp) / "chromium-profile")
            try:
                for name, make in (("shanghai", shanghai_assessment), ("ningbo", ningbo_assessment)):
                    t0 = time.perf_counter()
                    res = make()
                    print(f"{name}: {res!r} in {time.perf_counter() - t0:.1f} s (not timed below)", flush=True)
                    for lang in args.lang:
                        html, t_layers, t_write = _write(name, res, out, lang)
                        opens = [open_until_drawn(browser, html) for _ in range(max(1, args.opens))]
                        size = html.stat().st_size / MB
                        load = statistics.median(o[0] for o in opens)
                        drawn = statistics.median(o[1] for o in opens)
                        print(f"{html.name}: {size:.2f} MB, drawn after {drawn:.2f} s", flush=True)
                        rows.append((f"{name} {lang}", size, t_layers, t_write, load, drawn, len(opens)))
            finally:
                browser.close()

    print()
    print("| report | size (MB) [< 5] | service_layers (s) | write_report (s) | load event (s) | map drawn (s) [< 5] |")
    print("|---|---:|---:|---:|---:|---:|")
    ok = True
    for label, size, t_layers, t_write, load, drawn, n in rows:
        ok &= size < TARGET_MB and drawn < TARGET_OPEN_S
        print(
            f"| {label} | {size:.2f} {'✓' if size < TARGET_MB else '✗'} | {t_layers:.2f} | {t_write:.2f} | "
            f"{load:.2f} | {drawn:.2f} {'✓' if drawn < TARGET_OPEN_S else '✗'} (median of {n}) |"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
