"""End to end in headless Chromium, in English and French, at desk (1440 px) and phone (390 px) width: the
pages nobody plans for fit the screen (sign-in, a page not found, a refused address, a failed job's page),
the production's tab row fits its width without scrolling sideways, and the client's dashboard passes
axe-core. Screenshots go to POSTPROD_SCREENSHOTS (else a temporary folder).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from tests.web.browser import accessibility_violations, open_page, server, sign_in, sync_api

__all__ = ["server"]  # the fixture, used by name

VIEWS = [("en", 1440), ("fr", 1440), ("en", 390), ("fr", 390)]
WORDS = {
    "en": {"sign_in": "Sign in", "not_found": "Not found", "wrong": "Something is wrong", "failed": "failed"},
    "fr": {
        "sign_in": "Se connecter",
        "not_found": "Introuvable",
        "wrong": "Un problème est survenu",
        "failed": "échoué",
    },
}


def _shots(tmp_path: Path) -> Path:
    shots = Path(os.environ.get("POSTPROD_SCREENSHOTS") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    return shots


def _fits(page: Any, width: int, shots: Path, name: str, *, axe: bool = True) -> None:
    """Screenshot; no wider than the screen and every line of text inside it; axe-clean."""
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= width, f"{name}: {wide} px wide at {width}"
    # text that runs out of its box (a long path in an error) is cut off even when the page does not scroll
    over = page.evaluate(
        "() => [...document.querySelectorAll('main *')].filter(el => el.scrollWidth > el.clientWidth + 1"
        " && getComputedStyle(el).overflowX === 'visible' && el.clientWidth > 0).map(el => el.tagName + '.'"
        " + el.className)"
    )
    assert over == [], f"{name}: {over}"
    if axe:
        assert accessibility_violations(page) == [], name


def _tabs_fit(page: Any, width: int, shots: Path, name: str) -> None:
    """The tab row shows every tab without scrolling sideways; each tab is a target big enough to tap."""
    tabs = page.locator("nav.tabs")
    scroll, client = tabs.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert scroll <= client, f"{name}: the tab row scrolls ({scroll} > {client})"
    boxes = [b for b in (a.bounding_box() for a in tabs.locator("a").all()) if b is not None]
    assert boxes and all(b["x"] >= 0 and b["x"] + b["width"] <= width for b in boxes), name
    assert min(b["height"] for b in boxes) >= 24, name
    tabs.screenshot(path=str(shots / f"{name}.png"))


@pytest.mark.parametrize(("lang", "width"), VIEWS)
def test_pages_fit_and_the_tab_row_does_not_scroll(
    server: tuple[str, int], tmp_path: Path, lang: str, width: int
) -> None:
    base, pid = server
    shots = _shots(tmp_path)
    words = WORDS[lang]
    tag = f"{lang}-{width}"
    with sync_api.sync_playwright() as pw, open_page(pw, tmp_path / "profile", width, 844) as page:
        errors: list[str] = []
        page.on(
            "console", lambda m: errors.append(m.text) if m.type == "error" and "status of 4" not in m.text else None
        )
        # Signed out, the sign-in page speaks the browser's language.
        page.set_extra_http_headers({"Accept-Language": "fr-FR,fr;q=0.9" if lang == "fr" else "en-GB,en;q=0.9"})
        page.goto(base + "/login")
        assert page.locator("html").get_attribute("lang") == lang
        assert page.locator("button.primary").inner_text() == words["sign_in"]
        _fits(page, width, shots, f"login-{tag}")

        sign_in(page, base, "supervisor")
        if lang == "fr":
            page.click("header form.lang button[value=fr]")
            page.wait_for_selector("html[lang=fr]")
        page.goto(f"{base}/p/{pid}")
        _tabs_fit(page, width, shots, f"tabs-{tag}")
        page.screenshot(path=str(shots / f"dashboard-{tag}.png"))
        page.goto(f"{base}/p/{pid}/budget")  # the budget's tabs and the page's own width
        _tabs_fit(page, width, shots, f"tabs-budget-{tag}")

        # A page not found, under a long key; an address with a value the page does not take.
        page.goto(f"{base}/p/{pid}/tasks/VFX-SPOTTING-OF-THE-SECOND-REEL-AFTER-THE-DIRECTORS-SCREENING")
        assert page.locator("h1").inner_text().startswith(words["not_found"])
        _fits(page, width, shots, f"error-404-{tag}")
        page.goto(f"{base}/p/{pid}/cuts?job=not-a-number")
        assert page.locator("h1").inner_text().startswith(words["wrong"])
        assert "(422)" in page.locator("h1").inner_text()
        _fits(page, width, shots, f"error-422-{tag}")

        # A cut that cannot be read: its job fails, and its page says why.
        broken = tmp_path / "R2_v1_from_the_avid_after_the_screening_of_the_second_reel.xml"
        broken.write_text("<xmeml><sequence>", encoding="utf-8")
        page.goto(f"{base}/p/{pid}/cuts")
        page.click("#import-cut summary")
        page.set_input_files("#import-cut input[name=file]", str(broken))
        page.fill("#import-cut input[name=reel]", "R2")
        page.click("#import-cut button.primary")
        page.wait_for_url(re.compile(r"\?job=\d+$"))
        job = page.url.rsplit("=", 1)[1]
        page.goto(f"{base}/p/{pid}/jobs/{job}")
        page.wait_for_selector(".job-block .s-job-failed", timeout=30_000)
        if page.locator(".job-block[hx-get]").count():
            page.reload()
        assert words["failed"] in page.locator(".job-block .status").inner_text()
        assert broken.name in page.locator(".job-block .bad").inner_text()
        _fits(page, width, shots, f"job-failed-{tag}")

        # The client's dashboard.
        page.click("header form[action='/logout'] button")
        page.wait_for_url(lambda url: "/login" in url or url.endswith("/"))
        sign_in(page, base, "client")
        if page.locator("html").get_attribute("lang") != lang:
            page.click(f"header form.lang button[value={lang}]")
            page.wait_for_selector(f"html[lang={lang}]")
        page.goto(f"{base}/p/{pid}")
        _tabs_fit(page, width, shots, f"tabs-client-{tag}")
        _fits(page, width, shots, f"dashboard-client-{tag}")
        assert errors == [], errors
