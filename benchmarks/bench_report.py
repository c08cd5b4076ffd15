"""Report benchmark: size of the Shanghai planning report, time to write it, time to open it in Chromium.

Run from the repository root::

    .venv/bin/python benchmarks/bench_report.py               # zh and en reports, 3 opens each
    .venv/bin/python benchmarks/bench_report.py --lang zh --opens 1 --keep out/

The report is the one ``healthcov demo`` writes: the Zhejiang profile assessed on the three
central-Shanghai districts the shared OSM network covers (黄浦区, 静安区, 虹口区; 2020 census spread
onto the roads; all 7,129 Shanghai health POIs; walk / drive / ambulance networks). Measured
(issue 4's targets in brackets):

- the size of the ONE self-contained HTML file (map, Leaflet and data inline) [< 15 MB];
- the wall time of :func:`healthcov.write_report` (map, HTML, CSV and GeoPackage exports);
- the time from asking Debian's headless Chromium (``/usr/bin/chromium``, network blocked, a fresh
  browser context each time) to open the file until the map in its iframe is drawn: Leaflet loaded,
  no zoom or pan animation under way and the canvas's painted pixels the same at the next check
  [< 5 s]. The page's load event (which waits for the map's iframe) is shown too.

Everything prints as a Markdown table (paste it into the README).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

os.environ.setdefault("HEALTHCOV_PROGRESS", "0")

import healthcov as hc

REPO = Path(__file__).resolve().parents[1]
MB = 1024 * 1024
TARGET_MB = 15.0
TARGET_OPEN_S = 5.0


def shanghai_assessment(profile: str = "zhejiang") -> Any:
    """The demo's assessment (``healthcov demo``): districts the network covers in good part, all POIs."""
    net = hc.datasets.path("shanghai_network")
    graphs = {mode: hc.read_network(net, mode=mode) for mode in ("walk", "drive", "ambulance")}
    Gd = graphs["drive"]
    areas = hc.datasets.census_areas("shanghai")
    a_m = areas.to_crs(Gd.graph["crs"])
    share = (a_m.intersection(hc.network_area(Gd)).area / a_m.area).to_numpy()
    areas = areas[share > 0.4].reset_index(drop=True)
    pop = hc.spread_population(areas, Gd, id_column="area_code")
    fac = hc.datasets.shanghai_health_facilities()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hc.HealthcovWarning)  # off-network POIs, types no rule uses
        return hc.assess(graphs, fac, pop, areas, profile=profile)


def open_until_drawn(browser: Any, html: Path) -> tuple[float, float]:
    """Seconds until the load event and until the iframe's map is drawn, in a fresh context.

    The map's frame is taken from ``page.frames`` (asking a locator for it costs Playwright about
    2 s on a 5 MB page, which is not the page's time). "Drawn" is the first of two successive checks
    that find Leaflet idle and the same number of painted canvas pixels, two animation frames apart.
    """
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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lang", nargs="+", default=["zh", "en"], choices=("zh", "en"))
    ap.add_argument("--opens", type=int, default=3, help="times each report is opened (median shown)")
    ap.add_argument("--profile", default="zhejiang", help="rule profile (default zhejiang, as the demo)")
    ap.add_argument("--keep", default=None, help="folder to keep the reports in (default: a temporary one)")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(REPO / "tests"))
    from playwright.sync_api import sync_playwright

    from browser import launch

    t0 = time.perf_counter()
    res = shanghai_assessment(args.profile)
    t_assess = time.perf_counter() - t0
    print(f"assessment: {res!r} in {t_assess:.1f} s", flush=True)

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(args.keep) if args.keep else Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as playwright:
            browser = launch(playwright, Path(tmp) / "chromium-profile")
            try:
                for lang in args.lang:
                    html = out / f"shanghai_{res.profile.id}_report_{lang}.html"
                    t1 = time.perf_counter()
                    hc.write_report(res, html, lang=lang)
                    t_write = time.perf_counter() - t1
                    size = html.stat().st_size / MB
                    opens = [open_until_drawn(browser, html) for _ in range(max(1, args.opens))]
                    load = statistics.median(o[0] for o in opens)
                    drawn = statistics.median(o[1] for o in opens)
                    print(
                        f"{html.name}: {size:.2f} MB, written in {t_write:.2f} s, drawn after {drawn:.2f} s", flush=True
                    )
                    rows.append((lang, size, t_write, load, drawn, max(o[1] for o in opens), len(opens)))
            finally:
                browser.close()

    print()
    print(
        f"Shanghai report ({res.profile.id} profile, {len(res.areas)} districts, {len(res.table)} verdict rows; "
        f"the assessment took {t_assess:.1f} s and is not part of the timings below)"
    )
    print()
    print(
        "| report | size (MB) [< 15] | write_report (s) | Chromium: load event (s) | "
        "Chromium: map drawn (s) [< 5] | slowest open (s) |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    ok = True
    for lang, size, t_write, load, drawn, worst, n in rows:
        ok &= size < TARGET_MB and drawn < TARGET_OPEN_S
        print(
            f"| {lang} | {size:.2f} {'✓' if size < TARGET_MB else '✗'} | {t_write:.2f} | {load:.2f} | "
            f"{drawn:.2f} {'✓' if drawn < TARGET_OPEN_S else '✗'} (median of {n}) | {worst:.2f} |"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
