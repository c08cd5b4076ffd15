"""Headless Chromium for tests: Debian's ``/usr/bin/chromium`` driven by Playwright, no network.

Playwright never downloads a browser here: it starts the system Chromium with only the flags
below (its own defaults are switched off), and every request from a page that is not ``file://``
or ``data:`` is aborted and recorded.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, Route

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)
LOCAL = ("file://", "data:")


def launch(playwright: Playwright, user_data_dir: Path) -> Browser:
    """Start ``/usr/bin/chromium`` headless with exactly :data:`CHROMIUM_FLAGS` and a fresh profile.

    ``--remote-debugging-pipe`` is added because it is how Playwright talks to the browser.
    """
    if not CHROMIUM.exists():
        msg = f"{CHROMIUM} not found: the browser tests need Debian's Chromium, run `apt-get install chromium`"
        raise FileNotFoundError(msg)
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        ignore_default_args=True,
        args=[*CHROMIUM_FLAGS, f"--user-data-dir={user_data_dir}", "--remote-debugging-pipe"],
    )


@dataclass
class PageLog:
    """What a page did: errors it reported and every request it made."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    started: float = float("nan")  # time.perf_counter() when the page was requested
    load_s: float = float("nan")  # until the load event


@contextlib.contextmanager
def open_page(browser: Browser, path: Path, *, width: int = 1280, height: int = 800) -> Iterator[tuple[Page, PageLog]]:
    """Open ``path`` from ``file://`` in a fresh context with the network blocked; yield the page and its log."""
    log = PageLog()
    context = browser.new_context(viewport={"width": width, "height": height}, service_workers="block")

    def route(r: Route) -> None:
        url = r.request.url
        if url.startswith(LOCAL):
            r.continue_()
        else:
            log.blocked.append(url)
            r.abort("blockedbyclient")

    def console(msg: ConsoleMessage) -> None:
        if msg.type == "error":
            log.console_errors.append(msg.text)

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", console)
    page.on("pageerror", lambda exc: log.page_errors.append(str(exc)))
    page.on("request", lambda req: log.requests.append(req.url))
    try:
        log.started = time.perf_counter()
        page.goto(path.resolve().as_uri(), wait_until="load")
        log.load_s = time.perf_counter() - log.started
        yield page, log
    finally:
        context.close()


#: the state of the (first) folium map on the page, read through the Leaflet API
MAP_STATE_JS = """
() => {
  const maps = Object.keys(window)
    .filter((k) => k.startsWith('map_') && window[k] instanceof L.Map)
    .map((k) => window[k]);
  const m = maps[0];
  const polygons = {};
  let circles = 0, drawnPolygons = 0;
  const view = m.getBounds();
  m.eachLayer((l) => {
    if (l instanceof L.CircleMarker) circles += 1;
    else if (l instanceof L.Polygon) {
      const c = l.options.fillColor;
      polygons[c] = (polygons[c] || 0) + 1;
      if (l._parts && l._parts.length && view.intersects(l.getBounds())) drawnPolygons += 1;
    }
  });
  const overlays = [...document.querySelectorAll('.leaflet-control-layers-overlays label')].map((el) => ({
    name: el.innerText.trim(),
    checked: el.querySelector('input').checked,
  }));
  let painted = 0;
  for (const cv of document.querySelectorAll('.leaflet-overlay-pane canvas')) {
    const d = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) painted += 1;
  }
  const legend = document.querySelector('.healthcov-legend');
  const size = m.getSize();
  return {
    maps: maps.length,
    leaflet: L.version,
    polygons, circles, drawnPolygons, overlays, painted,
    svgPaths: document.querySelectorAll('.leaflet-overlay-pane svg path').length,
    canvases: document.querySelectorAll('.leaflet-overlay-pane canvas').length,
    legend: legend ? legend.innerText : null,
    legendVisible: legend ? legend.getBoundingClientRect().width > 0 : false,
    size: [size.x, size.y],
    zoom: m.getZoom(),
  };
}
"""


def map_state(page: Page) -> dict[str, Any]:
    """Layers, layer-control entries, painted canvas pixels and legend text of the page's map."""
    state: dict[str, Any] = page.evaluate(MAP_STATE_JS)
    return state


#: resolves when the first map is not zooming or panning (folium's fitBounds animates the zoom)
IDLE_JS = """
() => {
  const m = Object.keys(window)
    .filter((k) => k.startsWith('map_') && window[k] instanceof L.Map)
    .map((k) => window[k])[0];
  return !m._animatingZoom && !(m._panAnim && m._panAnim._inProgress);
}
"""


def settle(page: Page, *, rounds: int = 50) -> None:
    """Wait until Leaflet has drawn: no zoom or pan under way, painted pixels unchanged between frames."""
    frames = "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"
    last = -1
    for _ in range(rounds):
        page.wait_for_function(IDLE_JS, timeout=10_000)
        page.evaluate(frames)
        painted = map_state(page)["painted"]
        if painted == last:
            return
        last = painted
    msg = f"the map was still redrawing after {rounds} checks"
    raise TimeoutError(msg)
