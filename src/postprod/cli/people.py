"""`postprod person|room|absence ...`: the crew, the rooms and who is away when."""

from __future__ import annotations

import typer

from postprod.cli._common import JsonOpt, ProductionOpt, console, print_json, table
from postprod.db import session_scope
from postprod.limits import MAX_ID
from postprod.services import people as svc
from postprod.services.common import get_person, get_production, get_room, person_detail, person_dict, room_dict

person_app = typer.Typer(no_args_is_help=True)
room_app = typer.Typer(no_args_is_help=True)
absence_app = typer.Typer(no_args_is_help=True)


@person_app.command("list")
def person_list(production: str | None = ProductionOpt, json_out: bool = JsonOpt) -> None:
    """List the crew."""
    with session_scope() as s:
        rows = [person_dict(p) for p in sorted(get_production(s, production).people, key=lambda p: p.name)]
    if json_out:
        print_json(rows)
        return
    table(
        "People",
        ["Name", "Role", "Skills", "Day rate", "Calendar", "Away"],
        [
            (
                r["name"],
                r["role"],
                ", ".join(r["skills"]),
                f"{r['day_rate'] or '-'} {r['currency']}",
                r["calendar"],
                "; ".join(f"{a['start']}..{a['end']}" for a in r["absences"]),
            )
            for r in rows
        ],
    )


@person_app.command("show")
def person_show(name: str, production: str | None = ProductionOpt, json_out: bool = JsonOpt) -> None:
    """Show one person."""
    with session_scope() as s:
        prod = get_production(s, production)
        person = get_person(s, prod, name)
        data = person_detail(prod, person)
    if json_out:
        print_json(data)
        return
    console.print(
        f"[bold]{data['name']}[/bold] - {data['role']}\nSkills: {', '.join(data['skills'])}\n"
        f"Day rate: {data['day_rate'] or '-'} {data['currency']}   Contact: {data['email'] or '-'} {data['phone']}\n"
        f"Tasks: {', '.join(data['tasks']) or '-'}"
    )


@person_app.command("add")
def person_add(
    name: str = typer.Argument(...),
    role: str = typer.Option("", "--role"),
    skills: str = typer.Option("", "--skills", help="Comma-separated, e.g. editor,assistant-editor."),
    day_rate: str | None = typer.Option(None, "--day-rate"),
    currency: str | None = typer.Option(None, "--currency"),
    email: str = typer.Option("", "--email"),
    phone: str = typer.Option("", "--phone"),
    calendar: str | None = typer.Option(None, "--calendar", help="Calendar name (default: the production's)."),
    production: str | None = ProductionOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Add a person to the crew."""
    with session_scope() as s:
        prod = get_production(s, production)
        data = person_dict(
            svc.add_person(
                s,
                prod,
                name=name,
                role=role,
                skills=skills,
                day_rate=day_rate,
                currency=currency,
                email=email,
                phone=phone,
                calendar=calendar,
            )
        )
    print_json(data) if json_out else console.print(f"added {data['name']}")


@person_app.command("update")
def person_update(
    name: str = typer.Argument(...),
    role: str | None = typer.Option(None, "--role"),
    skills: str | None = typer.Option(None, "--skills"),
    day_rate: str | None = typer.Option(None, "--day-rate"),
    currency: str | None = typer.Option(None, "--currency"),
    email: str | None = typer.Option(None, "--email"),
    phone: str | None = typer.Option(None, "--phone"),
    production: str | None = ProductionOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Change a person's role, skills, rate or contact."""
    with session_scope() as s:
        prod = get_production(s, production)
        data = person_dict(
            svc.update_person(
                s,
                get_person(s, prod, name),
                role=role,
                skills=skills,
                day_rate=day_rate,
                currency=currency,
                email=email,
                phone=phone,
            )
        )
    print_json(data) if json_out else console.print(f"updated {data['name']}")


@room_app.command("list")
def room_list(production: str | None = ProductionOpt, json_out: bool = JsonOpt) -> None:
    """List the rooms."""
    with session_scope() as s:
        rows = [room_dict(r) for r in sorted(get_production(s, production).rooms, key=lambda r: r.name)]
    if json_out:
        print_json(rows)
        return
    table(
        "Rooms",
        ["Name", "Kind", "Day rate", "Calendar", "Unavailable"],
        [
            (
                r["name"],
                r["kind"],
                f"{r['day_rate'] or '-'} {r['currency']}",
                r["calendar"],
                "; ".join(f"{a['start']}..{a['end']}" for a in r["absences"]),
            )
            for r in rows
        ],
    )


@room_app.command("add")
def room_add(
    name: str = typer.Argument(...),
    kind: str = typer.Option(
        ..., "--kind", help="edit-suite, grading-suite, mix-stage, adr-stage, foley-stage, screening-room, machine-room"
    ),
    day_rate: str | None = typer.Option(None, "--day-rate"),
    currency: str | None = typer.Option(None, "--currency"),
    location: str = typer.Option("", "--location"),
    calendar: str | None = typer.Option(None, "--calendar"),
    production: str | None = ProductionOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Add a room."""
    with session_scope() as s:
        prod = get_production(s, production)
        data = room_dict(
            svc.add_room(
                s,
                prod,
                name=name,
                kind=kind,
                day_rate=day_rate,
                currency=currency,
                location=location,
                calendar=calendar,
            )
        )
    print_json(data) if json_out else console.print(f"added {data['name']}")


@absence_app.command("add")
def absence_add(
    who: str = typer.Argument(..., help="Person's name (or room name with --room)."),
    start: str = typer.Option(..., "--from", help="First day away (YYYY-MM-DD)."),
    end: str = typer.Option(..., "--to", help="Last day away (YYYY-MM-DD)."),
    reason: str = typer.Option("", "--reason"),
    room: bool = typer.Option(False, "--room", help="WHO names a room."),
    production: str | None = ProductionOpt,
) -> None:
    """Record that a person (or a room) is unavailable from one day to another, inclusive."""
    with session_scope() as s:
        prod = get_production(s, production)
        if room:
            a = svc.add_absence(s, prod, room=get_room(s, prod, who), start=start, end=end, reason=reason)
        else:
            a = svc.add_absence(s, prod, person=get_person(s, prod, who), start=start, end=end, reason=reason)
        msg = f"absence #{a.id}: {who} away {a.start} to {a.end}"
    console.print(msg)


@absence_app.command("list")
def absence_list(production: str | None = ProductionOpt, json_out: bool = JsonOpt) -> None:
    """List absences of people and rooms."""
    with session_scope() as s:
        rows = [
            {
                "id": a.id,
                "who": a.person.name if a.person else a.room.name if a.room else "",
                "kind": "person" if a.person else "room",
                "start": a.start.isoformat(),
                "end": a.end.isoformat(),
                "reason": a.reason,
            }
            for a in svc.list_absences(s, get_production(s, production))
        ]
    if json_out:
        print_json(rows)
        return
    table(
        "Absences",
        ["ID", "Who", "From", "To", "Reason"],
        [(r["id"], r["who"], r["start"], r["end"], r["reason"]) for r in rows],
    )


@absence_app.command("remove")
def absence_remove(
    absence_id: int = typer.Argument(..., min=1, max=MAX_ID), production: str | None = ProductionOpt
) -> None:
    """Remove an absence by its ID."""
    with session_scope() as s:
        svc.remove_absence(s, get_production(s, production), absence_id)
    console.print(f"removed absence #{absence_id}")
