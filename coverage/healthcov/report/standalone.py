"""Self-contained HTML: every script and style of a folium map inline, nothing fetched from the network.

folium's pages load Leaflet, jQuery, Bootstrap, Font Awesome and Awesome Markers from CDNs, so a
saved map shows nothing in a meeting room without internet. :func:`standalone_html` renders the
map and replaces each external ``<script src>``/``<link href>`` with an inline copy of the asset
vendored in ``healthcov/report/vendor`` (see its README for versions and licences), or leaves it
out when the page works without it (Bootstrap and the Awesome Markers icon set: healthcov's maps
draw facilities as circle markers). A reference to anything else is an error: a page that needs
the internet is never written silently.

folium keeps its CDN lists on the classes (``folium.Map.default_js``) and shares them between all
maps; they are not touched here, the rendered page is rewritten instead, so the same function also
works on HTML that was rendered elsewhere.
"""

from __future__ import annotations

import base64
import html
import os
import re
import types
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import folium
from branca.element import Figure

from .._io_atomic import atomic_path
from ..errors import InputError

__all__ = ["standalone_html", "save_map", "notebook_html", "offline", "VENDORED"]

VENDOR_DIR = Path(__file__).with_name("vendor")

#: vendored assets: name -> (version, licence)
VENDORED = {"leaflet": ("1.9.4", "BSD-2-Clause"), "jquery": ("3.7.1", "MIT")}


@dataclass(frozen=True)
class _Rule:
    name: str
    url: re.Pattern[str]  # searched in the URL (lower case)
    inline: str | None  # "leaflet_js", "leaflet_css", "jquery_js"; None: left out
    needed_if: re.Pattern[str] | None = None  # left out assets: page text that means they are needed


_AWESOME = re.compile(r"L\.AwesomeMarkers")
_RULES = (
    _Rule("Leaflet JS", re.compile(r"(^|/)leaflet(\.min)?\.js$"), "leaflet_js"),
    _Rule("Leaflet CSS", re.compile(r"(^|/)leaflet(\.min)?\.css$"), "leaflet_css"),
    _Rule("jQuery", re.compile(r"(^|/)jquery(-[\d.]+)?(\.min)?\.js$"), "jquery_js"),
    _Rule(
        "Bootstrap JS",
        re.compile(r"/bootstrap[@/][^?#]*bootstrap(\.bundle)?(\.min)?\.js$"),
        None,
        re.compile(r"\bbootstrap\.[A-Z]|data-bs-(toggle|dismiss)"),
    ),
    _Rule("Bootstrap CSS", re.compile(r"/bootstrap[@/][^?#]*bootstrap(\.min)?\.css$"), None),
    _Rule("Glyphicons", re.compile(r"bootstrap-glyphicons(\.min)?\.css$"), None, _AWESOME),
    _Rule("Font Awesome", re.compile(r"fontawesome[^?#]*\.css$"), None, _AWESOME),
    _Rule("Awesome Markers", re.compile(r"leaflet\.awesome-markers(\.min)?\.(js|css)$"), None, _AWESOME),
    _Rule("Awesome rotate CSS", re.compile(r"leaflet\.awesome\.rotate(\.min)?\.css$"), None, _AWESOME),
)
_MAJOR = {"leaflet_js": ("leaflet", 1), "leaflet_css": ("leaflet", 1), "jquery_js": ("jquery", 3)}
_SOURCE_MAP = re.compile(r"^\s*(//|/\*)# sourceMappingURL=.*$", re.MULTILINE)


def _read(rel: str) -> str:
    return (VENDOR_DIR / rel).read_text(encoding="utf-8")


def _png_data_uri(rel: str) -> str:
    return "data:image/png;base64," + base64.b64encode((VENDOR_DIR / rel).read_bytes()).decode("ascii")


def _script(code: str, note: str) -> str:
    code = _SOURCE_MAP.sub("", code).replace("</script", "<\\/script")
    return f"<script>/* {note} */\n{code}\n</script>"


