"""End to end in headless Chromium, in English and French, at desk and phone width: the supervisor issues
the weekly report, the production director finds it from the dashboard, downloads its PDF (a real PDF
whose first page has the production's title) and switches the report to the other language."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pypdf
import pytest
from tests.web.browser import accessibility_violations, open_page, server, sign_in, sync_api

__all__ = ["server"]  # the fixture, used by name

SIZES = {1440: 1000, 390: 844}
WORDS = {
    "en": {"status": "Overall status", "other": "fr", "other_status": "État général"},
    "fr": {"status": "État général", "other": "en", "other_status": "Overall status"},
}
TITLE = "Les Heures Claires"


def _check(page: Any, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert accessibility_violations(page) == []


def _sign_in_as(page: Any, base: str, username: str, lang: str) -> None:
    if page.locator("header form[action='/logout'] button").count():
        page.click("header form[action='/logout'] button")
        page.wait_for_url(lambda url: "/login" in url or url.endswith("/"))
    sign_in(page, base, username)
    if page.locator("html").get_attribute("lang") != lang:
        page.click(f"header form.lang button[value={lang}]")
        page.wait_for_function(f"document.documentElement.lang === '{lang}'")


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("width", [1440, 390])
def test_the_director_reads_the_weekly_report(server: tuple[str, int], tmp_path: Path, lang: str, width: int) -> None:
    base, pid = server
    p = f"{base}/p/{pid}"
    words = WORDS[lang]
    with sync_api.sync_playwright() as pw, open_page(pw, tmp_path / "profile", width, SIZES[width]) as page:
        errors: list[str] = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

        # The supervisor issues this week's report with a word for the week.
        _sign_in_as(page, base, "supervisor", lang)
        page.goto(f"{p}/reports/weekly")
        page.fill("#supervisor-paragraph", "The grade starts on Monday.")
        page.click("#issue-form button")
        page.wait_for_selector("#download-pdf")
        assert "The grade starts on Monday." in page.locator("#paragraph").inner_text()

        # The production director sees it on the dashboard, opens it and downloads its PDF.
        _sign_in_as(page, base, "director", lang)
        page.goto(p)
        page.click("#weekly-reports a")
        page.wait_for_selector("#status")
        assert words["status"] in page.locator("#status h2").inner_text()
        _check(page, width)
        with page.expect_download() as info:
            page.click("#download-pdf")
        pdf = Path(info.value.path()).read_bytes()
        assert pdf.startswith(b"%PDF")
        assert TITLE in pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()

        # This week's report as it stands, switched to the other language.
        page.goto(f"{p}/reports/weekly")
        page.click("#switch-lang")
        page.wait_for_function(f"document.documentElement.lang === '{words['other']}'")
        assert words["other_status"] in page.locator("#status h2").inner_text()
        _check(page, width)
        assert errors == [], errors
