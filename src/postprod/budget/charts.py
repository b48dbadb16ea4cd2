"""Charts of accounts as data: YAML files beside this module, never code.

`fr-cnc` follows the CNC *devis* (post crew under personnel with their charges sociales, chapter
"Postproduction image et son"); `us-mmb` the Movie Magic style (post in 5100-5900). Each account
names the postprod department its work belongs to, and whether it pays for people's or rooms' days
(`resource: person` or `room`: its estimate to complete comes from the plan). A production copies a chart and may then
add, rename and renumber its own accounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

import yaml

from postprod.budget.money import parse_decimal
from postprod.budget.sheet import Account, Chapter
from postprod.errors import N_, InvalidInput, NotFound

CHARTS = Path(__file__).resolve().parent / "charts"


@dataclass(frozen=True)
class Chart:
    name: str
    title: str
    currency: str
    chapters: tuple[Chapter, ...]
    accounts: tuple[Account, ...]
    fringes: dict[str, Decimal]  # group -> percent (starting values)
    default_fringe: str | None = None  # the group of the labour lines a draft from the plan makes


def chart_names() -> list[str]:
    return sorted(p.stem for p in CHARTS.glob("*.yaml"))


@cache
def load_chart(name: str) -> Chart:
    """A built-in chart by name; an unknown name is refused with the names there are."""
    path = CHARTS / f"{name}.yaml"
    if name not in chart_names():
        raise NotFound(
            N_("no chart of accounts %(name)r: one of %(chart_names)s"),
            params={"name": name, "chart_names": ", ".join(chart_names())},
        )
    return read_chart(path.read_text(encoding="utf-8"), where=path.name)


def read_chart(text: str, *, where: str) -> Chart:
    """A chart from its YAML text; a mistake names the file and the entry."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidInput(
            N_("%(where)s: not YAML (%(exc)s)"), field="chart", params={"where": where, "exc": exc}
        ) from None
    if not isinstance(data, dict):
        raise InvalidInput(N_("%(where)s: expected a mapping"), field="chart", params={"where": where})
    chapters = tuple(
        Chapter(str(_req(c, "code", where)), str(_req(c, "name", where))) for c in _list(data, "chapters", where)
    )
    codes = {c.code for c in chapters}
    accounts: list[Account] = []
    seen: set[str] = set()
    for a in _list(data, "accounts", where):
        code, chapter = str(_req(a, "code", where)), str(_req(a, "chapter", where))
        if chapter not in codes:
            raise InvalidInput(
                N_("%(where)s: account %(code)s: unknown chapter %(chapter)r"),
                field="chapter",
                params={"where": where, "code": code, "chapter": chapter},
            )
        if code in seen:
            raise InvalidInput(
                N_("%(where)s: account %(code)s twice"), field="code", params={"where": where, "code": code}
            )
        seen.add(code)
        dept = a.get("department")
        resource = a.get("resource")
        if resource not in (None, "person", "room"):
            raise InvalidInput(
                N_("%(where)s: account %(code)s: resource is person or room, not %(resource)r"),
                field="resource",
                params={"where": where, "code": code, "resource": resource},
            )
        accounts.append(
            Account(
                code,
                str(_req(a, "name", where)),
                chapter,
                str(dept) if dept else None,
                str(resource) if resource else None,
            )
        )
    fringes_raw = data.get("fringes") or {}
    if not isinstance(fringes_raw, dict):
        raise InvalidInput(N_("%(where)s: fringes: expected group: percent"), field="fringes", params={"where": where})
    fringes = {str(k): parse_decimal(str(v), field=f"fringes.{k}", where=where) for k, v in fringes_raw.items()}
    return Chart(
        str(data.get("name") or where), str(data.get("title") or ""), str(data.get("currency") or "EUR"),
        chapters, tuple(accounts), fringes, _default_fringe(data, fringes, where),
    )  # fmt: skip


def _default_fringe(data: dict[str, object], fringes: dict[str, Decimal], where: str) -> str | None:
    name = data.get("default_fringe")
    if name is None:
        return None
    if str(name) not in fringes:
        raise InvalidInput(
            N_("%(where)s: default_fringe %(name)r is not a fringe group"),
            field="default_fringe",
            params={"where": where, "name": name},
        )
    return str(name)


def _list(data: dict[str, object], key: str, where: str) -> list[dict[str, object]]:
    items = data.get(key)
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise InvalidInput(
            N_("%(where)s: %(key)s: expected a list of mappings"), field=key, params={"where": where, "key": key}
        )
    return items


def _req(item: dict[str, object], key: str, where: str) -> object:
    if item.get(key) in (None, ""):
        raise InvalidInput(
            N_("%(where)s: an entry without %(key)s: %(item)s"),
            field=key,
            params={"where": where, "key": key, "item": item},
        )
    return item[key]