@cache
def _inline(key: str) -> str:
    if key == "leaflet_js":
        # the default marker icon: Leaflet looks for images/marker-icon.png beside leaflet.css
        icons = ", ".join(
            f'{opt}: "{_png_data_uri("leaflet/images/" + png)}"'
            for opt, png in (
                ("iconUrl", "marker-icon.png"),
                ("iconRetinaUrl", "marker-icon-2x.png"),
                ("shadowUrl", "marker-shadow.png"),
            )
        )
        icon_js = f"L.Icon.Default.imagePath = '';\nL.Icon.Default.mergeOptions({{{icons}}});"
        code = _read("leaflet/leaflet.js") + "\n" + icon_js
        return _script(code, "Leaflet 1.9.4, BSD-2-Clause, vendored by healthcov")
    if key == "jquery_js":
        return _script(_read("jquery/jquery.min.js"), "jQuery 3.7.1, MIT, vendored by healthcov")
    if key == "leaflet_css":
        css = re.sub(
            r"url\((['\"]?)images/([\w.-]+\.png)\1\)",
            lambda mt: f'url("{_png_data_uri("leaflet/images/" + mt.group(2))}")',
            _read("leaflet/leaflet.css"),
        )
        return f"<style>/* Leaflet 1.9.4, BSD-2-Clause, vendored by healthcov */\n{css}\n</style>"
    msg = f"no vendored asset {key!r}"  # pragma: no cover - a bug in _RULES
    raise AssertionError(msg)


