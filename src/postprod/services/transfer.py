"""Export and import of a whole production as one versioned JSON document.

The document names things by their natural keys (task key, person and room name, calendar
name), never by database IDs, so an export imported into another database reproduces the
production exactly. Older format versions are upgraded step by step before validation.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from postprod import __version__
from postprod.errors import N_, Conflict, FileFormatError
from postprod.limits import storable
from postprod.model import (
    Absence,
    AuditEntry,
    Calendar,
    Deliverable,
    DeliverableStatus,
    DeliveryDate,
    Department,
    Dependency,
    Holiday,
    Note,
    Person,
    Production,
    ProductionKind,
    ProductionStatus,
    Room,
    RoomKind,
    Task,
    TaskAssignment,
    TaskStatus,
)
from postprod.model.audit import jsonable
from postprod.services import items
from postprod.services.common import absences_list
from postprod.services.tasks import find_path
from postprod.services.transfer_budget import export_budget, import_budget
from postprod.services.transfer_editorial import export_editorial, import_editorial, parse_editorial
from postprod.timecode import format_rate, parse_rate, start_tc_to_frames

FORMAT = "postprod.production"
CURRENT_VERSION = 2


# --- schema (current version) -------------------------------------------------------------------


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, v: Any) -> Any:
        # NUL in text, an integer or a date out of range: refused here rather than half-way through the import.
        return storable(v)


class DeliveryDoc(_M):
    label: str = Field(min_length=1, max_length=120)
    due: date


class ProductionDoc(_M):
    title: str = Field(min_length=1, max_length=200)
    kind: ProductionKind
    template: str | None = None
    runtime_minutes: int = Field(ge=1, le=1000)
    fps: str
    record_start_tc: str
    drop_frame: bool
    original_language: str = Field(min_length=2, max_length=16)
    dubbed_languages: list[str]
    start_date: date
    status: ProductionStatus
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    description: str = ""
    deliveries: list[DeliveryDoc] = []

    @field_validator("fps")
    @classmethod
    def _fps(cls, v: str) -> str:
        return format_rate(parse_rate(v))


class DepartmentDoc(_M):
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=120)
    custom: bool = False
    position: int = 0


class HolidayDoc(_M):
    day: date
    name: str = ""


class CalendarDoc(_M):
    name: str = Field(min_length=1, max_length=120)
    work_days: list[int]
    day_start: time
    day_end: time
    is_default: bool = False
    holidays: list[HolidayDoc] = []

    @field_validator("work_days")
    @classmethod
    def _days(cls, v: list[int]) -> list[int]:
        if any(d < 1 or d > 7 for d in v) or len(set(v)) != len(v):
            raise ValueError("ISO weekdays 1 (Monday) to 7 (Sunday), each once")
        return v


class AbsenceDoc(_M):
    start: date
    end: date
    reason: str = ""


class PersonDoc(_M):
    name: str = Field(min_length=1, max_length=120)
    role: str = ""
    skills: list[str] = []
    day_rate: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    email: str = ""
    phone: str = ""
    calendar: str | None = None
    absences: list[AbsenceDoc] = []


class RoomDoc(_M):
    name: str = Field(min_length=1, max_length=120)
    kind: RoomKind
    day_rate: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    location: str = ""
    calendar: str | None = None
    absences: list[AbsenceDoc] = []


class DependencyDoc(_M):
    task: str
    lag_days: int = Field(default=0, ge=-365, le=365)


class TaskDoc(_M):
    key: str = Field(min_length=1, max_length=64)
    department: str
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    estimate_days: Decimal = Field(ge=0, le=10000, max_digits=8, decimal_places=2)
    status: TaskStatus
    required_skills: list[str] = []
    room_kind: RoomKind | None = None
    language: str | None = None
    priority: int = Field(default=3, ge=1, le=5)
    progress: int = Field(default=0, ge=0, le=100)
    due_date: date | None = None
    planned_start: date | None = None
    planned_finish: date | None = None
    actual_start: date | None = None
    actual_finish: date | None = None
    position: int = 0
    assignees: list[str] = []
    depends_on: list[DependencyDoc] = []


class DeliverableDoc(_M):
    name: str = Field(min_length=1, max_length=200)
    spec: str | None = None
    spec_toml: str | None = Field(None, max_length=100_000)  # the production's own spec, as its text
    due_date: date | None = None
    status: DeliverableStatus
    file: str | None = None  # kept as data: QC reads it only under the media roots
    description: str = ""
    language: str | None = Field(None, max_length=16)


class NoteDoc(_M):
    target_type: str  # a kind of the item registry (services/items.py), checked with the references
    target: str | int | list[str | int]
    author: str
    at: datetime
    body: str = Field(min_length=1)


class HistoryDoc(_M):
    at: datetime
    actor: str
    action: str
    entity_type: str
    label: str = ""
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


class ExportDoc(_M):
    format: Literal["postprod.production"]
    version: Literal[2]
    exported_at: datetime | None = None
    exported_by: str | None = None
    production: ProductionDoc
    departments: list[DepartmentDoc]
    calendars: list[CalendarDoc] = []
    people: list[PersonDoc] = []
    rooms: list[RoomDoc] = []
    tasks: list[TaskDoc] = []
    deliverables: list[DeliverableDoc] = []
    cut_versions: list[dict[str, Any]] = []
    registers: dict[str, list[dict[str, Any]]] = {}
    budget: dict[str, Any] | None = None  # the budget and costs (services/transfer_budget)
    notes: list[NoteDoc] = []
    history: list[HistoryDoc] = []


# --- upgrades from older versions ---------------------------------------------------------------


def _upgrade_1_to_2(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 1 wrote languages as one "fr,en" string, fps as a decimal, deps as bare keys, one calendar per person."""
    prod = dict(doc.get("production") or {})
    langs = prod.pop("languages", None)
    if isinstance(langs, str):
        items = [x.strip().lower() for x in langs.split(",") if x.strip()]
        prod["original_language"] = items[0] if items else "en"
        prod["dubbed_languages"] = items[1:]
    if "fps" in prod:
        prod["fps"] = format_rate(parse_rate(str(prod["fps"])))
    if "delivery_date" in prod:
        due = prod.pop("delivery_date")
        prod["deliveries"] = [{"label": "Delivery", "due": due}] if due else []
    prod.setdefault("drop_frame", ";" in str(prod.get("record_start_tc", "")))
    calendars: list[dict[str, Any]] = []
    people = []
    for person in doc.get("people") or []:
        person = dict(person)
        work_days = person.pop("work_days", None)
        if work_days is not None:
            name = f"{person.get('name')} calendar"
            calendars.append({"name": name, "work_days": work_days, "day_start": "09:00", "day_end": "18:00"})
            person["calendar"] = name
        people.append(person)
    tasks = []
    for task in doc.get("tasks") or []:
        task = dict(task)
        task["depends_on"] = [
            d if isinstance(d, dict) else {"task": str(d), "lag_days": 0} for d in task.get("depends_on") or []
        ]
        tasks.append(task)
    out = dict(doc)
    out.update(version=2, production=prod, people=people, tasks=tasks)
    out["calendars"] = list(doc.get("calendars") or []) + calendars
    return out


UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _upgrade_1_to_2}


def upgrade(doc: dict[str, Any], path: str) -> dict[str, Any]:
    """Apply the upgrade functions from the document's version to the current one."""
    version = doc.get("version")
    if not isinstance(version, int) or version < 1:
        raise FileFormatError(
            path, N_("version: expected a positive integer, got %(version)r"), params={"version": version}
        )
    if version > CURRENT_VERSION:
        raise FileFormatError(
            path,
            N_("format version %(version)s is newer than this postprod reads (%(current_version)s); upgrade postprod"),
            params={"version": version, "current_version": CURRENT_VERSION},
        )
    while version < CURRENT_VERSION:
        try:
            doc = UPGRADES[version](doc)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise FileFormatError(
                path,
                N_("cannot upgrade from format version %(version)s: %(exc)s"),
                params={"version": version, "exc": exc},
            ) from None
        version = doc["version"]
    return doc


# --- export ---------------------------------------------------------------------------------------


def export_production(session: Session, prod: Production, *, actor: str | None = None) -> dict[str, Any]:
    """The whole production as a current-version document (plain JSON types)."""
    tasks = sorted(prod.tasks, key=lambda t: (t.position, t.key))
    notes = session.scalars(select(Note).where(Note.production_id == prod.id).order_by(Note.created_at, Note.id))
    deliverables = list(session.scalars(select(Deliverable).where(Deliverable.production_id == prod.id)))
    refs = items.export_refs(session, prod)
    history = session.scalars(
        select(AuditEntry).where(AuditEntry.production_id == prod.id).order_by(AuditEntry.at, AuditEntry.id)
    )

    return {
        "format": FORMAT,
        "version": CURRENT_VERSION,
        "exported_at": datetime.now(UTC).isoformat(),
        "exported_by": f"postprod {__version__}" + (f" ({actor})" if actor else ""),
        "production": {
            "title": prod.title,
            "kind": prod.kind.value,
            "template": prod.template,
            "runtime_minutes": prod.runtime_minutes,
            "fps": format_rate(prod.fps),
            "record_start_tc": prod.record_start_tc,
            "drop_frame": prod.drop_frame,
            "original_language": prod.original_language,
            "dubbed_languages": list(prod.dubbed_languages),
            "start_date": prod.start_date.isoformat(),
            "status": prod.status.value,
            "currency": prod.currency,
            "description": prod.description,
            "deliveries": [{"label": d.label, "due": d.due.isoformat()} for d in prod.deliveries],
        },
        "departments": [
            {"code": d.code, "name": d.name, "custom": d.custom, "position": d.position} for d in prod.departments
        ],
        "calendars": [
            {
                "name": c.name,
                "work_days": list(c.work_days),
                "day_start": c.day_start.isoformat(),
                "day_end": c.day_end.isoformat(),
                "is_default": c.is_default,
                "holidays": [{"day": h.day.isoformat(), "name": h.name} for h in c.holidays],
            }
            for c in sorted(prod.calendars, key=lambda c: c.name)
        ],
        "people": [
            {
                "name": p.name,
                "role": p.role,
                "skills": list(p.skills),
                "day_rate": jsonable(p.day_rate),
                "currency": p.currency,
                "email": p.email,
                "phone": p.phone,
                "calendar": p.calendar.name if p.calendar else None,
                "absences": absences_list(p.absences),
            }
            for p in sorted(prod.people, key=lambda p: p.name)
        ],
        "rooms": [
            {
                "name": r.name,
                "kind": r.kind.value,
                "day_rate": jsonable(r.day_rate),
                "currency": r.currency,
                "location": r.location,
                "calendar": r.calendar.name if r.calendar else None,
                "absences": absences_list(r.absences),
            }
            for r in sorted(prod.rooms, key=lambda r: r.name)
        ],
        "tasks": [
            {
                "key": t.key,
                "department": t.department.code,
                "name": t.name,
                "description": t.description,
                "estimate_days": jsonable(t.estimate_days),
                "status": t.status.value,
                "required_skills": list(t.required_skills),
                "room_kind": t.room_kind.value if t.room_kind else None,
                "language": t.language,
                "priority": t.priority,
                "progress": t.progress,
                "due_date": jsonable(t.due_date),
                "planned_start": jsonable(t.planned_start),
                "planned_finish": jsonable(t.planned_finish),
                "actual_start": jsonable(t.actual_start),
                "actual_finish": jsonable(t.actual_finish),
                "position": t.position,
                "assignees": sorted(a.person.name for a in t.assignments),
                "depends_on": sorted(
                    ({"task": d.predecessor.key, "lag_days": d.lag_days} for d in t.predecessors),
                    key=lambda d: str(d["task"]),
                ),
            }
            for t in tasks
        ],
        "deliverables": [
            {
                "name": d.name,
                "spec": d.spec,
                "due_date": jsonable(d.due_date),
                "status": d.status.value,
                "file": d.file_path,
                "description": d.description,
            }
            | ({"spec_toml": d.spec_text} if d.spec_text is not None else {})
            | ({"language": d.language} if d.language is not None else {})
            for d in sorted(deliverables, key=lambda d: d.name)
        ],
        **export_editorial(session, prod),
        **({"budget": budget} if (budget := export_budget(session, prod)) is not None else {}),
        # A note whose item was deleted has nothing to point at, and is not exported.
        "notes": [
            {
                "target_type": n.target_type,
                "target": refs[(n.target_type, n.target_id)],
                "author": n.author,
                "at": jsonable(n.created_at),
                "body": n.body,
            }
            for n in notes
            if (n.target_type, n.target_id) in refs
        ],
        "history": [
            {
                "at": jsonable(e.at),
                "actor": e.actor,
                "action": e.action,
                "entity_type": e.entity_type,
                "label": e.label,
                "before": e.before,
                "after": e.after,
            }
            for e in history
        ],
    }


