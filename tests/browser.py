"""A real headless browser for the tests of pages people read (the service's pages, the analysis report).

Debian's Chromium, driven by Playwright's protocol client: Playwright is installed from PyPI without its own
browser download and told where Chromium is, so the pages are rendered by the browser a branch secretary would use,
with the fonts the machine has. A missing Chromium fails the test with the command that installs it: a test that
looks at a page must look at it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# The flags a sandboxed root process needs, and no calls home: the machine's network is closed, so Chromium's
# background connections would be refused at every start.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
INSTALL_HINT = "install Chromium and a CJK font (Debian: apt-get install chromium fonts-wqy-microhei)"


def chromium_path() -> str:
    """Where Chromium is: $PARTYRULES_CHROMIUM, or `chromium`/`chromium-browser` on PATH."""
    configured = os.environ.get("PARTYRULES_CHROMIUM")
    if configured:
        return configured
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail(f"no Chromium found for the browser tests: {INSTALL_HINT}", pytrace=False)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium per test module (a start costs about a second)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    """A fresh 1280x900 page (the width of an office screen), closed after the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    try:
        yield context.new_page()
    finally:
        context.close()


def screenshot(page: Any, directory: Path, name: str) -> Path:
    """A full-page PNG under `directory` (a test's tmp_path, or $PARTYRULES_SCREENSHOTS to keep them)."""
    keep = os.environ.get("PARTYRULES_SCREENSHOTS")
    target = Path(keep) if keep else directory
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def overflow_px(page: Any) -> int:
    """How far the page is wider than its viewport (0 when nothing needs a horizontal scroll bar)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def cjk_font_installed() -> bool:
    """Whether the machine has a font with Chinese glyphs (without one, Chinese renders as boxes in any page)."""
    import subprocess

    listed = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False)
    return bool(listed.stdout.strip())
