"""End to end in headless Chromium: the supervisor drafts the budget from the plan, locks it, adds a purchase
order and an invoice (refused past its order until the overrun is noted) and sees the EFC move; a technician
logs time on "my week"; the production director opens the cost report. English and French, desk and phone,
every page as wide as the screen and axe clean.

Screenshots go to POSTPROD_SCREENSHOTS when it is set (else a temporary folder).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from tests.web.browser import accessibility_violations, open_page, server, sign_in, sync_api

__all__ = ["server"]  # the fixture, used by name

WORDS = {
    "en": {"locked": "This version is locked", "overrun": "accept the overrun", "out": "Sign out"},
    "fr": {"locked": "Cette version est verrouillée", "overrun": "acceptez le dépassement", "out": "Se déconnecter"},
}


def _fits(page: Any, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} is {scroll} px wide at {width}"


def _checked(page: Any, width: int, shots: Path, name: str) -> None:
    _fits(page, width)
    assert accessibility_violations(page) == [], page.url
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)


def _french(page: Any, lang: str) -> None:
    if lang == "fr":
        page.click("header form.lang button[value=fr]")
        page.wait_for_selector("text=Se déconnecter")


def _efc(page: Any, base: str, pid: int) -> str:
    page.goto(f"{base}/p/{pid}/costs")
    return str(page.locator("#efc-total").inner_text())


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("width", [1440, 390])
def test_budget_to_cost_report_in_the_browser(server: tuple[str, int], tmp_path: Path, lang: str, width: int) -> None:
    base, pid = server
    words = WORDS[lang]
    shots = Path(os.environ.get("POSTPROD_SCREENSHOTS") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    tag = f"{lang}-{width}"
    with sync_api.sync_playwright() as pw:
        with open_page(pw, tmp_path / "profile", width, 900) as page:
            sign_in(page, base, "supervisor")
            _french(page, lang)

            # The budget, drafted from the plan, then locked: no edit control left.
            page.goto(f"{base}/p/{pid}")
            page.click(f'nav.tabs a[href="/p/{pid}/budget"]')
            page.wait_for_selector("#draft-form")
            _checked(page, width, shots, f"budget-empty-{tag}")
            page.click("#draft-form button")
            page.wait_for_selector("#budget-tree")
            page.click('#budget-tree a[href*="account=2.10"]')
            page.wait_for_selector("#acc-2\\.10 a[aria-expanded=true]")
            assert page.locator("tr.line-row").count() >= 1
            _checked(page, width, shots, f"budget-draft-{tag}")
            # A line edited in place: htmx brings the row's form, a mistake comes back beside the rate.
            total = page.locator("#acc-2\\.10 td.num").nth(4).inner_text()
            page.locator("tr.line-row a[hx-get]").first.click()
            page.wait_for_selector("form[id^=line-form-] #f-e-rate")
            page.fill("#f-e-rate", "lots")
            page.click("form[id^=line-form-] button.primary")
            page.wait_for_selector("#err-e-rate")
            _checked(page, width, shots, f"budget-line-error-{tag}")
            page.fill("#f-e-rate", "1")
            page.click("form[id^=line-form-] button.primary")
            page.wait_for_selector("form[id^=line-form-]", state="detached")  # HX-Redirect: the page again
            page.wait_for_selector("#lock-form")
            assert page.locator("#acc-2\\.10 td.num").nth(4).inner_text() != total
            page.click("#lock-form button")
            page.wait_for_selector("#revise-form")
            assert words["locked"] in page.content()
            assert page.locator("#line-form").count() == 0 and page.locator("#lock-form").count() == 0
            _checked(page, width, shots, f"budget-locked-{tag}")
            page.goto(f"{base}/p/{pid}/budget/compare")
            _checked(page, width, shots, f"budget-compare-{tag}")

            efc_start = _efc(page, base, pid)

            # A vendor, then an order on an account with no budget: the EFC moves by what it commits.
            page.goto(f"{base}/p/{pid}/purchases")
            page.click("#vendors details summary")
            page.fill("#f-v-name", "Mikros")
            page.fill("#f-v-country", "FR")
            page.click("#vendor-form button.primary")
            page.wait_for_selector(".vendor-list >> text=Mikros")
            page.click("#orders details summary")
            page.fill("#f-o-number", "PO-1")
            page.select_option("#f-o-vendor", "Mikros")
            page.select_option("#f-o-account", "8.40")
            page.fill("#f-o-amount", "10000")
            page.click("#order-form button.primary")
            page.wait_for_selector("#po-PO-1")
            efc_ordered = _efc(page, base, pid)
            assert efc_ordered != efc_start

            # An invoice past its order: refused beside the note (htmx swaps the form), then accepted with one.
            page.goto(f"{base}/p/{pid}/purchases")
            page.click("#invoices details summary")
            page.select_option("#f-i-vendor", "Mikros")
            page.fill("#f-i-number", "F-1")
            page.select_option("#f-i-order", "PO-1")
            page.fill("#f-i-net", "12000")
            page.click("#invoice-form button.primary")
            page.wait_for_selector("#err-i-overrun_note")
            assert words["overrun"] in page.locator("#err-i-overrun_note").inner_text()
            assert page.locator("#f-i-net").input_value() == "12000"  # kept as typed
            _checked(page, width, shots, f"invoice-refused-{tag}")
            page.fill("#f-i-overrun_note", "Two extra shots")
            page.click("#invoice-form button.primary")
            page.wait_for_selector("#invoice-table >> text=F-1")
            _checked(page, width, shots, f"purchases-{tag}")
            efc_invoiced = _efc(page, base, pid)
            assert efc_invoiced not in (efc_start, efc_ordered)
            assert page.locator("#cost-8\\.40.overrun").count() == 1
            page.click("#snapshot-form button")
            page.wait_for_selector("#snapshots")
            _checked(page, width, shots, f"cost-report-{tag}")
            page.click("#cost-8\\.40 a")
            page.wait_for_selector("#detail-invoices >> text=F-1")
            _checked(page, width, shots, f"cost-detail-{tag}")

            # A technician logs half a day on their week; no money tab for them.
            sign_in(page, base, "editor")
            _french(page, lang)
            assert page.locator(f'nav.tabs a[href="/p/{pid}/budget"]').count() == 0
            page.goto(f"{base}/p/{pid}")
            page.click(f'nav.tabs a[href="/p/{pid}/week"]')
            page.wait_for_selector("#time-form")
            page.fill("#f-days", "")
            page.fill("#f-hours", "-1")
            page.click("#time-form button.primary")
            page.wait_for_selector("#err-hours")
            page.fill("#f-hours", "")
            page.fill("#f-days", "0.5")
            page.click("#time-form button.primary")
            page.wait_for_selector("#week-grid td.num >> text=/0[.,]5/")
            _checked(page, width, shots, f"my-week-{tag}")

            # The production director reads the cost report, by department too; no edit control.
            sign_in(page, base, "director")
            _french(page, lang)
            page.goto(f"{base}/p/{pid}")
            page.click(f'nav.tabs a[href="/p/{pid}/costs"]')
            page.wait_for_selector("#cost-report")
            assert page.locator("#snapshot-form").count() == 0
            page.check("input[name=by][value=department]")
            page.click("#report-form button")
            page.wait_for_url(lambda url: "by=department" in url)
            # The technician's half day is labour actual: the EFC moved again since the invoice.
            assert page.locator("#efc-total").inner_text() not in (efc_start, efc_ordered, efc_invoiced)
            _checked(page, width, shots, f"cost-report-director-{tag}")