# --- import ---------------------------------------------------------------------------------------


def read_document(text: str | bytes, path: str) -> ExportDoc:
    """Parse, upgrade and validate an export; any problem names the file and the field."""
    try:
        raw = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise FileFormatError(
            path, N_("not valid JSON (%(exc)s)"), line=line, params={"exc": getattr(exc, "msg", exc)}
        ) from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise FileFormatError(path, 'not a postprod production export (no "format": "postprod.production")')
    raw = upgrade(raw, path)
    try:
        doc = ExportDoc.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(x) for x in err["loc"])
        raise FileFormatError(path, N_("%(loc)s: %(msg)s"), params={"loc": loc, "msg": err["msg"]}) from None
    _check_references(doc, path)
    parse_editorial(doc.cut_versions, doc.registers, {p.name.lower() for p in doc.people}, path)
    return doc


def _check_references(doc: ExportDoc, path: str) -> None:
    def dupes(names: list[str], what: str) -> None:
        seen: set[str] = set()
        for n in names:
            if n.lower() in seen:
                raise FileFormatError(path, N_("%(what)s %(n)r appears twice"), params={"what": what, "n": n})
            seen.add(n.lower())

    dupes([d.code for d in doc.departments], "department")
    dupes([c.name for c in doc.calendars], "calendar")
    dupes([p.name for p in doc.people], "person")
    dupes([r.name for r in doc.rooms], "room")
    dupes([t.key for t in doc.tasks], "task")
    dupes([d.name for d in doc.deliverables], "deliverable")
    try:
        rate = parse_rate(doc.production.fps)
        start_tc_to_frames(doc.production.record_start_tc, rate)
    except Exception as exc:
        raise FileFormatError(path, N_("production.record_start_tc: %(exc)s"), params={"exc": exc}) from None
    depts = {d.code for d in doc.departments}
    cals = {c.name for c in doc.calendars}
    people = {p.name.lower() for p in doc.people}
    keys = {t.key.upper() for t in doc.tasks}
    owners: list[PersonDoc | RoomDoc] = [*doc.people, *doc.rooms]
    for owner in owners:
        if owner.calendar is not None and owner.calendar not in cals:
            raise FileFormatError(
                path,
                N_("%(name)s: unknown calendar %(calendar)r"),
                params={"name": owner.name, "calendar": owner.calendar},
            )
        for a in owner.absences:
            if a.end < a.start:
                raise FileFormatError(
                    path,
                    N_("%(name)s: absence ends before it starts (%(start)s > %(end)s)"),
                    params={"name": owner.name, "start": a.start, "end": a.end},
                )
    for i, t in enumerate(doc.tasks):
        if t.department not in depts:
            raise FileFormatError(
                path,
                N_("tasks.%(i)s (%(key)s): unknown department %(department)r"),
                params={"i": i, "key": t.key, "department": t.department},
            )
        for who in t.assignees:
            if who.lower() not in people:
                raise FileFormatError(
                    path,
                    N_("tasks.%(i)s (%(key)s): unknown assignee %(who)r"),
                    params={"i": i, "key": t.key, "who": who},
                )
        for d in t.depends_on:
            if d.task.upper() not in keys:
                raise FileFormatError(
                    path,
                    N_("tasks.%(i)s (%(key)s): depends on unknown task %(task)r"),
                    params={"i": i, "key": t.key, "task": d.task},
                )
    succ: dict[int, list[int]] = {}
    index = {t.key.upper(): i for i, t in enumerate(doc.tasks)}
    for i, t in enumerate(doc.tasks):
        for d in t.depends_on:
            succ.setdefault(index[d.task.upper()], []).append(i)
    for i, t in enumerate(doc.tasks):
        for d in t.depends_on:
            p = index[d.task.upper()]
            back = find_path(succ, i, p)
            if back is not None:
                cycle = [doc.tasks[j].key for j in back] + [t.key]
                raise FileFormatError(path, N_("dependency cycle: %(cycle)s"), params={"cycle": " -> ".join(cycle)})
    targets = items.document_refs(doc)
    for i, n in enumerate(doc.notes):
        if n.target_type not in items.KINDS:
            raise FileFormatError(
                path,
                N_("notes.%(i)s.target_type: unknown item type %(target_type)r; one of %(kind_names)s"),
                params={"i": i, "target_type": n.target_type, "kind_names": ", ".join(items.kind_names())},
            )
        if _note_key(n) not in targets:
            raise FileFormatError(
                path,
                N_("note by %(author)s: unknown %(target_type)s %(target)r"),
                params={"author": n.author, "target_type": n.target_type, "target": n.target},
            )


