"""The services' refusals on French pages: a bad frame rate, a bad timecode and a name already taken are said in
French, with the value typed; a count of days takes the French plural ("1 jour", "1,5 jour", "2 jours")."""

from __future__ import annotations

import html
import re
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.web.webkit import login

from postprod import db
from postprod.model import AdrCue, Task


def _errors(page: str) -> dict[str, str]:
    found = re.findall(r'class="field-error" id="err-([\w-]+)"[^>]*>([^<]*)<', page)
    return {field: html.unescape(text) for field, text in found}


def _in_french(c: TestClient, username: str) -> str:
    csrf = login(c, username)
    r = c.post("/language", data={"language": "fr", "next": "/", "csrf_token": csrf})
    assert r.status_code == 200 and '<html lang="fr">' in r.text
    return csrf


def test_refusals_read_in_french(site: tuple[TestClient, int]) -> None:
    c, pid = site
    csrf = _in_french(c, "supervisor")
    engine = c.app.state.engine  # type: ignore[attr-defined]

    edl = b"TITLE: R1\nFCM: NON-DROP FRAME\n\n001  A001 V C 01:00:00:00 01:00:01:00 01:00:00:00 01:00:01:00\n"
    r = c.post(
        f"/p/{pid}/cuts/import",
        data={"reel": "R1", "rate": "fast", "csrf_token": csrf},
        files={"file": ("r1.edl", edl, "text/plain")},
    )
    assert r.status_code == 422
    assert _errors(r.text)["rate"] == "cadence 'fast' invalide : utilisez par ex. 24, 25, 24000/1001 ou 23.976"

    with db.session_scope(engine, actor="test") as s:
        cue = s.scalars(select(AdrCue).where(AdrCue.number == "101")).one()
        cue_id, version = cue.id, cue.version
    form = {"csrf_token": csrf, "version": str(version), "number": "101", "in": "01:00:61:00"}
    r = c.post(f"/p/{pid}/registers/adr/{cue_id}/edit", data=form)
    assert r.status_code == 422
    said = _errors(r.text)["in"]
    assert said == "timecode '01:00:61:00' invalide : les minutes et les secondes doivent être inférieures à 60", said

    vendor = {"name": "Mikros", "country": "FR", "csrf_token": csrf}
    assert c.post(f"/p/{pid}/purchases/vendors", data=vendor, follow_redirects=False).status_code == 303
    r = c.post(f"/p/{pid}/purchases/vendors", data=vendor)
    assert r.status_code == 422
    assert "Déjà pris ou utilisé : le prestataire 'Mikros' existe déjà" in _errors(r.text).values(), _errors(r.text)

    # the same refusal in English on an English page: the template filled in as the API and command line say it
    c.post("/language", data={"language": "en", "next": "/", "csrf_token": csrf})
    r = c.post(f"/p/{pid}/purchases/vendors", data=vendor)
    assert "Already taken or in use: vendor 'Mikros' already exists" in _errors(r.text).values()


def test_a_count_of_days_takes_the_plural_of_its_language(site: tuple[TestClient, int]) -> None:
    c, pid = site
    engine = c.app.state.engine  # type: ignore[attr-defined]
    with db.session_scope(engine, actor="test") as s:
        tasks = s.scalars(select(Task).where(Task.production_id == pid).order_by(Task.id).limit(3)).all()
        keys = [t.key for t in tasks]
        for t, days in zip(tasks, ("1", "1.5", "2"), strict=True):
            t.estimate_days = Decimal(days)

    def estimate(key: str) -> str:
        page = c.get(f"/p/{pid}/tasks/{key}").text
        found = re.search(r"<dt>(?:Estimate|Estimation)</dt><dd>([^<]*)</dd>", page)
        assert found is not None, page[:2000]
        return found.group(1)

    _in_french(c, "supervisor")
    assert [estimate(k) for k in keys] == ["1 jour", "1,5 jour", "2 jours"]
    csrf = c.cookies["postprod_csrf"]
    c.post("/language", data={"language": "en", "next": "/", "csrf_token": csrf})
    assert [estimate(k) for k in keys] == ["1 day", "1.5 days", "2 days"]
