"""Sign-in in the pages: security headers on every answer, no inline script anywhere, the account page's
password change, a throttled sign-in form; `serve --demo` off loopback; on both backends."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from tests.web.webkit import PASSWORDS, cheap_passwords, login
from typer.testing import CliRunner

from postprod.cli.main import app as cli
from postprod.services import users

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "postprod" / "web" / "templates"


def _assert_secure(headers: object, what: str) -> None:
    h = headers  # httpx.Headers: case-insensitive
    csp = h.get("content-security-policy", "")  # type: ignore[attr-defined]
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    assert directives.get("frame-ancestors") == ["'none'"], f"{what}: {csp!r}"
    script = directives.get("script-src", directives.get("default-src"))
    assert script == ["'self'"], f"{what}: scripts from elsewhere or inline allowed: {csp!r}"
    assert h.get("x-content-type-options") == "nosniff", what  # type: ignore[attr-defined]
    assert h.get("referrer-policy") in ("same-origin", "no-referrer", "strict-origin-when-cross-origin"), what  # type: ignore[attr-defined]


def test_security_headers_on_pages_api_static_and_errors(site: tuple[TestClient, int]) -> None:
    c, pid = site
    answers = {
        "login page": c.get("/login"),
        "signed-out redirect": c.get(f"/p/{pid}", follow_redirects=False),
        "static script": c.get("/static/app.js"),
        "API health": c.get("/api/v1/health"),
        "API 401": c.get("/api/v1/auth/me"),
        "API 404": c.get("/api/v1/no-such-route"),
        "OpenAPI": c.get("/api/v1/openapi.json"),
    }
    login(c, "supervisor")
    answers |= {
        "dashboard": c.get(f"/p/{pid}"),
        "board": c.get(f"/p/{pid}/board"),
        "account": c.get("/account"),
        "page 404": c.get(f"/p/{pid}/tasks/NO-SUCH-TASK"),
        "page 422": c.get(f"/p/{pid}/gantt?zoom=x"),
    }
    for what, r in answers.items():
        assert r.status_code < 500, what
        _assert_secure(r.headers, what)
    assert answers["page 404"].status_code == 404 and answers["API 404"].status_code == 404


def test_an_unexpected_error_still_carries_the_headers(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    from postprod.app import create_app

    cheap_passwords(monkeypatch)
    app = create_app(engine=engine, web=False)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    r = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert r.status_code == 500
    _assert_secure(r.headers, "500")


def test_no_inline_script_in_any_template_and_no_interactive_docs_from_a_cdn(site: tuple[TestClient, int]) -> None:
    for path in sorted(TEMPLATES.glob("*.html")):
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text, re.I):
            assert re.search(r'\bsrc="/static/[^"]+"', tag), f"{path.name}: {tag} (inline or from elsewhere)"
        assert not re.search(r"<script\b[^>]*>\s*[^<\s]", text), f"{path.name}: inline script"
        assert not re.search(r"\son[a-z]+\s*=", text, re.I), f"{path.name}: inline event handler"
        assert "javascript:" not in text.lower(), path.name
    c, _pid = site
    assert c.get("/api/v1/docs").status_code == 404
    assert c.get("/api/v1/redoc").status_code == 404
    assert c.get("/api/v1/openapi.json").json()["paths"]


def _form_csrf(c: TestClient) -> str:
    return str(c.cookies["postprod_csrf"])


def test_account_page_changes_the_password_and_signs_out_other_sessions(
    site: tuple[TestClient, int], engine: Engine
) -> None:
    c, pid = site
    from postprod.app import create_app

    other = TestClient(create_app(engine=engine), base_url="http://testserver")
    login(other, "picturelead")
    assert other.get(f"/p/{pid}", follow_redirects=False).status_code == 200
    csrf = login(c, "picturelead")
    page = c.get("/account")
    assert page.status_code == 200 and 'name="current_password"' in page.text and 'href="/account"' in page.text
    form = {"new_password": "brand-new-pw", "new_password_again": "brand-new-pw", "csrf_token": csrf}
    r = c.post("/account/password", data=form)
    assert r.status_code == 422 and "Wrong current password." in r.text
    r = c.post("/account/password", data=form | {"current_password": "not-it"})
    assert r.status_code == 422 and "Wrong current password." in r.text
    r = c.post("/account/password", data=form | {"current_password": "picturelead", "new_password_again": "other"})
    assert r.status_code == 422 and "The two new passwords differ." in r.text
    assert other.get(f"/p/{pid}", follow_redirects=False).status_code == 200  # nothing changed yet
    no_csrf = {k: v for k, v in form.items() if k != "csrf_token"} | {"current_password": "picturelead"}
    assert c.post("/account/password", data=no_csrf, follow_redirects=False).status_code in (303, 403)
    r = c.post("/account/password", data=form | {"current_password": "picturelead"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/account?changed=1"  # a reload posts nothing again
    r = c.get(r.headers["location"])
    assert r.status_code == 200 and "Password changed" in r.text
    assert 'name="username" value="picturelead" autocomplete="username"' in r.text  # for password managers
    assert c.get(f"/p/{pid}", follow_redirects=False).status_code == 200  # this browser stays signed in
    r = other.get(f"/p/{pid}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    # In French too.
    c.post("/language", data={"language": "fr", "next": "/account", "csrf_token": csrf})
    assert "Changer le mot de passe" in c.get("/account").text


def test_a_refused_password_change_says_why_beside_the_field(site: tuple[TestClient, int], engine: Engine) -> None:
    """Each mistake beside its field, in the user's language, not at the top of the page; nothing changes."""
    c, _pid = site
    csrf = login(c, "editor")
    good = {"current_password": PASSWORDS["editor"], "csrf_token": csrf}
    said = {
        "en": (
            "Wrong current password.",
            "The new password needs 8 to 1024 characters.",
            "The two new passwords differ.",
        ),
        "fr": (
            "Mot de passe actuel incorrect.",
            "Le nouveau mot de passe doit compter de 8 à 1024 caractères.",
            "Les deux nouveaux mots de passe diffèrent.",
        ),
    }
    for lang, (wrong, short, differ) in said.items():
        c.post("/language", data={"language": lang, "next": "/account", "csrf_token": csrf})
        cases = {
            "current_password": ({"current_password": "not-it", "csrf_token": csrf} | _new("brand-new-pw"), wrong),
            "new_password": (good | _new("short"), short),
            "new_password_again": (good | _new("brand-new-pw", "brand-new-px"), differ),
        }
        for field, (form, message) in cases.items():
            r = c.post("/account/password", data=form)
            assert r.status_code == 422, (lang, field)
            found = re.search(
                rf'name="{field}"[^>]*aria-invalid="true"[^>]*>\s*<span class="field-error" id="err-{field}" role="alert">([^<]*)<',
                r.text,
            )
            assert found is not None and html.unescape(found.group(1)) == message, (lang, field)
            assert 'class="flash error"' not in r.text and "brand-new-pw" not in r.text  # no password sent back
    with Session(engine) as s:
        users.authenticate(s, "editor", PASSWORDS["editor"])  # unchanged