def _note_key(n: NoteDoc) -> tuple[str, Any]:
    return (n.target_type, items.ref_key(n.target))


def import_production(
    session: Session, doc: ExportDoc, *, title: str | None = None, path: str = "document"
) -> Production:
    """Create the production described by a validated document; history is restored as it was."""
    p = doc.production
    new_title = (title or p.title).strip()
    if session.scalars(select(Production).where(Production.title == new_title)).first():
        raise Conflict(
            N_("a production titled %(new_title)r already exists; import it under another title with --as"),
            params={"new_title": new_title},
        )
    rate = parse_rate(p.fps)
    session.info["audit_disabled"] = True  # the document brings its own history
    try:
        prod = Production(
            title=new_title,
            kind=p.kind,
            template=p.template,
            runtime_minutes=p.runtime_minutes,
            fps_num=rate.numerator,
            fps_den=rate.denominator,
            record_start_tc=p.record_start_tc,
            drop_frame=p.drop_frame,
            original_language=p.original_language,
            dubbed_languages=list(p.dubbed_languages),
            start_date=p.start_date,
            status=p.status,
            currency=p.currency,
            description=p.description,
        )
        session.add(prod)
        for d in p.deliveries:
            prod.deliveries.append(DeliveryDate(label=d.label, due=d.due))
        depts = {}
        for dd in doc.departments:
            dept = Department(code=dd.code, name=dd.name, custom=dd.custom, position=dd.position)
            prod.departments.append(dept)
            depts[dd.code] = dept
        cals = {}
        for cd in doc.calendars:
            cal = Calendar(
                name=cd.name,
                work_days=list(cd.work_days),
                day_start=cd.day_start,
                day_end=cd.day_end,
                is_default=cd.is_default,
            )
            cal.holidays = [Holiday(day=h.day, name=h.name) for h in cd.holidays]
            prod.calendars.append(cal)
            cals[cd.name] = cal
        session.flush()
        people = {}
        for pd in doc.people:
            person = Person(
                production_id=prod.id,
                name=pd.name,
                role=pd.role,
                skills=list(pd.skills),
                day_rate=pd.day_rate,
                currency=pd.currency,
                email=pd.email,
                phone=pd.phone,
                calendar=cals.get(pd.calendar) if pd.calendar else None,
            )
            person.absences = [
                Absence(production_id=prod.id, start=a.start, end=a.end, reason=a.reason) for a in pd.absences
            ]
            session.add(person)
            people[pd.name.lower()] = person
        for rd in doc.rooms:
            room = Room(
                production_id=prod.id,
                name=rd.name,
                kind=rd.kind,
                day_rate=rd.day_rate,
                currency=rd.currency,
                location=rd.location,
                calendar=cals.get(rd.calendar) if rd.calendar else None,
            )
            room.absences = [
                Absence(production_id=prod.id, start=a.start, end=a.end, reason=a.reason) for a in rd.absences
            ]
            session.add(room)
        tasks = {}
        for td in doc.tasks:
            task = Task(
                production_id=prod.id,
                department=depts[td.department],
                key=td.key,
                name=td.name,
                description=td.description,
                estimate_days=td.estimate_days,
                status=td.status,
                required_skills=list(td.required_skills),
                room_kind=td.room_kind,
                language=td.language,
                priority=td.priority,
                progress=td.progress,
                due_date=td.due_date,
                planned_start=td.planned_start,
                planned_finish=td.planned_finish,
                actual_start=td.actual_start,
                actual_finish=td.actual_finish,
                position=td.position,
            )
            task.assignments = [TaskAssignment(person=people[n.lower()]) for n in td.assignees]
            session.add(task)
            tasks[td.key.upper()] = task
        session.flush()
        for td in doc.tasks:
            for dep in td.depends_on:
                session.add(
                    Dependency(
                        predecessor=tasks[dep.task.upper()], successor=tasks[td.key.upper()], lag_days=dep.lag_days
                    )
                )
        import_editorial(session, prod, doc.cut_versions, doc.registers, people, path)
        made_deliverables = {}
        for dv in doc.deliverables:
            made_deliverables[dv.name.lower()] = d_obj = Deliverable(
                production_id=prod.id,
                name=dv.name,
                spec=dv.spec,
                spec_text=dv.spec_toml,
                due_date=dv.due_date,
                status=dv.status,
                file_path=dv.file,
                description=dv.description,
                language=dv.language,
            )
            session.add(d_obj)
        session.flush()
        # The new items as the document names them: the export's references, read back from them.
        new_ids = {
            (kind, items.ref_key(ref)): item_id for (kind, item_id), ref in items.export_refs(session, prod).items()
        }
        for nd in doc.notes:
            session.add(
                Note(
                    production_id=prod.id,
                    target_type=nd.target_type,
                    target_id=new_ids[_note_key(nd)],
                    author=nd.author,
                    body=nd.body,
                    created_at=nd.at,
                )
            )
        session.flush()
        import_budget(session, prod, doc.budget, path)
        ids: dict[tuple[str, str], int] = {("Production", prod.title): prod.id, ("Production", p.title): prod.id}
        ids.update({("Task", t.key): t.id for t in tasks.values()})
        ids.update({("Person", p.name): p.id for p in people.values()})
        if doc.history:
            session.execute(
                insert(AuditEntry),
                [
                    {
                        "production_id": prod.id,
                        "at": h.at,
                        "actor": h.actor,
                        "action": h.action,
                        "entity_type": h.entity_type,
                        "entity_id": ids.get((h.entity_type, h.label), 0),
                        "label": h.label,
                        "before": h.before,
                        "after": h.after,
                    }
                    for h in doc.history
                ],
            )
    finally:
        session.info["audit_disabled"] = False
    return prod
