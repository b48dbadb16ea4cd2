"""French, completely: every page of the demo walked in French, as the supervisor and as a client, shows no
English message of the catalogue (a msgid whose French differs), and the services' errors reach the pages
translated with their values filled in."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from tests.conftest import _empty_tables
from tests.web.webkit import PASSWORDS, cheap_passwords, client, login

from postprod import db
from postprod.services import notifications, users
from postprod.services.demo import add_demo_approvals, create_demo
from postprod.web import i18n
from postprod.web.pages_notifications import mail_words

PO = Path(i18n.__file__).resolve().parent / "locale" / "fr" / "LC_MESSAGES" / "messages.po"
# Words the catalogue translates that are the same text in the production's own (French) content or that
# French uses as they are; a page showing them is not showing English.
SHARED = {"Date", "Total", "Notes", "Message", "Actions", "Production"}
# The demo's own data that happens to spell a message: the supervisor's user name (shown as who asked, who
# reviews, who planned), the delivery milestones it was created with and a crew skill as its code.
DATA = {"supervisor", "final", "composer"}
SKIP = ("/static/", "/logout", "/api/", "/language", "/login")
PER_SHAPE = 2  # pages of one shape walked (two task pages, two register entries...)


def english_messages() -> list[tuple[str, re.Pattern[str]]]:
    """(msgid, pattern) of every message the French catalogue says otherwise; placeholders match any text."""
    from babel.messages.pofile import read_po

    with PO.open("rb") as f:
        catalog = read_po(f, locale="fr")
    french = {m.string for m in catalog if isinstance(m.string, str)}
    found = []
    for m in catalog:
        if not m.id or not isinstance(m.id, str) or not m.string or m.string == m.id or m.id in SHARED | DATA:
            continue
        if m.id in french:  # "Planning" is the French of "Plan": French on a French page
            continue
        parts = re.split(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdrfi]|%[sd]", m.id)
        pattern = ".+?".join(re.escape(p) for p in parts)
        if len(parts) == 1 and len(m.id.split()) >= 3:  # a sentence: found inside a longer text too
            pattern = rf"(?:.*\W)?{pattern}(?:\W.*)?"
        found.append((m.id, re.compile(pattern)))
        if len(parts) == 1 and " " in m.id and len(m.id.split()) <= 3:  # a status as its code: "in-progress"
            found.append((m.id, re.compile(re.escape(m.id.replace(" ", "-")))))
    return found


class _Texts(HTMLParser):
    """The text a reader sees or hears: text nodes and the titles, labels and placeholders of elements."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template"):
            self._hidden += 1
        for name, value in attrs:
            if name in ("title", "aria-label", "placeholder", "alt") and value:
                self.texts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.texts.append(data)


def shown_texts(html: str) -> list[str]:
    parser = _Texts()
    parser.feed(html)
    out = []
    for t in parser.texts:
        t = " ".join(t.split()).strip(" :·,()")
        if t:
            out.append(t)
    return out


def english_on(html: str, messages: list[tuple[str, re.Pattern[str]]]) -> set[str]:
    """The catalogue's English messages a page shows whole (a text node that is exactly one of them)."""
    found = set()
    for text in shown_texts(html):
        for msgid, pattern in messages:
            if pattern.fullmatch(text):
                found.add(msgid)
    return found


def _shape(url: str) -> tuple[str, ...]:
    """Pages of one kind: the path's words with IDs and keys dropped, and the query's names."""
    parts = urlsplit(url)
    segments = parts.path.strip("/").split("/")
    head = tuple(s if not re.search(r"\d|[A-Z]|%", s) else "#" for s in segments[2:])
    names = tuple(sorted(p.split("=")[0] for p in parts.query.split("&") if p))
    return (*head, *names)


def walk(c: TestClient, starts: list[str], limit: int = 220) -> Iterator[tuple[str, str]]:
    """(address, page) of the HTML pages reachable from the starts by links, a few of each shape."""
    seen: set[str] = set()
    shapes: Counter[tuple[str, ...]] = Counter()
    queue = list(starts)
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        r = c.get(url)
        if r.status_code >= 500 or not r.headers["content-type"].startswith("text/html"):
            continue
        yield url, r.text
        for href in re.findall(r'href="(/[^"#]*)', r.text):
            href = href.replace("&amp;", "&")
            if href in seen or any(s in href for s in SKIP) or "download" in href or "." in href.rsplit("/", 1)[-1]:
                continue
            shape = _shape(href)
            if shapes[shape] >= PER_SHAPE:
                continue
            shapes[shape] += 1
            queue.append(href)


