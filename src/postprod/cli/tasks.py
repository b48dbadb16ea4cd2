"""`postprod task ...`: list, show, create and change tasks and their dependencies."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import typer
from rich.panel import Panel

from postprod.cli._common import JsonOpt, ProductionOpt, Styled, console, plural, print_json, table
from postprod.cli.history import note_add
from postprod.db import session_scope
from postprod.services import tasks as svc
from postprod.services.common import get_production, get_task, task_dict
from postprod.services.task_reads import task_views

app = typer.Typer(no_args_is_help=True)

_STATUS_STYLE = {
    "not-started": "dim",
    "in-progress": "cyan",
    "in-review": "magenta",
    "approved": "green",
    "done": "green",
    "retake": "red",
    "on-hold": "yellow",
}


def _print_tasks(rows: Sequence[Mapping[str, Any]], title: str) -> None:
    table(
        title,
        ["Key", "Task", "Dept", "Status", "Days", "%", "Assignees", "After"],
        [
            (
                r["key"],
                r["name"],
                r["department"],
                Styled(r["status"], _STATUS_STYLE.get(r["status"], "")),
                r["estimate_days"],
                r["progress"],
                ", ".join(r["assignees"]),
                ", ".join(d["task"] + (f"+{d['lag_days']}" if d["lag_days"] else "") for d in r["depends_on"]),
            )
            for r in rows
        ],
    )


@app.command("list")
def list_cmd(
    production: str | None = ProductionOpt,
    department: str | None = typer.Option(None, "--department", "-d", help="Department code or name."),
    status: str | None = typer.Option(None, "--status", "-s"),
    assignee: str | None = typer.Option(None, "--assignee", "-a", help="Person's name."),
    language: str | None = typer.Option(None, "--language", help="Dubbing language code."),
    json_out: bool = JsonOpt,
) -> None:
    """List tasks, filtered by department, status, assignee or language."""
    with session_scope() as s:
        prod = get_production(s, production)
        rows = task_views(
            s, prod, department=department, status=status, assignee=assignee, language=language, limit=None
        ).items
        title = f"{prod.title}: {plural(len(rows), 'task')}"
    if json_out:
        print_json(rows)
    else:
        _print_tasks(rows, title)


@app.command("show")
def show(
    key: str = typer.Argument(..., help="Task key or ID."),
    production: str | None = ProductionOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Show one task with its dependencies, assignees and notes."""
    with session_scope() as s:
        prod = get_production(s, production)
        task = get_task(s, prod, key)
        data = svc.task_detail_with_notes(s, prod, task)
    if json_out:
        print_json(data)
        return
    body = [
        f"[bold]{data['key']}[/bold]  {data['name']}",
        f"Department: {data['department']}   Status: {data['status']}   Progress: {data['progress']} %   Priority: {data['priority']}",
        f"Estimate: {data['estimate_days']} work days   Skills: {', '.join(data['required_skills']) or '-'}   Room: {data['room_kind'] or '-'}",
        f"Assignees: {', '.join(data['assignees']) or '-'}",
        "After: "
        + (
            ", ".join(f"{d['task']} (lag {d['lag_days']})" if d["lag_days"] else d["task"] for d in data["depends_on"])
            or "-"
        ),
        "Before: " + (", ".join(data["successors"]) or "-"),
        f"Planned: {data['planned_start'] or '-'} to {data['planned_finish'] or '-'}   Actual: {data['actual_start'] or '-'} to {data['actual_finish'] or '-'}",
    ]
    if data["due_date"]:
        body.append(f"Due: {data['due_date']}")
    if data["description"]:
        body.append(data["description"])
    for n in data["notes"]:
        body.append(f"[dim]{n['at'][:16]} {n['author']}:[/dim] {n['body']}")
    console.print(Panel("\n".join(body), expand=False))


