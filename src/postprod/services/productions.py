"""Creating productions from templates, reading their overview, changing their settings."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import date, time
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session
from typing_extensions import TypedDict

from postprod.errors import N_, Conflict, InvalidInput
from postprod.model import (
    STANDARD_DEPARTMENT_NAMES,
    Calendar,
    DeliveryDate,
    Department,
    Dependency,
    Holiday,
    Person,
    Production,
    ProductionKind,
    ProductionStatus,
    Room,
    RoomKind,
    Task,
    TaskStatus,
)
from postprod.services.calendars import french_public_holidays
from postprod.services.common import ProductionView, described, parse_date, production_dict
from postprod.services.templates import load_template, template_names
from postprod.timecode import parse_rate, start_tc_to_frames, supports_drop_frame

_LANG_RE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")

# Names the demo crew is given, one per role, in order (a fixed list so the demo is reproducible).
DEMO_NAMES = [
    "Claire Moreau",
    "Julien Bertrand",
    "Sofia Alves",
    "Karim Haddad",
    "Élodie Petit",
    "Marc Lefèvre",
    "Nadia Benali",
    "Thomas Girard",
    "Inès Lambert",
    "Hugo Fontaine",
    "Camille Roux",
    "Antoine Mercier",
    "Léa Garnier",
    "Paul Chevalier",
    "Sarah Dubois",
    "Yanis Morel",
    "Chloé Laurent",
    "Maxime Faure",
    "Manon Blanc",
    "Nicolas Perrin",
    "Emma Guerin",
    "Lucas Robin",
    "Zoé Andre",
    "Adrien Colin",
]


def parse_languages(text: str | list[str], field: str = "languages") -> list[str]:
    """Language codes ("fr,en,de"), lower-cased, each checked and none twice."""
    items = text if isinstance(text, list) else [x for x in str(text).split(",")]
    langs = [x.strip().lower() for x in items if x.strip()]
    for lang in langs:
        if not _LANG_RE.match(lang):
            raise InvalidInput(
                N_("invalid language code %(lang)r in %(field)s: use codes such as fr, en, de, pt-br"),
                field=field,
                params={"lang": lang, "field": field},
            )
    dupes = [k for k, n in Counter(langs).items() if n > 1]
    if dupes:
        raise InvalidInput(
            N_("language %(value)r given twice in %(field)s"), field=field, params={"value": dupes[0], "field": field}
        )
    return langs


def parse_deliveries(text: str | list[str], field: str = "delivery") -> list[tuple[str, date]]:
    """Delivery dates: "2027-06-01" or "festival=2027-05-01,final=2027-06-01"."""
    items = text if isinstance(text, list) else str(text).split(",")
    out: list[tuple[str, date]] = []
    for i, raw in enumerate(x.strip() for x in items if x.strip()):
        label, _, day = raw.rpartition("=")
        out.append((label.strip() or ("Delivery" if i == 0 else f"Delivery {i + 1}"), parse_date(day, field)))
    labels = [lbl.lower() for lbl, _ in out]
    if len(set(labels)) != len(labels):
        raise InvalidInput(N_("two deliveries share a label in %(field)s"), field=field, params={"field": field})
    return out


def create_production(
    session: Session,
    *,
    title: str,
    template: str = "feature-film",
    runtime_minutes: int = 100,
    fps: str = "24",
    languages: str | list[str] = "fr",
    dubbed: str | list[str] | None = None,
    deliveries: str | list[str] | None = None,
    start: str | date | None = None,
    record_start_tc: str = "01:00:00:00",
    currency: str = "EUR",
    description: str = "",
    with_crew: bool = False,
    named: Callable[[str, str], str | None] | None = None,
) -> Production:
    """Create a production and its departments, calendar and tasks from a template.

    `languages` lists the original language first, then the dubbed ones (fr,en,de); `dubbed`
    overrides the dubbed list. With `with_crew`, the template's crew and rooms are created too.
    `named(what, ref)` gives the production's own words for the template's, from the start: a task's
    name by its key ("task"), a crew role ("role") and a room's name ("room") by the template's; None
    keeps the template's. Keys, skills and room kinds stay the template's codes.
    """

    def word(what: str, ref: str, default: str) -> str:
        return (named(what, ref) if named is not None else None) or default

    title = title.strip()
    if not title:
        raise InvalidInput(N_("title is empty"), field="title")
    if session.scalars(select(Production).where(Production.title == title)).first():
        raise Conflict(N_("a production titled %(title)r already exists"), field="title", params={"title": title})
    tpl = load_template(template)
    if not isinstance(runtime_minutes, int) or not 1 <= runtime_minutes <= 1000:
        raise InvalidInput(
            N_("invalid runtime %(runtime_minutes)r: minutes between 1 and 1000"),
            field="runtime",
            params={"runtime_minutes": runtime_minutes},
        )
    rate = parse_rate(fps)
    langs = parse_languages(languages)
    if not langs:
        raise InvalidInput(N_("languages: give at least the original language"), field="languages")
    original, dubbed_langs = langs[0], langs[1:]
    if dubbed is not None:
        dubbed_langs = parse_languages(dubbed, "dubbed")
    if original in dubbed_langs:
        raise InvalidInput(
            N_("language %(original)r is both original and dubbed"), field="languages", params={"original": original}
        )
    start_date = parse_date(start, "start") if start else date.today()
    dels = parse_deliveries(deliveries, "delivery") if deliveries else []
    for label, due in dels:
        if due <= start_date:
            raise InvalidInput(
                N_("delivery %(label)r on %(value)s is not after the start %(value2)s"),
                field="delivery",
                params={"label": label, "value": due.isoformat(), "value2": start_date.isoformat()},
            )
    drop = ";" in record_start_tc and supports_drop_frame(rate)
    start_tc_to_frames(record_start_tc, rate, field="record_start_tc")  # refuses a bad timecode
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise InvalidInput(
            N_("invalid currency %(currency)r: use an ISO code such as EUR"),
            field="currency",
            params={"currency": currency},
        )

    prod = Production(
        title=title,
        kind=ProductionKind(tpl.kind),
        template=template,
        runtime_minutes=runtime_minutes,
        fps_num=rate.numerator,
        fps_den=rate.denominator,
        record_start_tc=record_start_tc,
        drop_frame=drop,
        original_language=original,
        dubbed_languages=dubbed_langs,
        start_date=start_date,
        status=ProductionStatus.PLANNING,
        currency=currency,
        description=description,
    )
    session.add(prod)
    for label, due in dels:
        prod.deliveries.append(DeliveryDate(label=label, due=due))
    departments: dict[str, Department] = {}
    for pos, code in enumerate(tpl.departments):
        dept = Department(code=code, name=STANDARD_DEPARTMENT_NAMES[code], custom=False, position=pos)
        prod.departments.append(dept)
        departments[code] = dept

    last_year = max([d for _, d in dels] + [start_date]).year + 1
    cal = Calendar(name="Studio", work_days=[1, 2, 3, 4, 5], day_start=time(9, 0), day_end=time(18, 0), is_default=True)
    for year in range(start_date.year, last_year + 1):
        for day, name in french_public_holidays(year):
            cal.holidays.append(Holiday(day=day, name=name))
    prod.calendars.append(cal)
    session.flush()

    tasks: dict[str, Task] = {}
    for spec in tpl.expand(runtime_minutes, dubbed_langs):
        task = Task(
            production_id=prod.id,
            department=departments[spec.department],
            key=spec.key,
            name=word("task", spec.key, spec.name),
            estimate_days=spec.estimate_days,
            required_skills=spec.skills,
            room_kind=RoomKind(spec.room) if spec.room else None,
            language=spec.language,
            position=spec.position,
            status=TaskStatus.NOT_STARTED,
        )
        session.add(task)
        tasks[spec.key] = task
    session.flush()
    for spec in tpl.expand(runtime_minutes, dubbed_langs):
        for dep_key, lag in spec.after:
            session.add(Dependency(predecessor=tasks[dep_key], successor=tasks[spec.key], lag_days=lag))

    if with_crew:
        for i, member in enumerate(tpl.crew):
            session.add(
                Person(
                    production_id=prod.id,
                    name=DEMO_NAMES[i % len(DEMO_NAMES)]
                    + ("" if i < len(DEMO_NAMES) else f" {i // len(DEMO_NAMES) + 1}"),
                    role=word("role", str(member["role"]), str(member["role"])),
                    skills=list(member.get("skills") or []),
                    day_rate=Decimal(str(member["day_rate"])) if member.get("day_rate") is not None else None,
                    currency=currency,
                    calendar=cal,
                )
            )
        for room in tpl.rooms:
            session.add(
                Room(
                    production_id=prod.id,
                    name=word("room", str(room["name"]), str(room["name"])),
                    kind=RoomKind(room["kind"]),
                    day_rate=Decimal(str(room["day_rate"])) if room.get("day_rate") is not None else None,
                    currency=currency,
                    calendar=cal,
                )
            )
    session.flush()
    return prod


def add_department(session: Session, prod: Production, name: str, code: str | None = None) -> Department:
    """Add a custom department (e.g. "Titles and graphics"); its code is derived from the name."""
    name = name.strip()
    if not name:
        raise InvalidInput(N_("department name is empty"), field="name")
    code = (code or re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-"))[:64]
    if not code:
        raise InvalidInput(
            N_("cannot make a department code from %(name)r: give --code"), field="code", params={"name": name}
        )
    if any(d.code == code or d.name.lower() == name.lower() for d in prod.departments):
        raise Conflict(
            N_("department %(name)r (%(code)s) already exists in %(production)r"),
            params={"name": name, "code": code, "production": prod.title},
        )
    dept = Department(
        code=code, name=name, custom=True, position=max((d.position for d in prod.departments), default=0) + 1
    )
    prod.departments.append(dept)
    session.flush()
    return dept


def list_productions(session: Session) -> list[Production]:
    """Every production, oldest first."""
    return list(session.scalars(select(Production).order_by(Production.id)))


def update_production(
    session: Session,
    prod: Production,
    *,
    status: str | None = None,
    title: str | None = None,
    description: str | None = None,
    add_delivery: str | None = None,
) -> Production:
    """Change a production's status, title, description or add a delivery date."""
    if status is not None:
        try:
            prod.status = ProductionStatus(status)
        except ValueError:
            allowed = ", ".join(s.value for s in ProductionStatus)
            raise InvalidInput(
                N_("invalid status %(status)r: one of %(allowed)s"),
                field="status",
                params={"status": status, "allowed": allowed},
            ) from None
    if title is not None:
        title = title.strip()
        if not title:
            raise InvalidInput(N_("title is empty"), field="title")
        clash = session.scalars(select(Production).where(Production.title == title, Production.id != prod.id)).first()
        if clash:
            raise Conflict(N_("a production titled %(title)r already exists"), field="title", params={"title": title})
        prod.title = title
    if description is not None:
        prod.description = description
    if add_delivery:
        for label, due in parse_deliveries(add_delivery):
            if due <= prod.start_date:
                raise InvalidInput(
                    N_("delivery %(label)r is not after the start %(start_date)s"),
                    field="delivery",
                    params={"label": label, "start_date": prod.start_date},
                )
            if any(d.label.lower() == label.lower() for d in prod.deliveries):
                raise Conflict(N_("delivery %(label)r already exists"), params={"label": label})
            prod.deliveries.append(DeliveryDate(label=label, due=due))
    session.flush()
    return prod


