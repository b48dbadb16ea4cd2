"""Forms of the crew and the rooms: add, edit and delete people and rooms, their absences, the working
calendars and their holidays. Day rates are asked of (and shown to) roles with the budget right only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from babel.dates import get_day_names
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from postprod.errors import N_, NotFound, PostprodError
from postprod.http_deps import Id, JobsDep, SessionDep
from postprod.model import Absence, Calendar, Person, Production, Room, RoomKind
from postprod.services import people as svc
from postprod.services.common import get_person, get_room
from postprod.services.principal import Principal
from postprod.services.users import Forbidden
from postprod.web import pages_planning
from postprod.web.auth import FormDep, FormPrincipal, PagePrincipal, page_context, production_for
from postprod.web.forms import again, done, errors_of, refused, text, texts
from postprod.web.render import render

router = APIRouter()

# Service field names -> the form's input names, where they differ.
FIELD_OF = {"from": "start", "to": "end", "hours": "day_end"}


def _hints(_: Any) -> dict[str, str]:
    return {
        "name": _("Give a name."),
        "email": _("An e-mail address such as name@studio.fr."),
        "day_rate": _("An amount, e.g. 450 or 450.50."),
        "currency": _("A currency code such as EUR."),
        "kind": _("Pick a kind of room."),
        "start": _("A date (YYYY-MM-DD)."),
        "end": _("The last day away: a date on or after the first."),
        "work_days": _("Tick at least one working day."),
        "day_end": _("Hours as HH:MM, the day ending after it starts."),
        "day": _("A date (YYYY-MM-DD)."),
    }


def _errors(exc: PostprodError, _: Any) -> dict[str, str]:
    if exc.field in FIELD_OF:
        exc.field = FIELD_OF[exc.field]
    return errors_of(exc, _, _hints(_))


def _attempt(
    request: Request,
    session: Session,
    _: Any,
    write: Callable[[], str],
    page: Callable[[dict[str, str]], HTMLResponse],
) -> Response:
    """Run the write and follow where it says; if refused, roll it all back and show `page` with the mistakes."""
    try:
        url = write()
    except PostprodError as exc:
        if isinstance(exc, Forbidden):
            raise
        errors = _errors(exc, _)
        refused(session, exc)
        return page(errors)
    return done(request, url)


def _editing(session: Session, principal: Principal, production_id: int) -> Production:
    return production_for(session, principal, production_id, "people.edit")


def _calendar(prod: Production, ident: int) -> Calendar:
    cal = next((c for c in prod.calendars if c.id == ident), None)
    if cal is None:
        raise NotFound(N_("no calendar %(ident)s in %(title)r"), params={"ident": ident, "title": prod.title})
    return cal


def _calendar_name(prod: Production, value: str) -> str:
    """The calendar picked in a form (by ID); "" for the production's default one."""
    if not value:
        return ""
    try:
        return _calendar(prod, int(value)).name
    except (ValueError, NotFound):
        return ""


def _money_fields(principal: Principal, prod: Production, form: FormData) -> dict[str, str]:
    """The rate and its currency, only from a role that may see money (others cannot set what they cannot see)."""
    if not principal.sees_money(prod.id):
        return {}
    return {"day_rate": text(form, "day_rate"), "currency": text(form, "currency") or prod.currency}


def choices(request: Request, prod: Production, lang: str, _: Any) -> dict[str, Any]:
    """The lists the forms pick from."""
    days = get_day_names("wide", locale=lang)
    return {
        "room_kind_options": [(r.value, _(r.value.replace("-", " "))) for r in RoomKind],
        "calendar_options": [(str(c.id), c.name) for c in prod.calendars],
        "weekdays": [(i + 1, days[i]) for i in range(7)],
    }


# --- the people and rooms page -----------------------------------------------------------------------


