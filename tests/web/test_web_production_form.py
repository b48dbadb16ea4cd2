"""A new production from the home page: from a template, with its mistakes beside their fields."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.web.webkit import login

from postprod import db
from postprod.model import Production

NEW = {
    "title": "La Nuit des Étoiles",
    "template": "documentary",
    "runtime": "90",
    "fps": "25",
    "languages": "fr, en",
    "start": "2031-01-06",
    "delivery_label": ["Festival", "Final", ""],
    "delivery_date": ["2031-05-01", "2031-06-15", ""],
}


def _titles(c: TestClient) -> list[str]:
    with db.session_scope(c.app.state.engine) as s:  # type: ignore[attr-defined]
        return sorted(p.title for p in s.query(Production))


def test_new_production_from_a_template(site: tuple[TestClient, int]) -> None:
    c, _pid = site
    csrf = login(c, "supervisor")
    home = c.get("/").text
    assert 'id="production-form"' in home and 'value="documentary"' in home
    before = _titles(c)
    for field, bad in [
        ("title", ""),
        ("title", "Les Heures Claires"),  # taken
        ("template", "opera"),
        ("runtime", "two hours"),
        ("fps", "fast"),
        ("languages", "french!"),
        ("start", "soon"),
    ]:
        r = c.post("/productions/new", data={**NEW, field: bad, "csrf_token": csrf})
        assert r.status_code == 422, field
        assert f'id="err-{field}"' in r.text, field
    r = c.post("/productions/new", data={**NEW, "delivery_date": ["2030-01-01", "", ""], "csrf_token": csrf})
    assert r.status_code == 422 and 'id="err-delivery"' in r.text and 'value="Festival"' in r.text
    assert c.post("/productions/new", data=NEW).status_code == 403
    assert _titles(c) == before

    r = c.post("/productions/new", data={**NEW, "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    page = c.get(r.headers["location"])
    assert page.status_code == 200 and "La Nuit des Étoiles" in page.text  # its creator is its supervisor
    with db.session_scope(c.app.state.engine) as s:  # type: ignore[attr-defined]
        prod = s.query(Production).filter_by(title="La Nuit des Étoiles").one()
        assert [(d.label, d.due.isoformat()) for d in prod.deliveries] == [
            ("Festival", "2031-05-01"),
            ("Final", "2031-06-15"),
        ]
        assert prod.original_language == "fr" and prod.dubbed_languages == ["en"] and prod.tasks


def test_only_who_may_create_productions_sees_the_form(site: tuple[TestClient, int]) -> None:
    c, _pid = site
    for role in ("director", "picturelead", "editor", "client"):
        csrf = login(c, role)
        assert 'id="production-form"' not in c.get("/").text, role
        r = c.post("/productions/new", data={**NEW, "csrf_token": csrf}, follow_redirects=False)
        assert r.status_code == 403, role
