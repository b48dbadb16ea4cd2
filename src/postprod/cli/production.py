"""`postprod demo` and `postprod production ...`: set up productions and read their overview."""

from __future__ import annotations

import typer
from rich.panel import Panel

from postprod.cli._common import JsonOpt, console, note, plural, print_json, table
from postprod.db import session_scope
from postprod.services import productions as svc
from postprod.services.common import get_production, production_dict, use_production
from postprod.services.demo import MEDIA_FOLDER, create_demo
from postprod.services.productions import OverviewView
from postprod.services.templates import load_template, template_names
from postprod.timecode import rate_note

app = typer.Typer(no_args_is_help=True)


def show_overview(data: OverviewView) -> None:
    """Print a production overview as a panel and a department table."""
    p = data["production"]
    deliveries = ", ".join(f"{d['label']} {d['due']}" for d in p["deliveries"]) or "none set"
    days = data["days_to_delivery"]
    lines = [
        f"[bold]{p['title']}[/bold]  ({p['kind']}, {p['runtime_minutes']} min, {p['fps']} fps, TC {p['record_start_tc']})",
        f"Languages: {p['original_language']} (original)"
        + (f"; dubbed: {', '.join(p['dubbed_languages'])}" if p["dubbed_languages"] else ""),
        f"Start {p['start_date']} - deliveries: {deliveries}"
        + (f" - {plural(days, 'day')} to delivery" if days is not None else ""),
        f"Status: {p['status']} - {plural(data['tasks'], 'task')}, {data['estimate_days_total']:g} work days estimated, "
        f"{plural(data['people'], 'person', 'people')}, {plural(data['rooms'], 'room')}",
        "Tasks by status: " + ", ".join(f"{k} {v}" for k, v in data["tasks_by_status"].items()),
    ]
    plan = data.get("plan")
    if plan is None:
        lines.append("Not planned yet: `postprod plan run`")
    else:
        over = plan["days_after_delivery"]
        verdict = (
            ""
            if over is None
            else f"  [red]{plural(over, 'day')} after delivery[/red]"
            if over > 0
            else f"  [green]{plural(-over, 'day')} before delivery[/green]"
        )
        lines.append(f"Plan ends {plan['end_date']}{verdict}")
        lines.append("Critical path: " + " > ".join(plan["critical_path"]))
    if data["late_tasks"]:
        lines.append("[red]Late: " + ", ".join(data["late_tasks"]) + "[/red]")
    console.print(Panel("\n".join(lines), title=f"Production #{p['id']}", expand=False))
    table(
        None,
        ["Department", "Tasks", "Work days", "Progress"],
        [
            (d["name"], d["tasks"], f"{d['estimate_days']:g}", f"{d['progress_percent']:g} %")
            for d in data["departments"].values()
        ],
    )


@app.command("create")
def create(
    title: str = typer.Argument(..., help="Title of the production."),
    template: str = typer.Option("feature-film", "--template", "-t", help="Template: " + ", ".join(template_names())),
    runtime: int = typer.Option(100, "--runtime", help="Runtime in minutes."),
    fps: str = typer.Option("24", "--fps", help="Frame rate: 24, 25, 24000/1001, 23.976, 29.97..."),
    languages: str = typer.Option("fr", "--languages", help="Original language first, then dubbed ones: fr,en,de."),
    delivery: str | None = typer.Option(
        None, "--delivery", help="Delivery date(s): 2027-06-01 or festival=2027-05-01,final=2027-06-01."
    ),
    start: str | None = typer.Option(None, "--start", help="Start of post (YYYY-MM-DD, default today)."),
    tc: str = typer.Option("01:00:00:00", "--tc", help="Record start timecode."),
    currency: str = typer.Option("EUR", "--currency"),
    with_crew: bool = typer.Option(False, "--with-crew", help="Also create the template's crew and rooms."),
    json_out: bool = JsonOpt,
) -> None:
    """Create a production from a template (tasks, dependencies, departments, calendar)."""
    msg = rate_note(fps)
    with session_scope() as s:
        prod = svc.create_production(
            s,
            title=title,
            template=template,
            runtime_minutes=runtime,
            fps=fps,
            languages=languages,
            deliveries=delivery,
            start=start,
            record_start_tc=tc,
            currency=currency,
            with_crew=with_crew,
        )
        data = svc.overview(s, prod)
    if msg:
        note(msg)
    if json_out:
        print_json(data)
    else:
        show_overview(data)


