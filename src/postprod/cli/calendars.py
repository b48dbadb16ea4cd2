"""`postprod calendar ...` and `postprod department ...`: working calendars and custom departments."""

from __future__ import annotations

import typer

from postprod.cli._common import JsonOpt, ProductionOpt, console, print_json, table
from postprod.db import session_scope
from postprod.errors import NotFound
from postprod.services import people as svc
from postprod.services import productions
from postprod.services.common import calendar_dict, get_calendar, get_person, get_production, get_room

calendar_app = typer.Typer(no_args_is_help=True)
department_app = typer.Typer(no_args_is_help=True)


@calendar_app.command("list")
def calendar_list(production: str | None = ProductionOpt, json_out: bool = JsonOpt) -> None:
    """List calendars with their working days, hours and holidays."""
    with session_scope() as s:
        rows = [calendar_dict(c) for c in get_production(s, production).calendars]
    if json_out:
        print_json(rows)
        return
    names = "Mon Tue Wed Thu Fri Sat Sun".split()
    table(
        "Calendars",
        ["Name", "Days", "Hours", "Holidays", "Default"],
        [
            (
                r["name"],
                " ".join(names[d - 1] for d in r["work_days"]),
                f"{r['day_start']}-{r['day_end']}",
                len(r["holidays"]),
                "yes" if r["is_default"] else "",
            )
            for r in rows
        ],
    )


@calendar_app.command("add")
def calendar_add(
    name: str = typer.Argument(...),
    days: str = typer.Option("mon-fri", "--days", help="e.g. mon-fri, mon-sat, tue,wed,thu"),
    hours: str = typer.Option("09:00-18:00", "--hours"),
    holidays_from: str | None = typer.Option(None, "--holidays-from", help="Copy the holidays of this calendar."),
    production: str | None = ProductionOpt,
) -> None:
    """Add a working calendar (a six-day week for the mix stage, night shifts...)."""
    start, _, end = hours.partition("-")
    with session_scope() as s:
        prod = get_production(s, production)
        cal = svc.add_calendar(
            s, prod, name=name, work_days=days, day_start=start, day_end=end, holidays_from=holidays_from
        )
        msg = f"added calendar {cal.name!r}"
    console.print(msg)


@calendar_app.command("holiday")
def calendar_holiday(
    calendar: str = typer.Argument(..., help="Calendar name."),
    day: str = typer.Argument(..., help="YYYY-MM-DD"),
    name: str = typer.Option("", "--name"),
    production: str | None = ProductionOpt,
) -> None:
    """Add a public holiday or a studio closure to a calendar."""
    with session_scope() as s:
        cal = get_calendar(s, get_production(s, production), calendar)
        assert cal is not None
        svc.add_holiday(s, cal, day, name)
    console.print(f"{day} is a holiday in {calendar}")


@calendar_app.command("assign")
def calendar_assign(
    calendar: str = typer.Argument(...),
    person: str | None = typer.Option(None, "--person"),
    room: str | None = typer.Option(None, "--room"),
    production: str | None = ProductionOpt,
) -> None:
    """Make a person or a room follow a calendar."""
    with session_scope() as s:
        prod = get_production(s, production)
        cal = get_calendar(s, prod, calendar)
        assert cal is not None
        if person:
            svc.set_calendar(s, get_person(s, prod, person), cal)
        elif room:
            svc.set_calendar(s, get_room(s, prod, room), cal)
        else:
            raise NotFound("name a --person or a --room")
    console.print(f"{person or room} follows {calendar}")


@department_app.command("list")
def department_list(production: str | None = ProductionOpt, json_out: bool = JsonOpt) -> None:
    """List departments."""
    with session_scope() as s:
        rows = [{"code": d.code, "name": d.name, "custom": d.custom} for d in get_production(s, production).departments]
    if json_out:
        print_json(rows)
    else:
        table(
            "Departments",
            ["Code", "Name", "Custom"],
            [(r["code"], r["name"], "yes" if r["custom"] else "") for r in rows],
        )


@department_app.command("add")
def department_add(
    name: str = typer.Argument(..., help="e.g. 'Titles and graphics'."),
    code: str | None = typer.Option(None, "--code"),
    production: str | None = ProductionOpt,
) -> None:
    """Add a custom department."""
    with session_scope() as s:
        dept = productions.add_department(s, get_production(s, production), name, code)
        msg = f"added department {dept.name} ({dept.code})"
    console.print(msg)
