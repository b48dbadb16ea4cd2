"""`postprod user ...`: accounts for the web app and the API, their roles, their API tokens."""

from __future__ import annotations

import typer

from postprod.cli._common import JsonOpt, console, print_json, table
from postprod.db import session_scope
from postprod.services import users as svc
from postprod.services.common import get_production
from postprod.services.sign_in import reset_password

app = typer.Typer(no_args_is_help=True)


@app.command("add")
def add(
    username: str = typer.Argument(..., help="Sign-in name: a-z, 0-9, '.', '-', '_'."),
    password: str = typer.Option(..., "--password", prompt=True, hide_input=True, confirmation_prompt=True),
    name: str = typer.Option("", "--name", help="Display name."),
    language: str = typer.Option("en", "--language", help="en or fr."),
    admin: bool = typer.Option(False, "--admin", help="May do everything (creates users and productions)."),
) -> None:
    """Add a user."""
    with session_scope() as s:
        user = svc.create_user(
            s, username=username, password=password, display_name=name, language=language, is_admin=admin
        )
        msg = f"added user {user.username}" + (" (administrator)" if admin else "")
    console.print(msg)


@app.command("list")
def list_cmd(json_out: bool = JsonOpt) -> None:
    """List users with their roles."""
    with session_scope() as s:
        rows = [svc.user_dict(u) for u in svc.list_users(s)]
    if json_out:
        print_json(rows)
        return
    table(
        "Users",
        ["Username", "Name", "Lang", "Active", "Roles"],
        [
            (
                r["username"],
                r["display_name"],
                r["language"],
                "yes" if r["active"] else "no",
                ("admin; " if r["is_admin"] else "")
                + "; ".join(
                    f"#{m['production_id']} {m['role']}" + (f" {m['department']}" if m["department"] else "")
                    for m in r["memberships"]
                ),
            )
            for r in rows
        ],
    )


@app.command("grant")
def grant(
    username: str = typer.Argument(...),
    role: str = typer.Argument(..., help="supervisor, production-director, department-lead, technician, client."),
    production: str | None = typer.Option(None, "--production", "-p", help="Production ID or title."),
    department: str | None = typer.Option(None, "--department", "-d", help="For a department lead."),
    person: str | None = typer.Option(None, "--person", help="The crew member a technician is."),
) -> None:
    """Give a user a role in a production."""
    with session_scope() as s:
        prod = get_production(s, production)
        m = svc.grant(s, svc.get_user(s, username), prod, role, department=department, person=person)
        msg = f"{username} is now {m.role.value}" + (f" ({m.department_code})" if m.department_code else "")
        msg += f" on {prod.title!r}"
    console.print(msg)


@app.command("password")
def password(
    username: str = typer.Argument(...),
    new_password: str = typer.Option(
        ..., "--password", prompt="New password", hide_input=True, confirmation_prompt=True, help="The new password."
    ),
) -> None:
    """Set a user's password (an administrator's reset): their sessions and API tokens all end."""
    with session_scope() as s:
        user = svc.get_user(s, username)
        reset_password(s, user, new_password)
        msg = f"new password for {user.username}: their sessions and API tokens are signed out"
    console.print(msg)


@app.command("token")
def token(
    username: str = typer.Argument(...),
    name: str = typer.Option("cli", "--name", help="What the token is for."),
    days: int | None = typer.Option(None, "--days", help="Expire after this many days."),
) -> None:
    """Make an API token for a user and print it (shown this once only)."""
    with session_scope() as s:
        _tok, text = svc.create_token(s, svc.get_user(s, username), name, days=days)
    typer.echo(text)