def people_page(
    request: Request, principal: Principal, session: Session, prod: Production, **forms: Any
) -> HTMLResponse:
    """The People and rooms page, with its forms' state (`forms`: values and errors of the one posted)."""
    from postprod.services import dashboard as dash

    ctx = page_context(
        request,
        principal,
        prod,
        active="people",
        load=dash.people_load(session, prod),
        show_rates=principal.sees_money(prod.id),
        can_edit=principal.can("people.edit", _resource(prod)),
        calendars=list(prod.calendars),
        person_values=forms.get("person_values", {"currency": prod.currency}),
        person_errors=forms.get("person_errors", {}),
        room_values=forms.get("room_values", {"currency": prod.currency}),
        room_errors=forms.get("room_errors", {}),
        calendar_values=forms.get("calendar_values", {"work_days": [1, 2, 3, 4, 5], "day_start": "09:00",
                                                       "day_end": "18:00"}),
        calendar_errors=forms.get("calendar_errors", {}),
    )  # fmt: skip
    ctx.update(choices(request, prod, ctx["lang"], ctx["_t"]))
    if any(forms.get(k) for k in ("person_errors", "room_errors", "calendar_errors")):
        return again(request, "people.html", ctx)
    return render(request, "people.html", ctx)


def _resource(prod: Production) -> Any:
    from postprod.services.users import Resource

    return Resource(prod.id)


def _person_values(form: FormData) -> dict[str, Any]:
    names = ("name", "role", "skills", "day_rate", "currency", "email", "phone", "calendar")
    return {k: text(form, k) for k in names}


@router.post("/p/{production_id}/people/new", response_model=None)
def add_person(
    production_id: Id, request: Request, principal: FormPrincipal, session: SessionDep, form: FormDep
) -> Response:
    """Add a crew member."""
    prod = _editing(session, principal, production_id)
    _ = page_context(request, principal, prod)["_t"]
    values = _person_values(form)

    def write() -> str:
        svc.add_person(
            session, prod, name=values["name"], role=values["role"], skills=values["skills"],
            email=values["email"], phone=values["phone"], calendar=_calendar_name(prod, values["calendar"]) or None,
            **_money_fields(principal, prod, form),
        )  # fmt: skip
        return f"/p/{prod.id}/people#people"

    def page(errors: dict[str, str]) -> HTMLResponse:
        p = _editing(session, principal, production_id)
        return people_page(request, principal, session, p, person_values=values, person_errors=errors)

    return _attempt(request, session, _, write, page)


def _room_values(form: FormData) -> dict[str, Any]:
    return {k: text(form, k) for k in ("name", "kind", "day_rate", "currency", "location", "calendar")}


@router.post("/p/{production_id}/rooms/new", response_model=None)
def add_room(
    production_id: Id, request: Request, principal: FormPrincipal, session: SessionDep, form: FormDep
) -> Response:
    """Add a room (edit suite, grading suite, mix stage...)."""
    prod = _editing(session, principal, production_id)
    _ = page_context(request, principal, prod)["_t"]
    values = _room_values(form)

    def write() -> str:
        svc.add_room(
            session, prod, name=values["name"], kind=values["kind"], location=values["location"],
            calendar=_calendar_name(prod, values["calendar"]) or None, **_money_fields(principal, prod, form),
        )  # fmt: skip
        return f"/p/{prod.id}/people#rooms"

    def page(errors: dict[str, str]) -> HTMLResponse:
        p = _editing(session, principal, production_id)
        return people_page(request, principal, session, p, room_values=values, room_errors=errors)

    return _attempt(request, session, _, write, page)


def _calendar_values(form: FormData) -> dict[str, Any]:
    days = []
    for v in texts(form, "work_days"):
        if v.isdigit():
            days.append(int(v))
    return {"name": text(form, "name"), "work_days": days, "day_start": text(form, "day_start"),
            "day_end": text(form, "day_end")}  # fmt: skip


