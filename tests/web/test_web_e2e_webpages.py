"""End to end in headless Chromium, in English and French, at desk and phone width: a client answering
the approval their bell announced, a technician's work moved in place, a search from the header,
the activity in words. Screenshots go to POSTPROD_SCREENSHOTS (else a temporary folder)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from tests.web.browser import accessibility_violations, open_page, server, sign_in, sync_api

__all__ = ["server"]  # the fixture, used by name

SIZES = {1440: 1000, 390: 844}
WORDS = {
    "en": {"today": "Today", "approve": "approved", "asks": "asks you to approve", "found": "Tasks"},
    "fr": {"today": "Aujourd'hui", "approve": "validé", "asks": "vous demande de valider", "found": "Tâches"},
}


def _check(page: Any, width: int, name: str, shots: Path, *, axe: bool = True) -> None:
    """The page fits the screen, passes axe, and is kept as a screenshot."""
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, name
    if axe:
        assert accessibility_violations(page) == [], name


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
def test_the_pages_people_look_at_most(server: tuple[str, int], tmp_path: Path, lang: str, width: int) -> None:
    base, pid = server
    p = f"{base}/p/{pid}"
    words = WORDS[lang]
    shots = Path(os.environ.get("POSTPROD_SCREENSHOTS") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    tag = f"{lang}-{width}"
    with sync_api.sync_playwright() as pw, open_page(pw, tmp_path / "profile", width, SIZES[width]) as page:
        errors: list[str] = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

        # The supervisor asks the client to approve a deliverable.
        _sign_in_as(page, base, "supervisor", lang)
        page.goto(f"{p}/deliverables/Master streaming")
        page.check("#request-approval input[value=client]")
        page.fill("#request-approval textarea", "Final grade for your sign-off")
        page.click("#request-approval button")
        page.wait_for_selector("#decide, #approval-status")

        # The board, every department: drag a card where the workflow allows; reopening done work asks why.
        page.goto(f"{p}/board")
        _check(page, width, f"board-{tag}", shots)
        if width > 390:  # dragging is for the desk; the phone keeps each card's status form
            top = {"x": 40, "y": 16}  # the columns' heads: the cards near the top stay in sight
            page.locator("#task-PIC-DIRECTORS-CUT").drag_to(
                page.locator('section.column[data-status="in-progress"]'), target_position=top
            )
            page.locator('section.column[data-status="in-progress"] #task-PIC-DIRECTORS-CUT').wait_for()
            page.locator("#task-PIC-ASSEMBLY").drag_to(
                page.locator('section.column[data-status="retake"]'), target_position=top
            )
            page.locator("#reopen-dialog textarea").fill("The director wants the opening back")
            _check(page, width, f"board-reopen-{tag}", shots)
            page.click("#reopen-dialog button.primary")
            page.locator('section.column[data-status="retake"] #task-PIC-ASSEMBLY').wait_for()

        # The client's bell shows it; the notification leads to the request, answered at phone width too.
        _sign_in_as(page, base, "client", lang)
        page.goto(p)
        assert page.locator("#bell-count").inner_text() == "1"
        _check(page, width, f"dashboard-client-{tag}", shots)
        page.click("#bell")
        assert words["asks"] in page.locator("#notifications").inner_text()
        _check(page, width, f"notifications-{tag}", shots)
        page.click("#notifications button.link-like")
        page.wait_for_selector("#decide")
        _check(page, width, f"approval-client-{tag}", shots)
        page.fill("#decide textarea", "Looks right")
        page.click("#decide button[value=approved]")  # htmx posts it, then loads the request's page again
        page.locator("#approval-status", has_text=words["approve"]).wait_for()
        assert page.locator("#approval-status").inner_text().strip() == words["approve"]
        assert page.locator("#bell-count").count() == 0

        # The technician's work: today's tasks, one moved in place (htmx swaps the list, no reload).
        _sign_in_as(page, base, "editor", lang)
        page.goto(f"{p}/me")
        assert words["today"] in page.locator("#work-1").inner_text()
        card = page.locator("#task-PIC-EDITORS-CUT")
        assert card.count() == 1
        _check(page, width, f"my-work-{tag}", shots)
        page.evaluate("window.__kept = true")  # gone if the page reloads
        card.locator("select[name=status]").select_option("in-review")
        card.locator("button").click()
        page.locator("#task-PIC-EDITORS-CUT .s-in-review").wait_for()
        assert page.evaluate("window.__kept === true")

        # A search from the header box.
        box = page.locator("header form.head-search input[name=q]")
        box.fill("spotting")
        box.press("Enter")
        page.wait_for_selector("#results-task")
        assert words["found"] in page.locator("#results-task h2").inner_text()
        assert page.locator("#results-task a", has_text="VFX-SPOTTING").count() == 1
        _check(page, width, f"search-{tag}", shots)

        # The activity in words: the editor's move told as a sentence with a link.
        _sign_in_as(page, base, "supervisor", lang)
        page.goto(f"{p}/activity")
        first = page.locator("#activity li").first.inner_text()
        assert "PIC-EDITORS-CUT" in first and "Julien Bertrand" in first
        _check(page, width, f"activity-{tag}", shots)
        assert errors == [], errors
    if not os.environ.get("POSTPROD_SCREENSHOTS"):
        shutil.rmtree(shots, ignore_errors=True)