class _ExternalRefs(HTMLParser):
    """Spans of ``<script src>…</script>`` and ``<link href>`` tags; script bodies are not parsed."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self._line_start = [0, *(m.end() for m in re.finditer("\n", text))]
        self._text = text
        self._open: tuple[int, str] | None = None
        self.found: list[tuple[int, int, str, str]] = []  # start, end, tag, url

    def _offset(self) -> int:
        line, col = self.getpos()
        return self._line_start[line - 1] + col

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        start = self._offset()
        end = start + len(self.get_starttag_text() or "")
        if tag == "script" and a.get("src"):
            self._open = (start, str(a["src"]))
        elif tag == "link" and a.get("href"):
            self.found.append((start, end, tag, str(a["href"])))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._open is not None:
            start, url = self._open
            end = self._text.index(">", self._offset()) + 1
            self.found.append((start, end, "script", url))
            self._open = None


def _render(m: folium.Map | Figure | str) -> str:
    if isinstance(m, str):
        return m
    if isinstance(m, folium.Map | Figure):
        root = m.get_root()
        if not isinstance(root, Figure):
            msg = "the map is not inside a folium Figure: pass the Map itself (folium.Map(...)) or its Figure"
            raise InputError(msg)
        return root.render()
    msg = f"m must be a folium.Map, a folium.Figure or rendered HTML (str), not {type(m).__name__}"
    raise InputError(msg)


def standalone_html(m: folium.Map | Figure | str) -> str:
    """Render a folium map as one HTML page that works with no network.

    Leaflet (JS, CSS and its images) and jQuery are inlined from the copies vendored with
    healthcov; Bootstrap, Font Awesome and Awesome Markers are left out, which folium's maps do not
    need unless they use ``folium.Icon`` markers. Tile layers still load tiles from their servers
    when online; the map itself (bands, facilities, legend, layer control) needs nothing.

    Parameters
    ----------
    m
        A folium ``Map`` (for example from :func:`healthcov.explore_isochrones`), its ``Figure``,
        or HTML already rendered by folium.

    Returns
    -------
    str
        The page, with no ``<script src>`` or ``<link href>`` to another file or server.

    Raises
    ------
    InputError
        The page references an asset healthcov does not vendor and the page needs (a folium
        plugin, ``folium.Icon`` markers, a newer Leaflet or jQuery major version).

    Examples
    --------
    >>> import folium
    >>> m = folium.Map(location=[31.23, 121.47], zoom_start=12, tiles=None)
    >>> _ = folium.CircleMarker([31.23, 121.47], radius=5, popup="急救中心").add_to(m)
    >>> page = standalone_html(m)
    >>> "<script src=" in page or "<link " in page
    False
    >>> "Leaflet 1.9.4" in page and "jQuery 3.7.1" in page
    True
    """
    text = _render(m)
    parser = _ExternalRefs(text)
    parser.feed(text)
    parser.close()
    done: set[str] = set()
    unknown: list[str] = []
    out: list[str] = []
    pos = 0
    for start, end, _tag, url in sorted(parser.found):
        if url.lower().startswith("data:"):
            continue
        rule = next((r for r in _RULES if r.url.search(url.lower().split("?")[0].split("#")[0])), None)
        if rule is None:
            unknown.append(url)
            continue
        if rule.inline is not None:
            lib, major = _MAJOR[rule.inline]
            version = re.search(rf"{lib}[@/-]v?((\d+)\.[\d.]*\d)", url.lower())
            if version and int(version.group(2)) != major:
                msg = (
                    f"the page asks for {rule.name} {version.group(1)} but healthcov vendors "
                    f"{lib} {VENDORED[lib][0]} ({url}): update healthcov/report/vendor"
                )
                raise InputError(msg)
            piece = "" if rule.inline in done else _inline(rule.inline)
            done.add(rule.inline)
        else:
            piece = f"<!-- {rule.name}: not needed offline, left out by healthcov -->"
        out.append(text[pos:start])
        out.append(piece)
        pos = end
    out.append(text[pos:])
    result = "".join(out)
    if unknown:
        shown = ", ".join(unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
        msg = (
            f"the map loads {len(unknown)} file(s) healthcov does not vendor, so it would not work offline: "
            f"{shown}. Leave out the folium plugin or element that adds them."
        )
        raise InputError(msg)
    for rule in _RULES:
        if rule.inline is None and rule.needed_if is not None and rule.needed_if.search(text):
            msg = (
                f"the map uses {rule.name} (for example folium.Icon markers), which healthcov does not vendor: "
                "draw points with folium.CircleMarker instead"
            )
            raise InputError(msg)
    return result


def save_map(m: folium.Map | Figure | str, path: str | os.PathLike[str]) -> Path:
    """Write :func:`standalone_html` of ``m`` to ``path`` (UTF-8), atomically.

    A failure leaves no half-written file and keeps any previous file at ``path``.

    Examples
    --------
    >>> import folium, tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = save_map(folium.Map(tiles=None), Path(d) / "map.html")
    ...     ("<script src=" in p.read_text(encoding="utf-8"), p.name)
    (False, 'map.html')
    """
    text = standalone_html(m)
    target = Path(path)
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target


def notebook_html(m: folium.Map | Figure | str, *, height_px: int = 540) -> str:
    """The map as an ``<iframe srcdoc>`` with Leaflet and jQuery inline: what Jupyter shows, with no network.

    folium's own notebook view loads about ten files from CDNs, so offline it stays blank
    ("L is not defined"); this one needs nothing.

    Examples
    --------
    >>> import folium
    >>> cell = notebook_html(folium.Map(location=[31.23, 121.47], zoom_start=12, tiles=None))
    >>> cell.startswith("<iframe srcdoc=") and "cdn.jsdelivr" not in cell and "Leaflet 1.9.4" in cell
    True
    """
    page = standalone_html(m)
    return (
        f'<iframe srcdoc="{html.escape(page, quote=True)}" style="width:100%;height:{int(height_px)}px;'
        'border:1px solid #ccc" title="healthcov map"></iframe>'
    )


def offline(m: folium.Map) -> folium.Map:
    """Make ``m`` display offline in Jupyter: its ``_repr_html_`` becomes :func:`notebook_html`.

    healthcov's ``explore_*`` functions return maps made this way; ``m.save(...)`` is unchanged
    (use :func:`save_map` for an offline file).
    """
    if not isinstance(m, folium.Map):
        msg = f"offline() needs a folium.Map, not {type(m).__name__}"
        raise InputError(msg)
    m._repr_html_ = types.MethodType(lambda self, **_kw: notebook_html(self), m)  # type: ignore[method-assign]
    return m