@router.post("/p/{production_id}/calendars/new", response_model=None)
def add_calendar(
    production_id: Id, request: Request, principal: FormPrincipal, session: SessionDep, form: FormDep
) -> Response:
    """Add a working calendar (with the default calendar's holidays to start from)."""
    prod = _editing(session, principal, production_id)
    _ = page_context(request, principal, prod)["_t"]
    values = _calendar_values(form)

    def write() -> str:
        default = next((c.name for c in prod.calendars if c.is_default), None)
        cal = svc.add_calendar(
            session, prod, name=values["name"], work_days=values["work_days"],
            day_start=values["day_start"] or "09:00", day_end=values["day_end"] or "18:00", holidays_from=default,
        )  # fmt: skip
        return f"/p/{prod.id}/calendars/{cal.id}"

    def page(errors: dict[str, str]) -> HTMLResponse:
        p = _editing(session, principal, production_id)
        return people_page(request, principal, session, p, calendar_values=values, calendar_errors=errors)

    return _attempt(request, session, _, write, page)


# --- a person or a room: its page, edit, delete, absences ---------------------------------------------


def _owner(session: Session, prod: Production, kind: str, ref: str) -> Person | Room:
    return get_person(session, prod, ref) if kind == "people" else get_room(session, prod, ref)


def _owner_values(owner: Person | Room) -> dict[str, Any]:
    base = {
        "name": owner.name,
        "day_rate": f"{owner.day_rate:f}" if owner.day_rate is not None else "",
        "currency": owner.currency,
        "calendar": str(owner.calendar_id or ""),
    }
    if isinstance(owner, Person):
        return base | {"role": owner.role, "skills": ", ".join(owner.skills), "email": owner.email,
                       "phone": owner.phone}  # fmt: skip
    return base | {"kind": owner.kind.value, "location": owner.location}


def owner_page(
    request: Request,
    principal: Principal,
    session: Session,
    prod: Production,
    kind: str,
    owner: Person | Room,
    **forms: Any,
) -> HTMLResponse:
    ctx = page_context(
        request,
        principal,
        prod,
        active="people",
        kind=kind,
        owner=owner,
        absences=list(owner.absences),
        show_rates=principal.sees_money(prod.id),
        can_edit=principal.can("people.edit", _resource(prod)),
        values=forms.get("values") or _owner_values(owner),
        errors=forms.get("errors", {}),
        absence_values=forms.get("absence_values", {}),
        absence_errors=forms.get("absence_errors", {}),
        # the absence being edited when its form was refused: its form open again with the mistakes
        edit_absence=forms.get("edit_absence"),
        edit_values=forms.get("edit_values", {}),
        edit_errors=forms.get("edit_errors", {}),
        can_plan=principal.can("production.update", _resource(prod)),
    )
    ctx.update(choices(request, prod, ctx["lang"], ctx["_t"]))
    if forms.get("errors") or forms.get("absence_errors") or forms.get("edit_errors"):
        return again(request, "person.html", ctx)
    return render(request, "person.html", ctx)


@router.get("/p/{production_id}/people/{person_ref}", response_class=HTMLResponse)
def person(
    production_id: Id, person_ref: str, request: Request, principal: PagePrincipal, session: SessionDep
) -> HTMLResponse:
    """A crew member: their details, absences and the forms to change them."""
    prod = production_for(session, principal, production_id, "people.read")
    return owner_page(request, principal, session, prod, "people", get_person(session, prod, person_ref))


@router.get("/p/{production_id}/rooms/{room_ref}", response_class=HTMLResponse)
def room(
    production_id: Id, room_ref: str, request: Request, principal: PagePrincipal, session: SessionDep
) -> HTMLResponse:
    """A room: its details, when it is unavailable, and the forms to change them."""
    prod = production_for(session, principal, production_id, "people.read")
    return owner_page(request, principal, session, prod, "rooms", get_room(session, prod, room_ref))


def _kind(request: Request) -> str:
    """ "people" or "rooms": the routes below serve both, each path spelled out (a path parameter in its
    place would catch other pages' /p/{id}/<thing>/<ref>/edit)."""
    return "people" if request.url.path.split("/")[3] == "people" else "rooms"


