"""Headless Chromium for tests that check what a person sees in the HTML views.

Playwright (a test dependency) drives the system's Chromium (``/usr/bin/chromium``, which
``.ci/run`` installs with the OS package manager when it is missing). Outside CI a machine
without Chromium skips these tests; in CI (``CI=true``) a missing browser fails them, so a
browser check can never pass by not running.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
A4_WIDTH_PX = 794  # 210 mm at the CSS 96 px per inch


def chromium_path() -> str | None:
    return os.environ.get("REGIMEN_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@contextmanager
def browser() -> Iterator[object]:
    """A launched Chromium browser (Playwright ``Browser``), closed afterwards."""
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("CI must check the HTML in a real browser, but no chromium is installed (.ci/run installs it)")
        pytest.skip("no chromium on this machine (apt install chromium); CI installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        try:
            yield launched
        finally:
            launched.close()


@contextmanager
def page_of(html_file: Path, *, width: int = A4_WIDTH_PX, height: int = 1123, media: str = "screen") -> Iterator[object]:
    """A Playwright ``Page`` showing ``html_file`` at ``width`` x ``height`` CSS pixels (A4 by
    default), with ``media`` "screen" or "print" emulated."""
    with browser() as launched:
        yield open_page(launched, html_file, width=width, height=height, media=media)


def open_page(launched, html_file: Path, *, width: int = A4_WIDTH_PX, height: int = 1123, media: str = "screen"):
    """A new Playwright ``Page`` of an already launched browser (see :func:`browser`: tests that open
    many pages share one launch), showing ``html_file`` as :func:`page_of` does."""
    page = launched.new_page(viewport={"width": width, "height": height})
    page.emulate_media(media=media)
    page.goto(html_file.resolve().as_uri())
    return page