def _new(password: str, again: str | None = None) -> dict[str, str]:
    return {"new_password": password, "new_password_again": password if again is None else again}


def test_the_sign_in_form_is_throttled(site: tuple[TestClient, int]) -> None:
    c, _pid = site
    codes = []
    for _ in range(8):
        page = c.get("/login")
        token = re.search(r'name="login_csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        r = c.post("/login", data={"username": "director", "password": "wrong", "login_csrf": token})
        codes.append(r.status_code)
    assert codes[:5] == [401] * 5 and codes[5:] == [429] * 3, codes
    assert "Too many failed sign-ins" in r.text and int(r.headers["Retry-After"]) >= 1


# --- serve --demo ----------------------------------------------------------------------------


def test_demo_passwords_are_the_documented_ones_on_loopback_only() -> None:
    from postprod.services.sign_in import demo_passwords, is_loopback_host

    for host in ("127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"):
        assert is_loopback_host(host), host
        assert demo_passwords(host) == {u: PASSWORDS[u] for u in demo_passwords(host)}
    for host in ("0.0.0.0", "::", "192.168.1.20", "10.0.0.5", "postprod.example", ""):
        assert not is_loopback_host(host), host
        first, second = demo_passwords(host), demo_passwords(host)
        assert set(first) == {"supervisor", "director", "picturelead", "editor", "client"}
        for username, password in first.items():
            assert password != PASSWORDS[username] and len(password) >= 12
            assert password != second[username]


def _serve(monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: None)  # set up and print, but do not listen
    result = CliRunner().invoke(cli, ["serve", "--demo", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_serve_demo_off_loopback_prints_random_passwords_that_replace_the_known_ones(
    cli_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from postprod import db
    from postprod.services import users
    from postprod.services.users import Unauthorized

    cheap_passwords(monkeypatch)
    out = _serve(monkeypatch, "--host", "127.0.0.1")
    assert "supervisor" in out and PASSWORDS["picturelead"] in out
    engine = db.get_engine()
    with db.session_scope(engine) as s:
        supervisor = users.get_user(s, "supervisor")
        _tok, token = users.create_token(s, supervisor, "before")
    out = _serve(monkeypatch, "--host", "0.0.0.0")
    assert "random passwords" in " ".join(out.split())
    for username, known in PASSWORDS.items():
        if username == "outsider":
            continue
        printed = re.search(rf"\b{username}\b\s*│\s*(\S+)", out)
        assert printed is not None and printed.group(1) != known, out
        with db.session_scope(engine) as s:
            assert users.authenticate(s, username, printed.group(1)).username == username
            with pytest.raises(Unauthorized):
                users.authenticate(s, username, known)
    with db.session_scope(engine) as s, pytest.raises(Unauthorized):
        users.user_for_token(s, token)  # what was issued under the known password ends