@router.post("/p/{production_id}/people/{ref}/edit", response_model=None)
@router.post("/p/{production_id}/rooms/{ref}/edit", response_model=None)
def edit_owner(
    production_id: Id, ref: str, request: Request, principal: FormPrincipal, session: SessionDep,
    form: FormDep,
) -> Response:  # fmt: skip
    """Change a person's or a room's details."""
    kind = _kind(request)
    prod = _editing(session, principal, production_id)
    owner = _owner(session, prod, kind, ref)
    _ = page_context(request, principal, prod)["_t"]
    values = _person_values(form) if kind == "people" else _room_values(form)
    owner_id = owner.id

    def write() -> str:
        cal = _calendar_name(prod, values["calendar"])
        money = _money_fields(principal, prod, form)
        if isinstance(owner, Person):
            svc.update_person(
                session, owner, name=values["name"], role=values["role"], skills=values["skills"],
                email=values["email"], phone=values["phone"], calendar=cal, **money,
            )  # fmt: skip
        else:
            svc.update_room(
                session, owner, name=values["name"], kind=values["kind"], location=values["location"],
                calendar=cal, **money,
            )  # fmt: skip
        return f"/p/{prod.id}/{kind}/{owner.id}?saved=1"

    def page(errors: dict[str, str]) -> HTMLResponse:
        p = _editing(session, principal, production_id)
        o = _owner(session, p, kind, str(owner_id))
        return owner_page(request, principal, session, p, kind, o, values=values, errors=errors)

    return _attempt(request, session, _, write, page)


@router.post("/p/{production_id}/people/{ref}/absences", response_model=None)
@router.post("/p/{production_id}/rooms/{ref}/absences", response_model=None)
def add_absence(
    production_id: Id, ref: str, request: Request, principal: FormPrincipal, session: SessionDep,
    form: FormDep,
) -> Response:  # fmt: skip
    """A person away (or a room unavailable) from the first day to the last, both included."""
    kind = _kind(request)
    prod = _editing(session, principal, production_id)
    owner = _owner(session, prod, kind, ref)
    _ = page_context(request, principal, prod)["_t"]
    values = {k: text(form, k) for k in ("start", "end", "reason")}
    owner_id = owner.id

    def write() -> str:
        who: dict[str, Any] = {"person": owner} if isinstance(owner, Person) else {"room": owner}
        svc.add_absence(session, prod, start=values["start"], end=values["end"] or values["start"],
                        reason=values["reason"], **who)  # fmt: skip
        return f"/p/{prod.id}/{kind}/{owner.id}#absences"

    def page(errors: dict[str, str]) -> HTMLResponse:
        p = _editing(session, principal, production_id)
        o = _owner(session, p, kind, str(owner_id))
        return owner_page(request, principal, session, p, kind, o, absence_values=values, absence_errors=errors)

    return _attempt(request, session, _, write, page)


@router.post("/p/{production_id}/absences/{absence_id}/edit", response_model=None)
def edit_absence(
    production_id: Id, absence_id: Id, request: Request, principal: FormPrincipal, session: SessionDep,
    jobs: JobsDep, form: FormDep,
) -> Response:  # fmt: skip
    """Move an absence's days or change its reason; then, when asked, replan (a job followed on the planning page)."""
    prod = _editing(session, principal, production_id)
    absence = svc.get_absence(session, prod, absence_id)  # an unknown absence: 404
    kind, owner_id = ("people", absence.person_id) if absence.person_id else ("rooms", absence.room_id)
    _ = page_context(request, principal, prod)["_t"]
    values = {k: text(form, k) for k in ("start", "end", "reason")}
    replan = bool(form.get("replan")) and principal.can("production.update", _resource(prod))

    def write() -> str:
        svc.update_absence(session, prod, absence_id, start=values["start"], end=values["end"] or values["start"],
                           reason=values["reason"])  # fmt: skip
        if replan:
            params = {"production_id": prod.id, "time_limit": pages_planning.WEB_TIME_LIMIT, "strict_due": False}
            job = jobs.submit(session, "plan", params, production_id=prod.id, user_id=principal.user.id)
            return f"/p/{prod.id}/planning?job={job.id}"
        return f"/p/{prod.id}/{kind}/{owner_id}?saved=1#absences"

    def page(errors: dict[str, str]) -> HTMLResponse:
        p = _editing(session, principal, production_id)
        o = _owner(session, p, kind, str(owner_id))
        return owner_page(request, principal, session, p, kind, o, edit_absence=absence_id,
                          edit_values=values | {"replan": replan}, edit_errors=errors)  # fmt: skip

    return _attempt(request, session, _, write, page)


