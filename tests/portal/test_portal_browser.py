"""The portal in a real browser: headless Debian Chromium driven by Playwright.

Screenshots of every page go to the test's tmp dir and to /tmp/portal-shots/ for a human to look at.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from portal_support import PERIOD, Demo

from ledger import statements
from ledger.portal.app import create_app
from reports.format import Formats

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = Path("/tmp/portal-shots")

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def server(demo: Demo) -> Iterator[str]:
    import uvicorn

    port = _free_port()
    config = uvicorn.Config(
        create_app(demo.workspace), host="127.0.0.1", port=port, log_level="warning"
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not running.started:
        assert time.monotonic() < deadline, "the portal did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(
            "browser test needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("browser test needs playwright (pip install playwright)")
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Shots:
    def __init__(self, out: Path) -> None:
        self.out = out
        out.mkdir(parents=True, exist_ok=True)
        SHOTS.mkdir(parents=True, exist_ok=True)

    def take(self, page: Any, name: str) -> None:
        path = self.out / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        shutil.copy(path, SHOTS / path.name)


def _sign_in(context: Any, link: str) -> Any:
    page = context.new_page()
    page.goto(link)
    page.get_by_role("button", name="Continue to my statements").click()
    page.wait_for_url("**/statements")
    return page


def test_a_talent_signs_in_sees_her_statements_and_downloads_one(
    demo: Demo, server: str, browser: Any, tmp_path: Path
) -> None:
    shots = Shots(tmp_path / "screenshots")
    link = f"{server}/sign-in?token={demo.link_token('liv-s')}"
    context = browser.new_context(accept_downloads=True, viewport={"width": 1100, "height": 760})

    page = context.new_page()
    page.goto(link)
    shots.take(page, "01-sign-in-link")
    page.get_by_role("button", name="Continue to my statements").click()
    page.wait_for_url("**/statements")
    shots.take(page, "02-statements-talent")

    assert page.locator("h1").inner_text() == "Liv Sandström"
    hrefs = page.locator("a[href^='/periods/']").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )
    assert hrefs == [f"/periods/{PERIOD}/statement.pdf"]
    body = page.locator("main").inner_text()
    doc = statements.documents(demo.workspace, PERIOD, "liv-s")[0]
    payable = Formats(doc["party"]["locale"]).amount(doc["summary"]["payable"], doc["currency"])
    assert "ST-2026-10-T-liv-s" in body and payable in body
    for other in ("Zoë", "Σοφία", "Анна", "zoe-l", "sofia-p", "anna-k", "Nordlys"):
        assert other not in body

    with page.expect_download() as info:
        page.get_by_role("link", name="Download PDF").click()
    download = info.value
    assert download.suggested_filename == "ST-2026-10-T-liv-s.pdf"
    expected = demo.workspace.path("statements", PERIOD, "ST-2026-10-T-liv-s.pdf").read_bytes()
    assert Path(download.path()).read_bytes() == expected

    response = page.goto(f"{server}/periods/{PERIOD}/talents/zoe-l/statement.pdf")
    assert response is not None and response.status == 404
    shots.take(page, "03-not-found")

    page.goto(f"{server}/statements")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in?signed_out=1")
    shots.take(page, "04-signed-out")

    page.goto(link)  # the spent link says so at once, in Swedish
    assert "har redan använts" in page.locator(".alert").inner_text()
    shots.take(page, "05-link-already-used")
    context.close()

    for party, name in (("nordlys", "06-statements-agency"), ("zephyr", "07-statements-brand")):
        context = browser.new_context(viewport={"width": 1100, "height": 760})
        page = _sign_in(context, f"{server}/sign-in?token={demo.link_token(party)}")
        shots.take(page, name)
        context.close()

    assert sorted(p.name for p in shots.out.iterdir()) == sorted(
        p.name for p in SHOTS.glob("0*.png")
    )
