"""Rendering pages: one Jinja2 environment per language, with the gettext catalogue installed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time
from babel.numbers import format_currency, format_decimal
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from postprod.errors import PostprodError, said_from
from postprod.web.i18n import pick_language, translations
from postprod.web.qc_words import qc_phrase
from postprod.web.vocabulary import ENTITY_TYPES, FIELD_NAMES, ITEM_PAGES

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _day(value: date | datetime | str | None, lang: str = "en") -> str:
    """A date (or an ISO date string, as entry dicts carry them) the language's way: "4 déc. 2026",
    "Dec 4, 2026" (a moment as `_when` writes it). Inputs and data- attributes keep ISO dates: a machine reads them."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        text = value
        try:
            value = datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
        except ValueError:
            return text
    if isinstance(value, datetime):
        return _when(value, lang)
    return str(format_date(value, format="medium", locale=lang))


def short_day(value: date, lang: str = "en") -> str:
    """A day without its year, where room is short (a Gantt's week ticks): "04/12" in French, "12/4" in English."""
    return str(format_skeleton("Md", value, locale=lang))


def month_label(value: date, lang: str = "en") -> str:
    """A month and its year: "déc. 2026", "Dec 2026"."""
    return str(format_date(value, "MMM yyyy", locale=lang))


def _num(value: float | int | Decimal | None, lang: str = "en", digits: int = 1) -> str:
    """A number the language's way (2,5 in French, 2.5 in English), at most `digits` decimals."""
    if value is None:
        return ""
    return str(format_decimal(round(float(value), digits), format="#,##0." + "#" * digits, locale=lang))


def _count(
    value: float | int | Decimal, one: str, other: str, lang: str, gettext: Any, digits: int = 2, signed: bool = False
) -> str:
    """A number with its noun in the language's plural form: `one` or `other` ("%(n)s day", "%(n)s days"), as
    Babel's plural rules choose for that number ("1 day", "1.5 days"; "1 jour", "1,5 jour", "2 jours"),
    translated, with the number the language's way (`signed`: "+2" when above zero)."""
    rounded = round(Decimal(str(value)), digits)
    text = _num(rounded, lang, digits)
    if signed and rounded > 0:
        text = "+" + text
    return str(gettext(one if _is_one(rounded, lang) else other)) % {"n": text}


def _is_one(value: float | int | Decimal | str, lang: str) -> bool:
    """Whether a count takes the singular in the language (Babel's plural rules): 1 in English; 0, 1 and 1,5 in
    French."""
    return bool(Locale.parse(lang).plural_form(abs(Decimal(str(value)).normalize())) == "one")


def _money(value: Decimal | str | int | None, currency: str = "EUR", lang: str = "en") -> str:
    """An amount the language's way with its currency ("420,00 €", "€420.00"); money arrives as
    Decimal or as the two-decimal strings of the API, never as float."""
    if value is None or value == "":
        return "—"
    return str(format_currency(Decimal(str(value)), currency or "EUR", locale=lang))


def _label(value: str | None) -> str:
    """A status or code as words ("in-review" -> "in review")."""
    return (value or "").replace("-", " ").replace("_", " ")


def item_label(label: str | None, target_type: str, gettext: Any) -> str:
    """An item's stored label with its kind's word in the page's language ("VFX shot 001_TST_0020" ->
    "Plan VFX 001_TST_0020"); labels are stored as said in English (approvals keep the one they were sent with)."""
    from postprod.services import items

    text = label or ""
    try:
        noun = items.get_kind(target_type).noun
    except PostprodError:  # a kind no longer registered: the label as it was stored
        return text
    if noun and text.startswith(noun + " "):
        return gettext(noun) + text[len(noun) :]
    return text


def status_labels(gettext: Any, statuses: Iterable[str]) -> dict[str, str]:
    """Statuses as the pages show them in the user's language, for the inline status forms' script."""
    return {s: gettext(_label(s)) for s in statuses}


def _when(value: datetime | None, lang: str = "en") -> str:
    """A moment the language's way, to the minute ("5 déc. 2026 07:12", "Dec 5, 2026 07:12"), in UTC."""
    if value is None:
        return "—"
    return f"{format_date(value, format='medium', locale=lang)} {format_time(value, 'HH:mm', locale=lang)}"