@pytest.fixture
def demo(engine: Engine, backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The demo as `serve --demo` makes it: planned, with QC runs on generated media and approvals for each role."""
    cheap_passwords(monkeypatch)
    with db.session_scope(engine, actor="seed") as s:
        prod, _ = create_demo(s, media=tmp_path / "media")
        users.create_demo_users(s, prod)
        add_demo_approvals(s, prod)
        pid = prod.id
    with client(engine) as c:
        c.pid = pid  # type: ignore[attr-defined]
        yield c
    if backend == "postgresql":
        _empty_tables(engine)


def _in_french(c: TestClient, username: str) -> None:
    csrf = login(c, username)
    r = c.post("/language", data={"language": "fr", "next": "/", "csrf_token": csrf})
    assert r.status_code == 200 and '<html lang="fr">' in r.text


@pytest.mark.parametrize("username", ["supervisor", "client"])
def test_no_english_message_on_any_french_page(demo: TestClient, username: str) -> None:
    assert username in PASSWORDS
    c, pid = demo, demo.pid  # type: ignore[attr-defined]
    _in_french(c, username)
    messages = english_messages()
    assert len(messages) > 500
    missing = [f"/p/{pid}/tasks/NO-SUCH-TASK", f"/p/{pid}/people/Nobody", f"/p/{pid}/registers/vfx/999_XXX_9999"]
    starts = [f"/p/{pid}", "/notifications", "/", "/account", f"/p/{pid}/search?q=bobine", *missing]
    walked, english = [], {}
    for url, page in walk(c, starts):
        walked.append(url)
        if found := english_on(page, messages):
            english[url] = sorted(found)
        if tight := [t for t in shown_texts(page) if re.search(r"[^\W\d]: ", t)]:  # French: "Total : 15"
            english[url] = [*english.get(url, []), *(f"colon without its space: {t!r}" for t in tight)]
    assert len(walked) >= (40 if username == "supervisor" else 5), walked
    assert english == {}, "\n".join(f"{u}: {w}" for u, w in english.items())
    # an unknown item's page says so in French, with its name: the service's message translated, then filled in
    page = c.get(f"/p/{pid}/tasks/NO-SUCH-TASK")
    assert page.status_code == 404 and "aucune tâche &#39;NO-SUCH-TASK&#39; dans" in page.text, page.text[-800:]
    # a value the address cannot take: the field named, the words French
    page = c.get(f"/p/{pid}/gantt?zoom=500")
    assert page.status_code == 422 and "zoom : valeur que cette page n&#39;accepte pas" in page.text.replace(
        "zoom:", "zoom :"
    ), page.text[-600:]


def _feed(c: TestClient, pid: int) -> list[str]:
    """Every entry of the production's activity, as the reader reads it, page after page."""
    told, url = [], f"/p/{pid}/activity"
    while url:
        page = c.get(url).text
        told += [
            " ".join(unescape(re.sub(r"<[^>]+>", "", m)).split())
            for m in re.findall(r'class="feed-text">(.*?)</div>', page, re.S)
        ]
        older = re.search(r'href="\?(before=\d+)"', page)
        url = f"/p/{pid}/activity?{older.group(1)}" if older else ""
    return told


def test_the_demo_is_a_french_production(demo: TestClient) -> None:
    """The demo's own content is French (crew, rooms, its people's names on what they did); the stored labels
    of its items read with their kind's word in the reader's language; in English the content stays French."""
    c, pid = demo, demo.pid  # type: ignore[attr-defined]
    _in_french(c, "supervisor")
    people = shown_texts(c.get(f"/p/{pid}/people").text)
    assert {"Directrice de post-production", "Chef monteur", "Compositrice", "Mixeur"} <= set(people), people
    assert {"Salle de montage 1", "Salle d'étalonnage", "Auditorium de mixage", "Salle de projection"} <= set(people)
    assert not {"Editor", "Composer", "Colourist", "Mix stage", "Grading suite"} & set(people)
    # who did what: the demo's people by name, never the session that wrote the demo
    told = _feed(c, pid)
    who = {t.split(" a ")[0] for t in told}
    assert who == {"Claire Moreau", "Julien Bertrand", "Philippe Arnaud", "Véronique Astier"}, who
    assert "Julien Bertrand a demandé la validation de DCP son 5.1" in told
    assert "Claire Moreau a demandé à Isabelle Caron de valider Copie de travail" in told  # who reviews, by name
    shot = next(t for t in told if t.startswith("Claire Moreau a demandé la validation de Plan VFX "))
    assert not [t for t in told if "VFX shot" in t], told
    # an item without a name of its own is told by its number or its person, its kind said once
    assert "Philippe Arnaud a ajouté MK-2026-114 (Facture)" in told
    assert not [t for t in told if re.search(r"(\w[\w ]*) \(\1\)", t)], told
    assert not [t for t in told if re.search(r"(rôle|nom) : (Editor|Colourist|Edit 1|Mix stage|Sound spotting)", t)]
    # the notifications: asked by a person, the item's kind in French, on the page and in the e-mail
    page = shown_texts(c.get("/notifications").text)
    assert "Julien Bertrand vous demande de valider DCP son 5.1" in page, page
    _in_french(c, "director")
    page = shown_texts(c.get("/notifications").text)
    assert shot.replace("Claire Moreau a demandé la validation de", "Claire Moreau vous demande de valider") in page
    with db.session_scope(c.app.state.engine) as s:  # type: ignore[attr-defined]
        director = users.get_user(s, "director")
        n = notifications.list_for(s, director)[0]
        subject, _body = mail_words(n, director)
        assert subject.startswith("Claire Moreau vous demande de valider Plan VFX "), subject
    # in English: the page's words English, the production's content French, the labels' kinds English
    csrf = login(c, "supervisor")
    c.post("/language", data={"language": "en", "next": "/", "csrf_token": csrf})
    people = shown_texts(c.get(f"/p/{pid}/people").text)
    assert "People and rooms" in people and "Chef monteur" in people and "Salle d'étalonnage" in people
    told = _feed(c, pid)
    assert "Julien Bertrand asked for approval of DCP son 5.1" in told
    assert (
        shot.replace(
            "Claire Moreau a demandé la validation de Plan VFX", "Claire Moreau asked for approval of VFX shot"
        )
        in told
    )
    assert "Philippe Arnaud added MK-2026-114 (Invoice)" in told


def test_the_check_finds_english() -> None:
    """The walk's check is not blind: an English message of the catalogue, alone or with its values, is found."""
    messages = english_messages()
    page = '<p>Tableau de bord</p><p title="Days to delivery">12</p><td> in progress </td><span>il y a 3 jours</span>'
    assert english_on(page, messages) == {"Days to delivery", "in progress"}
    assert english_on("<li>3 days ago</li>", messages) == {"%(n)s days ago"}
    assert english_on("<script>var s = 'in progress';</script><p>Montage image</p>", messages) == set()


def test_qc_clauses_in_french() -> None:
    """What a clause expects and what was measured, as the engine wrote it, read in French; codes stay."""
    from postprod.web.i18n import translations
    from postprod.web.qc_words import qc_phrase

    fr = translations("fr").gettext
    assert qc_phrase("at most -1.0 dBTP", fr, "fr") == "au plus -1,0 dBTP"
    assert qc_phrase("5.1 or 5.1(side) or 6 channels", fr, "fr") == "5.1 ou 5.1(side) ou 6 canaux"
    assert qc_phrase("-23.0 LUFS (full-programme)", fr, "fr") == "-23,0 LUFS (programme entier)"
    assert qc_phrase("-23.0 ±0.5 LUFS (full-programme)", fr, "fr") == "-23,0 ±0,5 LUFS (programme entier)"
    assert qc_phrase("none", fr, "fr") == "aucun" and qc_phrase("pcm_s24le", fr, "fr") == "pcm_s24le"
    assert qc_phrase("at most -1.0 dBTP", translations("en").gettext, "en") == "at most -1.0 dBTP"
