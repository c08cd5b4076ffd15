"""Read a road network once and prepare it for several travel modes.

:func:`read_network` parses its source for one mode. Planning work needs three (walk for the
15-minute circle, drive, ambulance), and for OSM XML parsing (osmnx, with its simplification)
is most of the cost: reading the central-Shanghai ``.osm`` three times took three times ~6 s
on this project's machine, preparing each mode ~1 s. :func:`read_networks` parses once and
prepares each mode from its own copy of the parsed topology, through the same
:func:`~healthcov.network.prepare.prepare_graph` that :func:`read_network` uses, so every
mode's graph is identical to ``read_network(source, mode=m)`` (nodes, edges, attributes and
``G.graph["healthcov"]``).

``form="networkx"`` (default) parses once: OSM XML (``.osm``, ``.osm.bz2``, ``.xml``) and osmnx
GraphML. Other sources (line layers, ``.osm.pbf`` — whose roads depend on the mode —, CBEngine
text, networkx graphs) and calls with a line-layer option other than its default are read by
:func:`read_network` once per mode (same results, no time saved).

``form="arrays"`` reads ANY source once (:func:`healthcov.io.line_topology.read_topology`: line
layers straight to arrays, OSM XML and ``.osm.pbf`` with pyosmium, the rest parsed and converted),
projects it once and prepares each
mode from that one :class:`~healthcov.network.raw.RawNetwork` with
:func:`~healthcov.network.build.prepare_arrays`, as ``read_network(..., form="arrays")`` does,
so each mode's :class:`~healthcov.Network` equals ``read_network(source, mode=m, form="arrays")``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import networkx as nx

from ..errors import InputError, NetworkError
from ..network.modes import TravelMode, get_mode
from ..network.noding import DEFAULT_SNAP_TOLERANCE_M
from ..network.prepare import prepare_graph
from ._common import existing_path
from .networks import FORMS, read_network

__all__ = ["read_networks", "DEFAULT_MODES", "PARSED_ONCE_SUFFIXES"]

#: the modes a planning job needs: the 15-minute walking circle, driving and the ambulance
DEFAULT_MODES = ("walk", "drive", "ambulance")
#: file endings :func:`read_networks` parses once for every mode (others: once per mode)
PARSED_ONCE_SUFFIXES = (".graphml", ".osm", ".osm.bz2", ".xml", ".osm.xml")

_MODE_KW = ("speeds", "congestion", "speed_factor", "use_maxspeed")
_PREPARE_KW = ("to_crs", "largest_component", "length_column", "recompute_length")
# options read_network looks at for these formats too (speed turns maxspeed on; the rest are
# line-layer options that it validates), with their defaults: when any differs from its
# default, read_network runs once per mode
_OTHER_KW: dict[str, Any] = {
    "crs": None,
    "layer": None,
    "road_class": None,
    "oneway": None,
    "speed": None,
    "directed": None,
    "snap_tolerance_m": DEFAULT_SNAP_TOLERANCE_M,
    "node_crossings": "auto",
    "encoding": None,
}


def read_networks(
    source: Any,
    modes: Iterable[str | TravelMode] = DEFAULT_MODES,
    **read_network_kwargs: Any,
) -> dict[str, nx.MultiDiGraph]:
    """Read a road network once and prepare it for every mode in ``modes``.

    Parameters
    ----------
    source
        What :func:`healthcov.read_network` accepts: a path (``.osm``/``.osm.bz2``/``.xml``,
        ``.graphml``, ``.osm.pbf``, a line layer, a CBEngine ``.txt``) or a networkx graph.
    modes
        Mode names (``"walk"``, ``"bike"``, ``"ebike"``, ``"drive"``, ``"ambulance"``) or
        :class:`~healthcov.TravelMode` objects; each name may appear once.
    **read_network_kwargs
        Any keyword of :func:`healthcov.read_network` except ``mode``; applied to every mode
        (``speeds=`` overrides every mode's table for the classes it names). With
        ``form="arrays"`` the source is read once whatever it is (see the module docstring).

    Returns
    -------
    dict of str to networkx.MultiDiGraph (or healthcov.Network with ``form="arrays"``)
        One prepared network per mode, keyed by the mode's name, each equal to
        ``read_network(source, mode=m, **read_network_kwargs)``. The networks share nothing:
        editing one leaves the others alone.

    Examples
    --------
    >>> import healthcov as hc
    >>> Gs = hc.read_networks(hc.datasets.path("dalian_graphml"), modes=("walk", "drive"))
    >>> sorted(Gs), Gs["walk"].graph["healthcov"]["mode"]["name"]
    (['drive', 'walk'], 'walk')
    """
    if "mode" in read_network_kwargs:
        msg = "read_networks takes modes=(...) (several), not mode=: e.g. modes=('walk', 'drive', 'ambulance')"
        raise InputError(msg)
    wanted = _mode_names(modes)
    form = read_network_kwargs.pop("form", "networkx")
    if form not in FORMS:
        msg = f"form={form!r} is not one of {FORMS}: 'arrays' gives healthcov.Network objects, 'networkx' graphs"
        raise InputError(msg)
    if form == "arrays":
        return _arrays_once(source, wanted, read_network_kwargs)
    path = _parse_once_path(source, read_network_kwargs)
    if path is None:
        return _each_mode(source, wanted, read_network_kwargs)
    mode_kw = {k: read_network_kwargs[k] for k in _MODE_KW if k in read_network_kwargs}
    prepare_kw = {k: read_network_kwargs[k] for k in _PREPARE_KW if k in read_network_kwargs}
    tms = {name: get_mode(m, **mode_kw) for name, m in wanted.items()}  # bad options fail before the parse
    parsed = _parse(path)
    out = {}
    for name, tm in tms.items():
        # prepare_graph is called from here directly, as read_network does, so that its
        # warnings point at the caller's line
        out[name] = prepare_graph(parsed.copy(), tm, source=str(path), **prepare_kw)
    return out


def _arrays_once(source: Any, wanted: dict[str, str | TravelMode], kwargs: dict[str, Any]) -> dict[str, Any]:
    """form="arrays": one read, one projection, prepare_arrays per mode."""
    from ..network.build import prepare_arrays
    from .line_topology import read_topology

    _check_options(kwargs)
    mode_kw = {k: kwargs[k] for k in _MODE_KW if k in kwargs}
    line_kw = {k: kwargs[k] for k in _OTHER_KW if k in kwargs}
    line_kw["length_column"] = kwargs.get("length_column")
    prep_kw = {
        "largest_component": kwargs.get("largest_component", True),
        "length_column": kwargs.get("length_column") or "length",
        "recompute_length": kwargs.get("recompute_length", False),
    }
    tms = {name: get_mode(m, **mode_kw) for name, m in wanted.items()}  # bad options fail before the read
    first = next(iter(tms.values()))
    with warnings.catch_warnings(record=True) as caught:  # said again from read_networks' caller
        warnings.simplefilter("always")
        raw, label, flag = read_topology(source, mode=first, use_maxspeed=mode_kw.get("use_maxspeed"), **line_kw)
    for w in caught:
        warnings.warn(w.message, w.category, stacklevel=3)
    raw = raw.project(kwargs.get("to_crs"))
    out: dict[str, Any] = {}
    for name, tm in tms.items():
        tm = tm if flag is None else get_mode(tm, use_maxspeed=flag)
        out[name] = prepare_arrays(raw, tm, source=label, **prep_kw)
    return out


def _each_mode(source: Any, wanted: dict[str, str | TravelMode], kwargs: dict[str, Any]) -> dict[str, nx.MultiDiGraph]:
    """read_network once per mode; its warnings are said again from read_networks' caller."""
    out = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for name, m in wanted.items():
            out[name] = read_network(source, mode=m, **kwargs)
    for w in caught:
        warnings.warn(w.message, w.category, stacklevel=3)
    return out


def _mode_names(modes: Iterable[str | TravelMode]) -> dict[str, str | TravelMode]:
    if isinstance(modes, (str, TravelMode)):
        modes = (modes,)
    out: dict[str, str | TravelMode] = {}
    for m in modes:
        name = m.name if isinstance(m, TravelMode) else get_mode(m).name
        if name in out:
            msg = f"mode {name!r} is given twice in modes={modes!r}: name each mode once"
            raise InputError(msg)
        out[name] = m
    if not out:
        msg = "modes= is empty: name at least one mode, e.g. modes=('walk', 'drive', 'ambulance')"
        raise InputError(msg)
    return out


def _parse_once_path(source: Any, kwargs: dict[str, Any]) -> Path | None:
    """The path to parse once, or None when read_network should run once per mode."""
    _check_options(kwargs)
    given = [k for k in kwargs if k in _OTHER_KW and not _is_default(kwargs[k], _OTHER_KW[k])]
    if not isinstance(source, (str, Path)) or given:
        return None
    path = existing_path(source, "road network")
    if not path.is_file() or not path.name.lower().endswith(PARSED_ONCE_SUFFIXES):
        return None
    return path


def _check_options(kwargs: dict[str, Any]) -> None:
    unknown = set(kwargs) - set(_MODE_KW) - set(_PREPARE_KW) - set(_OTHER_KW)
    if unknown:
        msg = f"read_networks got unknown options {sorted(unknown)}: use the keywords of healthcov.read_network"
        raise InputError(msg)


def _is_default(value: Any, default: Any) -> bool:
    return value is default or (type(value) is type(default) and value == default)


def _parse(path: Path) -> nx.MultiDiGraph:
    """The file's graph as osmnx reads it, before any mode (what read_network parses)."""
    import osmnx as ox

    try:
        if path.name.lower().endswith(".graphml"):
            return ox.load_graphml(path)
        return ox.graph_from_xml(path, simplify=True, retain_all=True)
    except (NetworkError, InputError):
        raise
    except Exception as exc:
        msg = f"cannot read the road network {str(path)!r}: {type(exc).__name__}: {exc}"
        raise NetworkError(msg) from exc