def _said(kept: Mapping[str, Any] | str | None, gettext: Any) -> str:
    """A message kept as data (errors.PostprodError.record: a job's error) in the page's language; a text
    kept as text (an older job's) through the catalogue, as it is when the catalogue does not know it."""
    if not kept:
        return ""
    if isinstance(kept, str):
        return str(gettext(kept))
    return said_from(kept, gettext)


def _incident(plan: dict[str, Any] | None, gettext: Any, lang: str) -> str:
    """What a replan was made for (services/planning `incident_said`) in the page's language, its dates as the
    language writes them; a plan made before those were kept says its English words."""
    if not plan:
        return ""
    kept = plan.get("incident_said") or []
    if not kept:
        return str(plan.get("incident") or "")
    said = []
    for k in kept:
        params = {n: _day(v, lang) if n in ("start", "end", "day") and v else v for n, v in k.get("params", {}).items()}
        said.append(said_from({"template": k.get("template", ""), "params": params}, gettext))
    return "; ".join(said)


def _change_value(change: dict[str, Any], side: str, gettext: Any, lang: str) -> str:
    """One side of a told change (services/activity.FieldChange) as a reader reads it, never a raw code."""
    value = change.get(side)
    kind = change.get("kind")
    if value is None or value == "":
        return "—"
    if kind in ("date", "datetime"):
        if kind == "datetime" and isinstance(value, str):
            try:
                return _when(datetime.fromisoformat(value), lang)
            except ValueError:
                return value
        return _day(value, lang)
    if kind == "status":
        return str(gettext(_label(str(value))))
    if kind == "bool":
        return str(gettext("yes") if value else gettext("no"))
    if kind == "number" and isinstance(value, int | float | str):
        try:
            return _num(float(value), lang, 2)
        except ValueError:
            return str(value)
    text = str(value)
    return text if len(text) <= 80 else text[:79] + "…"


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
    env.filters["item_label"] = lambda v, target_type: item_label(v, target_type, translations(lang).gettext)
    env.filters["money"] = lambda v, currency="EUR": _money(v, currency, lang)
    env.globals["is_one"] = lambda v: _is_one(v, lang)
    env.globals["count"] = lambda v, one, other, digits=2, signed=False: _count(
        v, one, other, lang, translations(lang).gettext, digits, signed
    )
    env.filters["when"] = lambda v: _when(v, lang)
    env.filters["change_value"] = lambda c, side: _change_value(c, side, translations(lang).gettext, lang)
    env.filters["said"] = lambda kept: _said(kept, translations(lang).gettext)
    env.filters["incident"] = lambda plan: _incident(plan, translations(lang).gettext, lang)
    env.filters["qc"] = lambda v: qc_phrase(v, translations(lang).gettext, lang)
    env.globals["lang"] = lang
    env.globals["colon"] = "\u00a0: " if lang == "fr" else ": "  # "Total : 15" in French, its space unbroken
    env.globals["entity_types"] = ENTITY_TYPES
    env.globals["field_names"] = FIELD_NAMES
    env.globals["item_pages"] = ITEM_PAGES
    return env


def language_of(request: Request, user_language: str | None = None) -> str:
    """The signed-in user's language, else the browser's."""
    if user_language in ("en", "fr"):
        return user_language
    return pick_language(request.headers.get("accept-language"))


def gettext_for(lang: str) -> Any:
    """The gettext function of a language, for messages made in Python."""
    return translations(lang).gettext


def page_gettext(request: Request) -> Any:
    """The gettext function of the page's language: the signed-in user's language, else the browser's."""
    return gettext_for(language_of(request, getattr(request.state, "user_language", None)))


def said(request: Request, exc: PostprodError) -> str:
    """A service's refusal in the page's language: its template translated, then its values filled in
    (errors.PostprodError.said); the signed-in user's language, else the browser's."""
    return exc.said(page_gettext(request))


def render(
    request: Request, template: str, context: dict[str, Any], *, lang: str | None = None, status_code: int = 200
) -> HTMLResponse:
    """A page: the template rendered with the request, the language and the caller's context."""
    lang = lang or context.get("lang") or language_of(request)
    page = environment(lang).get_template(template)
    html = page.render(request=request, **{**context, "lang": lang})
    return HTMLResponse(html, status_code=status_code)