@router.post("/p/{production_id}/absences/{absence_id}/delete", response_model=None)
def delete_absence(
    production_id: Id, absence_id: Id, request: Request, principal: FormPrincipal, session: SessionDep
) -> Response:
    """Remove an absence; back to its person's or room's page."""
    prod = _editing(session, principal, production_id)
    absence = session.get(Absence, absence_id)
    back = f"/p/{prod.id}/people"
    if absence is not None and absence.production_id == prod.id:
        back = (
            f"/p/{prod.id}/people/{absence.person_id}" if absence.person_id else f"/p/{prod.id}/rooms/{absence.room_id}"
        )
    svc.remove_absence(session, prod, absence_id)
    return done(request, back + "#absences")


def _delete_confirm(
    request: Request, principal: Principal, session: Session, production_id: int, ref: str
) -> HTMLResponse:
    kind = _kind(request)
    prod = _editing(session, principal, production_id)
    owner = _owner(session, prod, kind, ref)
    ctx = page_context(request, principal, prod, active="people", kind=kind, owner=owner)
    return render(request, "person_delete.html", ctx)


@router.get("/p/{production_id}/people/{person_ref}/delete", response_class=HTMLResponse)
def delete_person_confirm(
    production_id: Id, person_ref: str, request: Request, principal: PagePrincipal, session: SessionDep
) -> HTMLResponse:
    """Ask before removing a person."""
    return _delete_confirm(request, principal, session, production_id, person_ref)


@router.get("/p/{production_id}/rooms/{room_ref}/delete", response_class=HTMLResponse)
def delete_room_confirm(
    production_id: Id, room_ref: str, request: Request, principal: PagePrincipal, session: SessionDep
) -> HTMLResponse:
    """Ask before removing a room."""
    return _delete_confirm(request, principal, session, production_id, room_ref)


@router.post("/p/{production_id}/people/{ref}/delete", response_model=None)
@router.post("/p/{production_id}/rooms/{ref}/delete", response_model=None)
def delete_owner(
    production_id: Id, ref: str, request: Request, principal: FormPrincipal, session: SessionDep
) -> Response:
    """Remove a person (their assignments and absences go with them) or a room."""
    kind = _kind(request)
    prod = _editing(session, principal, production_id)
    owner = _owner(session, prod, kind, ref)
    if isinstance(owner, Person):
        svc.delete_person(session, owner)
    else:
        svc.delete_room(session, owner)
    return done(request, f"/p/{prod.id}/people?deleted=1")


# --- a calendar: working days, hours, holidays ----------------------------------------------------------


def calendar_page(
    request: Request, principal: Principal, session: Session, prod: Production, cal: Calendar, **forms: Any
) -> HTMLResponse:
    values = {
        "name": cal.name,
        "work_days": list(cal.work_days),
        "day_start": cal.day_start.strftime("%H:%M"),
        "day_end": cal.day_end.strftime("%H:%M"),
    }
    ctx = page_context(
        request,
        principal,
        prod,
        active="people",
        cal=cal,
        can_edit=principal.can("people.edit", _resource(prod)),
        values=forms.get("values") or values,
        errors=forms.get("errors", {}),
        holiday_values=forms.get("holiday_values", {}),
        holiday_errors=forms.get("holiday_errors", {}),
        followers=[p.name for p in prod.people if p.calendar_id == cal.id]
        + [r.name for r in prod.rooms if r.calendar_id == cal.id],
    )
    ctx.update(choices(request, prod, ctx["lang"], ctx["_t"]))
    if forms.get("errors") or forms.get("holiday_errors"):
        return again(request, "calendar.html", ctx)
    return render(request, "calendar.html", ctx)


