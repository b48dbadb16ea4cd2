"""`postprod deliverable ...`: the deliverables list, their specs and their QC runs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import typer

from postprod.cli._common import JsonOpt, ProductionOpt, console, print_json, progress_bar, table
from postprod.config import current_actor
from postprod.db import session_scope
from postprod.media_roots import local_roots
from postprod.qc.spec import looks_like_spec_file, read_spec_file
from postprod.services import deliverables as svc
from postprod.services.common import get_production

app = typer.Typer(no_args_is_help=True)


def _spec(spec: str | None) -> tuple[str | None, str | None]:
    """A --spec that names a local .toml file: its text, read here on the user's machine, and its name."""
    if spec and looks_like_spec_file(spec):
        text, parsed = read_spec_file(spec)
        return parsed.name, text
    return spec, None


@app.command("add")
def add(
    name: str = typer.Argument(..., help="e.g. 'Broadcast master'."),
    spec: str | None = typer.Option(
        None, "--spec", help="Built-in spec name (see `postprod qc specs`) or a .toml file (its text is stored)."
    ),
    due: str | None = typer.Option(None, "--due", help="YYYY-MM-DD"),
    file: str | None = typer.Option(
        None, "--file", help="The delivered file to check, under POSTPROD_MEDIA_ROOTS (default: this folder)."
    ),
    description: str = typer.Option("", "--description"),
    language: str | None = typer.Option(
        None,
        "--language",
        help="Language of subtitles or a dubbed version (fr, en-GB): links it to that language's work.",
    ),
    production: str | None = ProductionOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Add a deliverable with its spec and due date."""
    spec, spec_toml = _spec(spec)
    with session_scope() as s:
        prod = get_production(s, production)
        d = svc.add_deliverable(
            s, prod, name=name, spec=spec, spec_toml=spec_toml, due=due, file=file, description=description,
            roots=local_roots(), language=language,
        )  # fmt: skip
        data = svc.deliverable_dict(d)
    print_json(data) if json_out else console.print(f"added deliverable {data['name']}")


@app.command("list")
def list_cmd(
    status: str | None = typer.Option(None, "--status"),
    production: str | None = ProductionOpt,
    json_out: bool = JsonOpt,
) -> None:
    """List deliverables with their status and last QC result."""
    with session_scope() as s:
        rows = [svc.deliverable_dict(d) for d in svc.list_deliverables(s, get_production(s, production), status)]
    if json_out:
        print_json(rows)
        return
    table(
        "Deliverables",
        ["Name", "Spec", "Due", "Status", "Last QC", "File"],
        [
            (
                r["name"],
                r["spec"] or "-",
                r["due_date"] or "-",
                r["status"],
                r["last_run"]["result"] if r["last_run"] else "-",
                r["file"] or "-",
            )
            for r in rows
        ],
    )


@app.command("show")
def show(name: str, production: str | None = ProductionOpt, json_out: bool = JsonOpt) -> None:
    """Show a deliverable with its QC runs and the findings of the last one."""
    with session_scope() as s:
        d = svc.get_deliverable(s, get_production(s, production), name)
        data = svc.deliverable_detail(s, d)
    if json_out:
        print_json(data)
        return
    console.print(
        f"[bold]{data['name']}[/bold]  status: {data['status']}  spec: {data['spec'] or '-'}  due: {data['due_date'] or '-'}"
        + (f"  language: {data['language']}" if data["language"] else "")
    )
    work = data["language_work"]
    if work:
        dub = work["dubbing"]
        console.print(
            f"{work['language']} work: dubbed version {dub['status'] if dub else 'none'}; "
            + (", ".join(f"{t['key']} {t['status']}" for t in work["tasks"]) or "no task in this language")
        )
    for r in data["qc_runs"]:
        console.print(f"run #{r['id']} {r['started_at'][:19]} {r['result']} {r['error']}")
    if data["qc_runs"]:
        _print_findings(data["qc_runs"][-1])


def _print_findings(run: Mapping[str, Any]) -> None:
    if run["findings"]:
        table(
            f"Findings of run #{run['id']}",
            ["Clause", "Kind", "Start", "End", "Stream", "Channel", "Message"],
            [
                (
                    f["clause"],
                    f["kind"],
                    f["start_tc"] or "-",
                    f["end_tc"] or "-",
                    f["stream"],
                    f["channel"],
                    f["message"],
                )
                for f in run["findings"]
            ],
        )


@app.command("update")
def update(
    name: str,
    status: str | None = typer.Option(None, "--status"),
    spec: str | None = typer.Option(None, "--spec", help="Built-in spec name or a .toml file (its text is stored)."),
    due: str | None = typer.Option(None, "--due"),
    file: str | None = typer.Option(None, "--file", help="Under POSTPROD_MEDIA_ROOTS (default: this folder)."),
    language: str | None = typer.Option(None, "--language", help="Language of subtitles or a dubbed version."),
    production: str | None = ProductionOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Change a deliverable's status, spec, due date, file or language."""
    spec_name, spec_toml = _spec(spec)
    with session_scope() as s:
        d = svc.get_deliverable(s, get_production(s, production), name)
        d = svc.update_deliverable(
            s, d, status=status, spec=spec_name, spec_toml=spec_toml, due=due, file=file, roots=local_roots(),
            language=language,
        )  # fmt: skip
        data = svc.deliverable_dict(d)
    print_json(data) if json_out else console.print(f"{data['name']}: {data['status']}")


@app.command("qc")
def qc(
    name: str,
    report: str | None = typer.Option(None, "--report", help="Also write the report here: HTML, or PDF (.pdf)."),
    production: str | None = ProductionOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Check the deliverable's file against its spec and keep the run; exit 0 pass, 1 fail, 2 unusable file."""
    with progress_bar(f"QC {name}") as update:
        data = svc.run_qc(
            production, name, actor=current_actor(), progress=update, report_path=report, roots=local_roots()
        )
    if json_out:
        print_json(data)
    else:
        colour = {"pass": "green", "fail": "red"}.get(data["result"], "yellow")
        s = data["summary"]
        console.print(
            f"[{colour}]{data['result'].upper()}[/] {data['deliverable']} -> {data['status']}"
            + (f"  ({s.get('passed')}/{s.get('clauses')} clauses)" if s else f"  {data['error']}")
        )
        _print_findings(data)
    raise typer.Exit({"pass": 0, "fail": 1}.get(data["result"], 2))