class DepartmentSummary(TypedDict):
    name: str
    tasks: int
    estimate_days: float
    progress_percent: float


class PlanSummary(TypedDict):
    end_date: str
    days_after_delivery: int | None
    critical_path: list[str]
    late_tasks: list[str]
    solver: str
    created_at: str


@described(plan="The current plan's end and critical path, once the production is planned.")
class OverviewView(TypedDict):
    production: ProductionView
    days_to_delivery: int | None
    tasks: int
    tasks_by_status: dict[str, int]
    departments: dict[str, DepartmentSummary]
    estimate_days_total: float
    people: int
    rooms: int
    late_tasks: list[str]
    plan: PlanSummary | None


class TemplateView(TypedDict):
    name: str
    title: str
    reference_runtime: int
    tasks: int


def templates() -> list[TemplateView]:
    """The production templates, by name."""
    out: list[TemplateView] = []
    for name in template_names():
        tpl = load_template(name)
        out.append(
            {"name": name, "title": tpl.title, "reference_runtime": tpl.reference_runtime, "tasks": len(tpl.tasks)}
        )
    return out


def overview(session: Session, prod: Production, today: date | None = None) -> OverviewView:
    """What a supervisor reads first: dates, counts by status and department, crew and rooms."""
    today = today or date.today()
    tasks = list(prod.tasks)
    by_status = Counter(t.status.value for t in tasks)
    depts: dict[str, DepartmentSummary] = {}
    for d in prod.departments:
        mine = [t for t in tasks if t.department_id == d.id]
        est = sum((t.estimate_days for t in mine), Decimal(0))
        done = sum((t.estimate_days * t.progress / 100 for t in mine), Decimal(0))
        depts[d.code] = {
            "name": d.name,
            "tasks": len(mine),
            "estimate_days": float(est),
            "progress_percent": round(float(done / est * 100), 1) if est else 0.0,
        }
    delivery = prod.delivery_date
    late = [t.key for t in tasks if t.due_date and t.due_date < today and t.status != TaskStatus.DONE]
    # the planning service (and NumPy) only for the overview: `production list` starts without it
    from postprod.services.planning import current_plan

    plan = current_plan(session, prod)
    return {
        "production": production_dict(prod),
        "days_to_delivery": (delivery - today).days if delivery else None,
        "tasks": len(tasks),
        "tasks_by_status": dict(sorted(by_status.items())),
        "departments": depts,
        "estimate_days_total": float(sum((t.estimate_days for t in tasks), Decimal(0))),
        "people": len(prod.people),
        "rooms": len(prod.rooms),
        "late_tasks": late,
        "plan": None
        if plan is None
        else {
            "end_date": plan.end_date.isoformat(),
            "days_after_delivery": (plan.end_date - delivery).days if delivery else None,
            "critical_path": list(plan.critical_path),
            "late_tasks": list(plan.late),
            "solver": plan.solver,
            "created_at": plan.created_at.isoformat(),
        },
    }


def delete_production(session: Session, prod: Production) -> None:
    """Delete a production and everything in it."""
    session.delete(prod)
    session.flush()
