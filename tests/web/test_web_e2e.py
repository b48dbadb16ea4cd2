"""End to end in headless Chromium: sign in, open the demo, move a task, approve a deliverable, switch to French.

Needs Playwright for Python and Debian's chromium at /usr/bin/chromium (never a downloaded browser).
Set POSTPROD_SCREENSHOTS to a folder to keep the dashboard screenshots.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from tests.web.browser import accessibility_violations, open_page, server, sync_api

__all__ = ["server"]  # the fixture, used by name


def _count(page: object, status: str) -> int:
    text = page.locator(f"#count-{status}").inner_text()  # type: ignore[attr-defined]
    return int(text)


def test_supervisor_day_in_the_browser(server: tuple[str, int], tmp_path: Path) -> None:
    base, pid = server
    shots = Path(os.environ.get("POSTPROD_SCREENSHOTS") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as pw:
        with open_page(pw, tmp_path / "profile", 1400, 1000) as page:
            # Anything the Content-Security-Policy blocks is reported on the console: there must be nothing.
            blocked: list[str] = []
            page.on(
                "console",
                lambda msg: blocked.append(msg.text) if "Content Security Policy" in msg.text else None,
            )
            # Sign in: the app sends a stranger to the sign-in page first.
            first = page.goto(base + "/")
            assert "/login" in page.url
            assert first is not None and "script-src 'self'" in (first.header_value("content-security-policy") or "")
            page.fill("input[name=username]", "supervisor")
            page.fill("input[name=password]", "supervisor")
            page.click("button.primary")
            page.click("text=Les Heures Claires")
            page.wait_for_url(re.compile(rf"/p/{pid}$"))
            assert page.locator("#critical-path").inner_text().strip() in ("on track", "tight", "late")
            before = _count(page, "in-progress") if page.locator("#count-in-progress").count() else 0
            page.screenshot(path=str(shots / "dashboard-en.png"), full_page=True)
            assert accessibility_violations(page) == []

            # Move a task on the VFX board (the form posts in place, then the board regroups).
            page.goto(f"{base}/p/{pid}/board?department=vfx")
            card = page.locator("#task-VFX-SPOTTING")
            card.locator("select[name=status]").select_option("in-progress")
            card.locator("button").click()
            page.locator('section.column[data-status="in-progress"] #task-VFX-SPOTTING').wait_for()

            page.goto(f"{base}/p/{pid}")
            assert _count(page, "in-progress") == before + 1
            assert page.locator('#departments tr[data-dept="vfx"] td.in-progress').inner_text() == "1"

            # Send a deliverable for approval to oneself and approve it.
            page.goto(f"{base}/p/{pid}/deliverables")
            page.click("text=Relevé des musiques (cue sheet)")
            page.check("#request-approval input[value=supervisor]")
            page.fill("#request-approval textarea", "Cue sheet ready for the distributor")
            page.click("#request-approval button")
            page.fill("#decide textarea", "Checked against the final mix")
            page.click("#decide button[value=approved]")  # htmx posts it, then loads the request's page again
            page.locator("#approval-status", has_text="approved").wait_for()
            page.goto(f"{base}/p/{pid}")
            row = page.locator("#deliverables tr", has_text="Relevé des musiques (cue sheet)")
            assert "approved" in row.inner_text()

            # French, kept for the user.
            page.click("header form.lang button[value=fr]")
            page.wait_for_selector("text=Tableau de bord")
            assert page.locator("html").get_attribute("lang") == "fr"
            assert "Jours avant livraison" in page.content()
            page.screenshot(path=str(shots / "dashboard-fr.png"), full_page=True)
            page.goto(f"{base}/p/{pid}/gantt")
            assert page.locator("svg.gantt .bar.crit").count() > 0
            page.screenshot(path=str(shots / "gantt-fr.png"))
            assert blocked == [], blocked
    if not os.environ.get("POSTPROD_SCREENSHOTS"):
        shutil.rmtree(shots, ignore_errors=True)


def test_phone_width_pages_fit_the_screen(server: tuple[str, int], tmp_path: Path) -> None:
    """At 390 px no page is wider than the screen: the header wraps and wide tables scroll in their box; in French."""
    base, pid = server
    p = f"{base}/p/{pid}"
    urls = [
        p,
        f"{p}/board",
        f"{p}/tasks/PIC-EDITORS-CUT",
        f"{p}/people",
        f"{p}/registers/vfx",
        f"{p}/deliverables",
        f"{p}/approvals",
        f"{p}/activity",
        f"{p}/webhooks",
        f"{base}/account",
    ]
    with sync_api.sync_playwright() as pw:
        with open_page(pw, tmp_path / "profile", 390, 844) as page:
            errors: list[str] = []
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.goto(base + "/login")
            page.fill("input[name=username]", "supervisor")
            page.fill("input[name=password]", "supervisor")
            page.click("button.primary")
            page.wait_for_url(base + "/")
            page.click("header form.lang button[value=fr]")
            page.wait_for_selector("text=Se déconnecter")
            wide = {}
            for url in urls:
                page.goto(url)
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > 390:
                    wide[url.removeprefix(base)] = width
            assert wide == {}, wide
            # The register's inline status menu, rebuilt by the script after a change, stays in French.
            page.goto(f"{p}/registers/vfx")
            menu = page.locator("#register tbody tr select[name=status]").first
            menu.select_option("in-progress")
            page.locator("#register tbody tr.flash-ok").wait_for()
            assert menu.locator("option").first.inner_text() == "en cours"
            assert errors == [], errors
