"""End to end in headless Chromium: the supervisor adds a task that waits for another, replans from the
form, and finds the task's bar on the Gantt; in English and French, on a desk screen and a phone.

Screenshots go to POSTPROD_SCREENSHOTS when it is set (else a temporary folder).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.web.browser import accessibility_violations, open_page, server, sign_in, sync_api

__all__ = ["server"]  # the fixture, used by name

WORDS = {
    "en": {"add": "Add the task", "gantt": "See it on the Gantt", "loop": "loop", "delete": "Delete the task"},
    "fr": {
        "add": "Ajouter la tâche",
        "gantt": "La voir sur le Gantt",
        "loop": "boucle",
        "delete": "Supprimer la tâche",
    },
}


def _fits(page: object, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")  # type: ignore[attr-defined]
    assert scroll <= width, f"{page.url} is {scroll} px wide at {width}"  # type: ignore[attr-defined]


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("width", [1440, 390])
def test_create_a_task_with_a_dependency_and_see_it_on_the_gantt(
    server: tuple[str, int], tmp_path: Path, lang: str, width: int
) -> None:
    base, pid = server
    words = WORDS[lang]
    shots = Path(os.environ.get("POSTPROD_SCREENSHOTS") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    key = f"VFX-SKY-{lang.upper()}{width}"
    with sync_api.sync_playwright() as pw:
        with open_page(pw, tmp_path / "profile", width, 900) as page:
            blocked: list[str] = []
            page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
            sign_in(page, base, "supervisor")
            if lang == "fr":
                page.click("header form.lang button[value=fr]")
                page.wait_for_selector("text=Se déconnecter")

            # From the Gantt to the new-task form.
            page.goto(f"{base}/p/{pid}/gantt")
            page.click("#new-task")
            page.wait_for_selector("#task-form")
            _fits(page, width)
            assert accessibility_violations(page) == []

            # A mistake first: the key has a space. The message comes back beside the key (htmx swaps the form).
            page.fill("#f-key", "VFX SKY")
            page.fill("#f-name", "Sky replacement, reel 2")
            page.select_option("#f-department", "vfx")
            page.fill("#f-estimate", "3")
            page.locator("input[name=after]").first.fill("VFX-SPOTTING")
            page.locator("input[name=lag]").first.fill("1")
            page.click(f"text={words['add']}")
            page.wait_for_selector("#err-key")
            assert page.locator("#f-key").get_attribute("aria-invalid") == "true"
            assert page.locator("input[name=after]").first.input_value() == "VFX-SPOTTING"  # kept as typed
            page.screenshot(path=str(shots / f"new-task-error-{lang}-{width}.png"), full_page=True)
            assert accessibility_violations(page) == []

            page.fill("#f-key", key)
            assert page.locator("input[name=replan]").is_checked()
            page.click(f"text={words['add']}")
            # The replan runs as a job; the page follows it and then offers the Gantt.
            page.wait_for_selector("#replan-done", timeout=30_000)
            page.screenshot(path=str(shots / f"replan-{lang}-{width}.png"), full_page=True)
            assert accessibility_violations(page) == []
            page.click(f"text={words['gantt']}")
            bar = page.locator(f'svg.gantt [data-key="{key}"]')
            assert bar.count() == 1
            spotting = page.locator('svg.gantt [data-key="VFX-SPOTTING"]')
            assert spotting.count() == 1
            page.screenshot(path=str(shots / f"gantt-{lang}-{width}.png"))

            # On the task page: the link is there; a link back from VFX-SPOTTING would loop, and is refused.
            page.goto(f"{base}/p/{pid}/tasks/{key}")
            assert page.locator(f'a[href="/p/{pid}/tasks/VFX-SPOTTING"]').count() >= 1
            _fits(page, width)
            assert accessibility_violations(page) == []
            page.screenshot(path=str(shots / f"task-{lang}-{width}.png"), full_page=True)
            page.goto(f"{base}/p/{pid}/tasks/VFX-SPOTTING")
            page.locator("input[name=after]").last.fill(key)
            page.locator("#task-form button.primary").click()
            page.wait_for_selector("#err-after")
            assert words["loop"] in page.locator("#err-after").inner_text()

            # Deleting asks first, on a page of its own.
            page.goto(f"{base}/p/{pid}/tasks/{key}/delete")
            _fits(page, width)
            page.click(f"text={words['delete']}")
            page.wait_for_url(lambda url: "/board" in url)
            assert blocked == [], blocked


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("width", [1440, 390])
def test_crew_calendar_and_production_forms_in_the_browser(
    server: tuple[str, int], tmp_path: Path, lang: str, width: int
) -> None:
    """The other forms' pages: a mistake shown in place, the page as wide as the screen, axe clean."""
    base, pid = server
    shots = Path(os.environ.get("POSTPROD_SCREENSHOTS") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as pw:
        with open_page(pw, tmp_path / "profile", width, 900) as page:
            sign_in(page, base, "supervisor")
            if lang == "fr":
                page.click("header form.lang button[value=fr]")
                page.wait_for_selector("text=Se déconnecter")

            # Home: the new production's form; a delivery before the start comes back beside the dates.
            page.click("#new-production summary")
            page.fill("#f-title", f"Court {lang} {width}")
            page.fill("#f-start", "2031-01-06")
            page.locator("input[name=delivery_date]").first.fill("2030-12-01")
            page.click("#production-form button.primary")
            page.wait_for_selector("#err-delivery")
            _fits(page, width)
            assert accessibility_violations(page) == []
            page.screenshot(path=str(shots / f"home-{lang}-{width}.png"), full_page=True)

            # People and rooms: add a person with a bad e-mail, then right.
            page.goto(f"{base}/p/{pid}/people")
            page.click("#people ~ details summary")
            page.fill("#f-p-name", f"Anaïs {lang}{width}")
            page.fill("#f-p-email", "anais@")
            page.click("#person-form button.primary")
            page.wait_for_selector("#err-p-email")
            assert page.locator("#f-p-name").input_value() == f"Anaïs {lang}{width}"
            _fits(page, width)
            assert accessibility_violations(page) == []
            page.screenshot(path=str(shots / f"people-{lang}-{width}.png"), full_page=True)
            page.fill("#f-p-email", "anais@studio.fr")
            page.click("#person-form button.primary")
            page.click(f"#people a:text('Anaïs {lang}{width}')")

            # Their page: an absence ending before it starts, then the page as it stands.
            page.fill("#f-start", "2031-03-10")
            page.fill("#f-end", "2031-03-01")
            page.click("#absence-form button.primary")
            page.wait_for_selector("#err-end")
            _fits(page, width)
            assert accessibility_violations(page) == []
            page.screenshot(path=str(shots / f"person-{lang}-{width}.png"), full_page=True)

            # The studio calendar.
            page.goto(f"{base}/p/{pid}/people")
            page.click("#calendars a")
            page.wait_for_selector("#holiday-form")
            _fits(page, width)
            assert accessibility_violations(page) == []
            page.screenshot(path=str(shots / f"calendar-{lang}-{width}.png"), full_page=True)


def test_a_refused_note_or_approval_request_stays_on_the_item_s_page(server: tuple[str, int], tmp_path: Path) -> None:
    """htmx swaps only the refused form: the address stays the item's (a reload does not post again), what
    was typed stays, and a note accepted then shows on the same page."""
    base, pid = server
    with sync_api.sync_playwright() as pw:
        with open_page(pw, tmp_path / "profile", 1440, 900) as page:
            sign_in(page, base, "supervisor")
            page.goto(f"{base}/p/{pid}/tasks/PIC-EDITORS-CUT")
            here = page.url
            page.fill("#note-form textarea[name=body]", "   ")
            page.click("#note-form button")
            page.wait_for_selector("#note-form #err-body")
            assert page.locator("#err-body").inner_text() == "the note is empty" and page.url == here
            page.fill("#note-form textarea[name=body]", "Conform after the lock")
            page.click("#note-form button")
            page.wait_for_selector(".note-body:has-text('Conform after the lock')")
            assert page.url.split("#")[0] == here

            page.goto(f"{base}/p/{pid}/deliverables")
            page.locator("main a[href*='/deliverables/']").first.click()
            page.wait_for_selector("#request-approval")
            here = page.url
            page.fill("#request-approval textarea[name=message]", "Final grade?")
            page.click("#request-approval button.primary")
            page.wait_for_selector("#request-approval #err-reviewers")
            assert page.url == here and page.input_value("#request-approval textarea[name=message]") == "Final grade?"
            page.locator("#request-approval input[name=reviewers]").first.check()
            page.click("#request-approval button.primary")
            page.wait_for_url(lambda url: "/approvals/" in url)
