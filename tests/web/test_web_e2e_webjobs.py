"""End to end in headless Chromium: a cut imported by upload ends on its change list; QC of a deliverable ends on
its findings. Each in English and French, at desk and phone width, axe-clean, no page wider than the screen.

Screenshots go to POSTPROD_SCREENSHOTS when it is set (else a temporary folder).
"""

from __future__ import annotations

import os
import re
import wave
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tests.web.browser import accessibility_violations, open_page, server, sign_in, sync_api

from postprod import db
from postprod.editorial.edl_writer import cut_to_edl
from postprod.editorial.synth import make_pair
from postprod.services import editorial, registers
from postprod.services.common import get_production
from postprod.timecode import frames_to_tc

__all__ = ["server"]  # the fixture, used by name

SIZES = [(1440, 900), (390, 844)]
LANGS = ["en", "fr"]


def _shots(tmp_path: Path) -> Path:
    shots = Path(os.environ.get("POSTPROD_SCREENSHOTS") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    return shots


def _start(page: Any, base: str, lang: str) -> None:
    sign_in(page, base, "supervisor")
    if lang == "fr":
        page.click("header form.lang button[value=fr]")
        page.wait_for_selector("text=Se déconnecter")


def _check(page: Any, width: int, shots: Path, name: str) -> None:
    """The page as it stands: screenshot, axe-clean, and no wider than the screen."""
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    violations = accessibility_violations(page)
    assert violations == [], (name, violations)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, name


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("width", "height"), SIZES)
def test_import_a_cut_by_upload_and_see_the_change_list(
    server: tuple[str, int], tmp_path: Path, lang: str, width: int, height: int
) -> None:
    base, pid = server
    shots = _shots(tmp_path)
    tag = f"{lang}-{width}"
    # The reel's first version is there, with ADR cues spotted on it; the editor's recut comes as a file.
    pair = make_pair(30, Fraction(24), seed=3, trims=1, inserts=1, deletes=2, moves=1, replaces=1, version_bumps=0)
    (tmp_path / "v1.edl").write_text(cut_to_edl(pair.old), encoding="utf-8")
    recut = tmp_path / "R1_v2.edl"
    recut.write_text(cut_to_edl(pair.new), encoding="utf-8")
    engine = db.make_engine(f"sqlite:///{tmp_path / 'e2e.db'}")
    with db.session_scope(engine, actor="seed") as s:
        prod = get_production(s, pid)
        editorial.import_cut(s, prod, tmp_path / "v1.edl", reel="R1", actor="seed")
        for i, ev in enumerate(pair.old.events[:12]):
            tc_in, tc_out = (frames_to_tc(ev.record_in + k, Fraction(24)) for k in (2, 10))
            registers.add_entry(
                s, prod, registers.get_kind("adr"), {"number": str(300 + i), "reel": "R1", "in": tc_in, "out": tc_out}
            )
    engine.dispose()
    with sync_api.sync_playwright() as pw, open_page(pw, tmp_path / "profile", width, height) as page:
        blocked: list[str] = []
        page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
        _start(page, base, lang)
        page.goto(f"{base}/p/{pid}/cuts")
        page.click("#import-cut summary")
        _check(page, width, shots, f"cuts-import-form-{tag}")
        # A mistake first: a reel name with a space comes back beside its field.
        page.set_input_files("#import-cut input[name=file]", str(recut))
        page.fill("#import-cut input[name=reel]", "R 1")
        page.click("#import-cut button.primary")
        page.locator("#err-reel").wait_for()
        _check(page, width, shots, f"cuts-import-mistake-{tag}")
        page.set_input_files("#import-cut input[name=file]", str(recut))
        page.fill("#import-cut input[name=reel]", "R1")
        page.fill("#import-cut input[name=label]", "Recut after screening")
        page.click("#import-cut button.primary")
        # The cuts page follows the job, then htmx takes it on to the new version's change list.
        page.wait_for_url(re.compile(rf"/p/{pid}/cuts/\d+$"), timeout=30_000)
        assert page.locator("h1").inner_text().startswith("R1 v2")
        assert page.locator("#changes tbody tr").count() > 0
        assert page.locator("#flagged tbody tr").count() > 0
        kinds = page.locator("#changes tbody .chip").all_inner_texts()
        assert ("suppression" if lang == "fr" else "delete") in kinds
        _check(page, width, shots, f"cut-version-{tag}")
        # A flagged cue's page says why it is to be reviewed (one of this reel's ADR cues, 300...: the demo
        # has flagged cues of its own reel too).
        page.locator("#flagged tbody a").filter(has_text=re.compile(r"^30\d$")).first.click()
        assert "R1 v2:" in page.locator("dd.bad").inner_text()
        assert blocked == [], blocked


def _tone(path: Path, seconds: float = 2.0) -> None:
    """A stereo 1 kHz tone at half scale: far too loud for EBU R128 (-23 LUFS)."""
    n = np.arange(int(48000 * seconds))
    x = np.round(0.5 * 32767 * np.sin(2 * np.pi * 1000 * n / 48000)).astype("<i2")
    with wave.open(str(path), "wb") as fh:
        fh.setnchannels(2)
        fh.setsampwidth(2)
        fh.setframerate(48000)
        fh.writeframes(np.repeat(x[:, None], 2, axis=1).tobytes())


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("width", "height"), SIZES)
def test_run_qc_on_a_deliverable_and_see_its_findings(
    server: tuple[str, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str, width: int, height: int
) -> None:
    base, pid = server
    shots = _shots(tmp_path)
    tag = f"{lang}-{width}"
    media = tmp_path / "media"
    media.mkdir()
    _tone(media / "broadcast_mix.wav")
    monkeypatch.setenv("POSTPROD_MEDIA_ROOTS", str(media))  # the server reads it at each request
    with sync_api.sync_playwright() as pw, open_page(pw, tmp_path / "profile", width, height) as page:
        _start(page, base, lang)
        page.goto(f"{base}/p/{pid}/deliverables")
        page.click("#add-deliverable summary")
        form = page.locator("#add-deliverable form")
        form.locator("input[name=name]").fill("Broadcast mix")
        form.locator("select[name=spec]").select_option("ebu-r128")
        form.locator("input[name=file]").fill("/etc/passwd")  # outside the media roots: refused beside the field
        form.locator("button.primary").click()
        page.locator("#err-file").wait_for()
        _check(page, width, shots, f"deliverable-add-mistake-{tag}")
        form = page.locator("#add-deliverable form")
        form.locator("input[name=file]").fill("broadcast_mix.wav")
        form.locator("button.primary").click()
        page.wait_for_url(re.compile(rf"/p/{pid}/deliverables/\d+$"))
        _check(page, width, shots, f"deliverable-{tag}")
        page.click("#start-qc button")
        # The page shows the job, then htmx takes it on to the run's findings.
        page.wait_for_url(re.compile(rf"/p/{pid}/qc/\d+$"), timeout=30_000)
        assert "qc-fail" in (page.locator("h1 .status").get_attribute("class") or "")
        assert page.locator("#findings tbody tr").count() > 0
        assert "loudness" in page.locator("#findings").inner_text()
        _check(page, width, shots, f"qc-run-{tag}")
        page.go_back()
        page.reload()
        assert page.locator("#qc-runs tbody tr").count() == 1
        _check(page, width, shots, f"deliverable-after-qc-{tag}")
