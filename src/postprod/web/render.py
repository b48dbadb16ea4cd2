"""Rendering pages: one Jinja2 environment per language, with the gettext catalogue installed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from babel.numbers import format_decimal
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from postprod.web.i18n import pick_language, translations

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _day(value: date | datetime | str | None, lang: str = "en") -> str:
    """A date (or an ISO date string, as entry dicts carry them) the language's way."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        text = value
        try:
            value = datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
        except ValueError:
            return text
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M" if lang == "fr" else "%Y-%m-%d %H:%M")
    return value.strftime("%d/%m/%Y" if lang == "fr" else "%Y-%m-%d")


def _num(value: float | int | None, lang: str = "en", digits: int = 1) -> str:
    """A number the language's way (2,5 in French, 2.5 in English), at most `digits` decimals."""
    if value is None:
        return ""
    return str(format_decimal(round(float(value), digits), format="#,##0." + "#" * digits, locale=lang))


def _label(value: str | None) -> str:
    """A status or code as words ("in-review" -> "in review")."""
    return (value or "").replace("-", " ").replace("_", " ")


def status_labels(gettext: Any, statuses: Iterable[str]) -> dict[str, str]:
    """Statuses as the pages show them in the user's language, for the inline status forms' script."""
    return {s: gettext(_label(s)) for s in statuses}


@cache
def environment(lang: str) -> Environment:
    """The templates with the language's catalogue (cached: environments are built once)."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html", "svg"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters["day"] = lambda v: _day(v, lang)
    env.filters["num"] = lambda v, digits=1: _num(v, lang, digits)
    env.filters["label"] = _label
    env.globals["lang"] = lang
    return env


def language_of(request: Request, user_language: str | None = None) -> str:
    """The signed-in user's language, else the browser's."""
    if user_language in ("en", "fr"):
        return user_language
    return pick_language(request.headers.get("accept-language"))


def gettext_for(lang: str) -> Any:
    """The gettext function of a language, for messages made in Python."""
    return translations(lang).gettext


def render(
    request: Request, template: str, context: dict[str, Any], *, lang: str | None = None, status_code: int = 200
) -> HTMLResponse:
    """A page: the template rendered with the request, the language and the caller's context."""
    lang = lang or context.get("lang") or language_of(request)
    page = environment(lang).get_template(template)
    html = page.render(request=request, **{**context, "lang": lang})
    return HTMLResponse(html, status_code=status_code)