@app.command("list")
def list_cmd(json_out: bool = JsonOpt) -> None:
    """List productions."""
    with session_scope() as s:
        rows = [production_dict(p) | {"tasks": len(p.tasks)} for p in svc.list_productions(s)]
    if json_out:
        print_json(rows)
        return
    table(
        "Productions",
        ["ID", "Title", "Kind", "Runtime", "FPS", "Start", "Delivery", "Status", "Tasks"],
        [
            (
                r["id"],
                r["title"],
                r["kind"],
                r["runtime_minutes"],
                r["fps"],
                r["start_date"],
                r["delivery_date"],
                r["status"],
                r["tasks"],
            )
            for r in rows
        ],
    )


@app.command("show")
def show(production: str | None = typer.Argument(None, help="ID or title."), json_out: bool = JsonOpt) -> None:
    """Overview of a production: dates, departments, progress, late tasks."""
    with session_scope() as s:
        data = svc.overview(s, get_production(s, production))
    if json_out:
        print_json(data)
    else:
        show_overview(data)


@app.command("use")
def use(production: str = typer.Argument(..., help="ID or title.")) -> None:
    """Work on this production when no --production is given."""
    with session_scope() as s:
        prod = get_production(s, production)
        use_production(s, prod)
        title = prod.title
    console.print(f"now working on {title!r}")


@app.command("update")
def update(
    production: str | None = typer.Argument(None, help="ID or title."),
    status: str | None = typer.Option(None, "--status"),
    title: str | None = typer.Option(None, "--title"),
    description: str | None = typer.Option(None, "--description"),
    add_delivery: str | None = typer.Option(None, "--add-delivery", help="label=YYYY-MM-DD"),
    json_out: bool = JsonOpt,
) -> None:
    """Change a production's status, title or description, or add a delivery date."""
    with session_scope() as s:
        prod = svc.update_production(
            s,
            get_production(s, production),
            status=status,
            title=title,
            description=description,
            add_delivery=add_delivery,
        )
        data = production_dict(prod)
    if json_out:
        print_json(data)
    else:
        console.print(f"updated {data['title']} (#{data['id']})")


@app.command("delete")
def delete(
    production: str = typer.Argument(..., help="ID or title."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Delete a production and everything in it."""
    with session_scope() as s:
        prod = get_production(s, production)
        if not yes and not typer.confirm(f"Delete {prod.title!r} and all its tasks?"):
            raise typer.Exit(1)
        title = prod.title
        svc.delete_production(s, prod)
    console.print(f"deleted {title}")


@app.command("templates")
def templates(json_out: bool = JsonOpt) -> None:
    """List the production templates."""
    rows = []
    for name in template_names():
        tpl = load_template(name)
        rows.append(
            {"name": name, "title": tpl.title, "reference_runtime": tpl.reference_runtime, "tasks": len(tpl.tasks)}
        )
    if json_out:
        print_json(rows)
    else:
        table(
            "Templates",
            ["Name", "Kind", "Reference runtime (min)", "Tasks (before languages)"],
            [(r["name"], r["title"], r["reference_runtime"], r["tasks"]) for r in rows],
        )


@app.command("demo")  # also `postprod demo`, the first command of the tour
def demo(
    reset: bool = typer.Option(False, "--reset", help="Recreate the demo production from scratch."),
    json_out: bool = JsonOpt,
) -> None:
    """Set up the sample feature film (crew, rooms, calendars, tasks, cuts, cues, deliverables) and print its overview."""
    from postprod.media_roots import local_roots

    media = local_roots()[0] / MEDIA_FOLDER  # the demo's WAV files and their QC runs, under the media roots
    with session_scope() as s:
        prod, created = create_demo(s, reset=reset, media=media)
        data = svc.overview(s, prod)
    if json_out:
        print_json(data)
        return
    if not created:
        note(f"the demo production {prod.title!r} already exists (use --reset to recreate it)")
    else:
        note(f"the demo's media files (QC'd deliverables) are in {media}")
    show_overview(data)
