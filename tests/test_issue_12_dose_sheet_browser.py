"""Issue 12, items 2-4: the dose sheet as a pharmacist sees it, in headless Chromium at A4 width.

Every drug of ``--format json`` is on the page with its dose and its preparation (or what to
take), the signature lines are there, nothing is wider than the page, and the print layout fits
A4 and Letter. The README's screenshot is regenerated only on purpose:
``REGIMEN_UPDATE_SCREENSHOTS=1 pytest tests/test_issue_12_dose_sheet_browser.py`` (never in CI).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from browser import A4_WIDTH_PX, page_of
from conftest import run_cli

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOT = ROOT / "docs" / "dose-sheet-NCT05233358-haic.png"
ARGS = ["dose", "NCT05233358", "--arm", "haic", "--weight", "70 kg", "--height", "170 cm", "--today", "2026-12-01"]
PRINTABLE_PX = round((210 - 2 * 10) / 25.4 * 96)  # A4 (the narrower paper) less the 10 mm @page margins: 718 px
WIDEST = """() => Math.max(document.documentElement.scrollWidth,
    ...[...document.querySelectorAll('body *')].map(e => e.getBoundingClientRect().right))"""


@pytest.fixture(scope="module")
def sheet(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sheet")
    path = folder / "dose-sheet.html"
    assert run_cli(*ARGS, "-o", path).exit_code == 0
    data = json.loads(run_cli(*ARGS, "--format", "json").stdout)
    return path, data


def test_every_drug_shows_its_dose_and_preparation(sheet):
    path, data = sheet
    with page_of(path) as page:
        for drug in data["drugs"]:
            block = page.locator(f'section.drug[data-activity="{drug["activity"]}"]')
            assert block.is_visible(), drug["activity"]
            text = " ".join(block.inner_text().split())
            assert drug["name"] in text and f"{drug['dose']['text']} per administration" in text, text
            line = drug["prepare"] or drug["take"]
            assert line and line in text, (drug["activity"], line)
        # e.g. what the pharmacist draws up for the 46-hour pump (2400 × 1.8181 m² = 4363.48 mg = 87.27 mL)
        pump = page.locator('section.drug[data-activity="fluorouracil_infusion"] td.prepare').inner_text()
        assert pump.startswith("87.27 mL of 50 mg/mL from")


def test_the_signature_lines_are_there_to_sign(sheet):
    path, _ = sheet
    with page_of(path) as page:
        rows = page.locator("table.signatures tr")
        assert [" ".join(rows.nth(i).inner_text().split()) for i in range(rows.count())] == ["Prepared by Date", "Checked by Date"]
        widths = page.evaluate("() => [...document.querySelectorAll('table.signatures td:not(.gap)')].map(e => e.getBoundingClientRect().width)")
        assert len(widths) == 4 and min(widths) > 100  # room for a signature and a date


def test_nothing_is_wider_than_an_a4_page(sheet):
    path, _ = sheet
    with page_of(path) as page:
        assert page.evaluate(WIDEST) <= A4_WIDTH_PX
    with page_of(path, width=PRINTABLE_PX, media="print") as page:
        assert page.evaluate(WIDEST) <= PRINTABLE_PX
        assert page.evaluate("() => getComputedStyle(document.querySelector('section.drug')).breakInside") == "avoid"


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_the_print_layout_fits_the_paper(sheet, paper):
    path, _ = sheet
    with page_of(path, media="print") as page:
        pdf = page.pdf(format=paper, prefer_css_page_size=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pdf.startswith(b"%PDF-") and 1 <= pages <= 3, pages  # six drug blocks, the assumptions and the signatures


def test_the_readme_screenshot_is_kept(sheet):
    path, _ = sheet
    if os.environ.get("REGIMEN_UPDATE_SCREENSHOTS") == "1":
        if os.environ.get("CI"):
            pytest.fail("screenshots are regenerated on purpose on a developer's machine, never in CI")
        from PIL import Image  # WeasyPrint's dependency, so in the test extra

        with page_of(path) as page:
            page.screenshot(path=str(SCREENSHOT), full_page=True)
        Image.open(SCREENSHOT).convert("L").save(SCREENSHOT, optimize=True)  # a black-and-white page: grey levels are enough
    assert SCREENSHOT.read_bytes().startswith(b"\x89PNG\r\n\x1a\n"), f"missing {SCREENSHOT}; make it with REGIMEN_UPDATE_SCREENSHOTS=1"