@router.get("/p/{production_id}/calendars/{calendar_id}", response_class=HTMLResponse)
def calendar(
    production_id: Id, calendar_id: Id, request: Request, principal: PagePrincipal, session: SessionDep
) -> HTMLResponse:
    """A working calendar: its days, hours and holidays, and who follows it."""
    prod = production_for(session, principal, production_id, "people.read")
    return calendar_page(request, principal, session, prod, _calendar(prod, calendar_id))


@router.post("/p/{production_id}/calendars/{calendar_id}/edit", response_model=None)
def edit_calendar(
    production_id: Id, calendar_id: Id, request: Request, principal: FormPrincipal, session: SessionDep, form: FormDep
) -> Response:
    """Change a calendar's name, working days or hours."""
    prod = _editing(session, principal, production_id)
    cal = _calendar(prod, calendar_id)
    _ = page_context(request, principal, prod)["_t"]
    values = _calendar_values(form)

    def write() -> str:
        svc.update_calendar(session, cal, name=values["name"], work_days=values["work_days"],
                            day_start=values["day_start"], day_end=values["day_end"])  # fmt: skip
        return f"/p/{prod.id}/calendars/{cal.id}?saved=1"

    def page(errors: dict[str, str]) -> HTMLResponse:
        p = _editing(session, principal, production_id)
        return calendar_page(request, principal, session, p, _calendar(p, calendar_id), values=values, errors=errors)

    return _attempt(request, session, _, write, page)


@router.post("/p/{production_id}/calendars/{calendar_id}/delete", response_model=None)
def delete_calendar(
    production_id: Id, calendar_id: Id, request: Request, principal: FormPrincipal, session: SessionDep
) -> Response:
    """Remove a calendar nobody follows (the default one stays)."""
    prod = _editing(session, principal, production_id)
    cal = _calendar(prod, calendar_id)
    _ = page_context(request, principal, prod)["_t"]

    def write() -> str:
        svc.delete_calendar(session, cal)
        return f"/p/{prod.id}/people#calendars"

    def page(errors: dict[str, str]) -> HTMLResponse:
        p = _editing(session, principal, production_id)
        return calendar_page(request, principal, session, p, _calendar(p, calendar_id), errors=errors)

    return _attempt(request, session, _, write, page)


@router.post("/p/{production_id}/calendars/{calendar_id}/holidays", response_model=None)
def add_holiday(
    production_id: Id, calendar_id: Id, request: Request, principal: FormPrincipal, session: SessionDep, form: FormDep
) -> Response:
    """Add a public holiday or a studio closure."""
    prod = _editing(session, principal, production_id)
    cal = _calendar(prod, calendar_id)
    _ = page_context(request, principal, prod)["_t"]
    values = {"day": text(form, "day"), "name": text(form, "name")}

    def write() -> str:
        svc.add_holiday(session, cal, values["day"], values["name"])
        return f"/p/{prod.id}/calendars/{cal.id}#holidays"

    def page(errors: dict[str, str]) -> HTMLResponse:
        p = _editing(session, principal, production_id)
        c = _calendar(p, calendar_id)
        return calendar_page(request, principal, session, p, c, holiday_values=values, holiday_errors=errors)

    return _attempt(request, session, _, write, page)


@router.post("/p/{production_id}/calendars/{calendar_id}/holidays/{holiday_id}/delete", response_model=None)
def delete_holiday(
    production_id: Id, calendar_id: Id, holiday_id: Id, request: Request, principal: FormPrincipal, session: SessionDep
) -> Response:
    """Take a holiday out of the calendar."""
    prod = _editing(session, principal, production_id)
    cal = _calendar(prod, calendar_id)
    svc.remove_holiday(session, cal, holiday_id)
    return done(request, f"/p/{prod.id}/calendars/{cal.id}#holidays")
