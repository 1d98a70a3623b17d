"""Fixtures for the browser tests: Debian's Chromium, Playwright and a JupyterLab server.

Playwright drives ``/usr/bin/chromium`` from Debian's ``chromium`` package,
which ``scripts/setup-browser.sh`` installs; it never downloads a browser.
Where that script could not install it, it wrote the reason to
``test-output/browser-unavailable.txt`` and the tests skip with that reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.lab import LabServer
from tests.conftest import REPO
from tests.scripted_server import ScriptedServer

CHROMIUM = Path("/usr/bin/chromium")
UNAVAILABLE = REPO / "test-output" / "browser-unavailable.txt"
FAILURE_SHOTS = REPO / "test-output"

# Without the networking flags Chromium tries to reach Google's hosts at every start, and this
# machine's closed network refuses them; --no-sandbox because the tests may run as root.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        reason = UNAVAILABLE.read_text().strip() if UNAVAILABLE.exists() else ""
        pytest.skip(
            reason or f"{CHROMIUM} is missing; scripts/setup-browser.sh installs Debian's chromium"
        )
    return CHROMIUM


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the test item, so fixtures can tell that the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(chromium: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A Playwright page in headless Chromium, with the fresh profile Playwright makes.

    When the test fails, the page is saved to ``test-output/<test name>-failed.png``.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium),
            headless=True,
            args=CHROMIUM_FLAGS,
        )
        try:
            opened = browser.new_page(viewport={"width": 1280, "height": 1100})
            yield opened
            report = getattr(request.node, "report_call", None)
            if report is not None and report.failed:
                FAILURE_SHOTS.mkdir(exist_ok=True)
                opened.screenshot(path=str(FAILURE_SHOTS / f"{request.node.name}-failed.png"))
        finally:
            browser.close()


@pytest.fixture
def lab(scripted: ScriptedServer, project: Path, tmp_path: Path) -> Iterator[LabServer]:
    """JupyterLab serving the ``project`` folder; its kernels ask the scripted server."""
    state = tmp_path / "lab_state"
    state.mkdir()
    server = LabServer(root=project, state=state, env={"LOCO_BASE_URL": scripted.url})
    server.start()
    try:
        yield server
    finally:
        server.stop()
