"""Shared fixtures.

Real-data fixtures read ``$HEALTHCOV_DATA`` (default ``../shared/geodata``). When the data is
missing they FAIL (never skip): CI must not pass green without having tested on real data.
Tests marked ``network`` need the internet and are skipped unless ``HEALTHCOV_ONLINE=1``.
"""

from __future__ import annotations

import os

import networkx as nx
import pytest

import healthcov as hc

os.environ.setdefault("HEALTHCOV_PROGRESS", "0")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("HEALTHCOV_ONLINE") == "1":
        return
    skip = pytest.mark.skip(reason="needs the internet: set HEALTHCOV_ONLINE=1 to run")
    for item in items:
        if item.get_closest_marker("network") is not None:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def data_dir():
    return hc.datasets.data_dir()  # raises DataNotFoundError (a failure) when missing


@pytest.fixture(scope="session")
def shanghai_drive(data_dir) -> nx.MultiDiGraph:
    return hc.read_network(hc.datasets.path("shanghai_network"), mode="drive")


@pytest.fixture(scope="session")
def shanghai_emergency(data_dir):
    return hc.datasets.shanghai_health_facilities("急救中心")


@pytest.fixture(scope="session")
def jinan_drive(data_dir) -> nx.MultiDiGraph:
    with pytest.warns(hc.AssumedCRSWarning):
        return hc.read_network(hc.datasets.path("jinan_edges"), mode="drive")


@pytest.fixture(scope="session")
def dalian_drive(data_dir) -> nx.MultiDiGraph:
    return hc.read_network(hc.datasets.path("dalian_graphml"), mode="drive")


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    """Debian's headless Chromium (tests/browser.py); FAILS when it is missing: CI installs it."""
    from playwright.sync_api import sync_playwright

    from browser import CHROMIUM, launch

    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found: the browser tests need Debian's Chromium, run `apt-get install chromium`")
    with sync_playwright() as playwright:
        chromium = launch(playwright, tmp_path_factory.mktemp("chromium-profile"))
        try:
            yield chromium
        finally:
            chromium.close()