@app.command("add")
def add(
    key: str = typer.Argument(..., help="New task key, e.g. VFX-RESHOOT."),
    name: str = typer.Option(..., "--name"),
    department: str = typer.Option(..., "--department", "-d"),
    estimate: str = typer.Option("1", "--estimate", help="Work days."),
    skills: str = typer.Option("", "--skills", help="Comma-separated skills."),
    room: str | None = typer.Option(None, "--room", help="Room kind needed."),
    priority: int = typer.Option(3, "--priority"),
    due: str | None = typer.Option(None, "--due"),
    after: list[str] = typer.Option([], "--after", help="Predecessor key (repeatable)."),
    production: str | None = ProductionOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Add a task (with its predecessors) to a production."""
    with session_scope() as s:
        prod = get_production(s, production)
        task = svc.create_task(
            s,
            prod,
            key=key,
            name=name,
            department=department,
            estimate_days=estimate,
            skills=skills.split(","),
            room_kind=room,
            priority=priority,
            due=due,
        )
        for pred in after:
            svc.add_dependency(s, task, get_task(s, prod, pred))
        data = task_dict(task)
    if json_out:
        print_json(data)
    else:
        console.print(f"added {data['key']}")


@app.command("update")
def update(
    key: str = typer.Argument(..., help="Task key or ID."),
    status: str | None = typer.Option(None, "--status", "-s"),
    progress: int | None = typer.Option(None, "--progress"),
    assign: list[str] = typer.Option([], "--assign", help="Person to assign (repeatable)."),
    unassign: list[str] = typer.Option([], "--unassign", help="Person to unassign (repeatable)."),
    priority: int | None = typer.Option(None, "--priority"),
    estimate: str | None = typer.Option(None, "--estimate", help="Work days."),
    due: str | None = typer.Option(None, "--due", help="YYYY-MM-DD, or '' to clear."),
    name: str | None = typer.Option(None, "--name"),
    expect_version: int | None = typer.Option(
        None, "--expect-version", help="Refuse if the task changed since this version."
    ),
    production: str | None = ProductionOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Change a task's status, progress, assignees, priority, estimate or due date."""
    with session_scope() as s:
        prod = get_production(s, production)
        task = svc.update_task(
            s,
            get_task(s, prod, key),
            status=status,
            progress=progress,
            assign=assign,
            unassign=unassign,
            priority=priority,
            estimate_days=estimate,
            due=due,
            name=name,
            expected_version=expect_version,
        )
        data = task_dict(task)
    if json_out:
        print_json(data)
    else:
        console.print(
            f"{data['key']}: {data['status']}, {data['progress']} %, assignees: {', '.join(data['assignees']) or '-'}"
        )


@app.command("depend")
def depend(
    key: str = typer.Argument(..., help="The task that waits."),
    on: str = typer.Option(..., "--on", help="The task it waits for."),
    lag: int = typer.Option(0, "--lag", help="Work days between the finish and the start."),
    remove: bool = typer.Option(False, "--remove", help="Remove the dependency instead."),
    production: str | None = ProductionOpt,
) -> None:
    """Make a task wait for another (finish-to-start with lag); a cycle is refused and named."""
    with session_scope() as s:
        prod = get_production(s, production)
        succ, pred = get_task(s, prod, key), get_task(s, prod, on)
        if remove:
            svc.remove_dependency(s, succ, pred)
            msg = f"{succ.key} no longer waits for {pred.key}"
        else:
            svc.add_dependency(s, succ, pred, lag)
            msg = f"{succ.key} now waits for {pred.key}" + (f" + {lag} days" if lag else "")
    console.print(msg)


@app.command("delete")
def delete(key: str = typer.Argument(...), production: str | None = ProductionOpt) -> None:
    """Delete a task with its dependencies, assignments and notes."""
    with session_scope() as s:
        prod = get_production(s, production)
        task = get_task(s, prod, key)
        k = task.key
        svc.delete_task(s, task)
    console.print(f"deleted {k}")


# `postprod task note KEY TEXT` is `postprod note add KEY TEXT`, under the task group too.
app.command("note")(note_add)
