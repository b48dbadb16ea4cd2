"""A phone in the hand: headless Chromium with touch emulation at 390 px, in English and French. Every page
fits the screen's width (wide tables and charts scroll in their own box) and every control that is tapped
rather than dragged is at least 44 px tall; the main pages pass axe-core."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from tests.web.browser import ARGS, CHROMIUM, accessibility_violations, server, sign_in, sync_api
from tests.web.test_web_pages import pages

__all__ = ["server"]  # the fixture, used by name

WIDTH, HEIGHT = 390, 844
TOUCH = 44  # px: the least height of a control a finger taps
AXE = ("dashboard", "board", "task", "people", "vfx", "deliverable", "approvals", "planning", "me", "person")

# Every visible control a finger taps, with what it is, and its height; a checkbox or a radio is measured by
# its label (what the finger taps); a draggable card, a Gantt bar and what is inside them are dragged.
CONTROLS = """() => {
  const out = [];
  const sel = 'button, a.button, .button, select, summary, textarea, header.top nav a, nav.tabs a, '
            + 'input:not([type=hidden])';
  for (const el of document.querySelectorAll(sel)) {
    if (el.closest('[draggable=true], svg, .gantt-wrap')) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    let box = el;
    if (el.type === 'checkbox' || el.type === 'radio') box = el.closest('label') || el;
    const r = box.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    const name = (el.getAttribute('name') || el.textContent || el.id || '').trim().slice(0, 30);
    out.push([el.tagName.toLowerCase() + (el.type ? '[' + el.type + ']' : '') + ' ' + name, r.height]);
  }
  return out;
}"""


@contextmanager
def phone(pw: Any, profile: Path) -> Iterator[Any]:
    """A page in Debian's Chromium as a phone: 390 px wide, touch, a coarse pointer."""
    ctx = pw.chromium.launch_persistent_context(
        str(profile), executable_path=str(CHROMIUM), args=ARGS, headless=True,
        viewport={"width": WIDTH, "height": HEIGHT}, has_touch=True, is_mobile=True, device_scale_factor=2,
    )  # fmt: skip
    try:
        page = ctx.new_page()
        page.set_default_timeout(15_000)
        yield page
    finally:
        ctx.close()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_page_on_a_phone(server: tuple[str, int], tmp_path: Path, lang: str) -> None:
    base, pid = server
    with sync_api.sync_playwright() as pw, phone(pw, tmp_path / "profile") as page:
        sign_in(page, base, "supervisor")
        if page.locator("html").get_attribute("lang") != lang:
            page.click(f"header form.lang button[value={lang}]")
            page.wait_for_function(f"document.documentElement.lang === '{lang}'")
        assert page.evaluate("matchMedia('(pointer: coarse)').matches"), "no touch emulation"
        too_wide, too_small, axe = {}, {}, {}
        more = {"account": "/account", "cut": f"/p/{pid}/cuts/2", "calendar": f"/p/{pid}/calendars/1",
                "registers-dubbing-entry": f"/p/{pid}/registers/dubbing/1"}  # fmt: skip
        for name, url in (pages(pid) | more).items():
            page.goto(base + url)
            page.wait_for_load_state("networkidle")
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > WIDTH:
                too_wide[name] = width
            small = [f"{what} ({h:.0f} px)" for what, h in page.evaluate(CONTROLS) if h < TOUCH - 0.5]
            if small:
                too_small[name] = small[:5]
            if name in AXE and (violations := accessibility_violations(page)):
                axe[name] = violations
        assert too_wide == {}
        assert too_small == {}
        assert axe == {}
        # a tap (not a click) opens an absence's edit form and a tap on the tab bar goes to the page
        page.goto(f"{base}/p/{pid}/people/Claire Moreau")
        page.tap("nav.tabs a[href$='/board']")
        page.wait_for_url(lambda u: u.endswith("/board"))
