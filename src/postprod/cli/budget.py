"""`postprod budget ...`: the chart of accounts, fringe groups, budget versions and their lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from postprod.cli._common import JsonOpt, ProductionOpt, console, plural, print_json, table
from postprod.errors import N_, FileFormatError, InvalidInput

app = typer.Typer(no_args_is_help=True)
line_app = typer.Typer(no_args_is_help=True, help="Lines of the current draft: add, update, delete.")
account_app = typer.Typer(no_args_is_help=True, help="The production's chart of accounts.")
app.add_typer(line_app, name="line")
app.add_typer(account_app, name="account")

VersionOpt = typer.Option(None, "--version", "-v", help="A version number, 'current' (default) or 'original'.")


def _print_budget(data: Any) -> None:
    v = data["version"]
    console.print(
        f"[bold]Budget v{v['number']}[/bold] {v['name']} ({v['status']}, {v['currency']})"
        + (f" - {v['reason']}" if v["reason"] else "")
    )
    rows = [
        [
            a["code"],
            a["name"],
            a["totals"]["subtotal"],
            a["totals"]["fringe"],
            a["totals"]["percent"],
            a["totals"]["total"],
        ]
        for a in data["accounts"]
        if a["totals"]["total"] != "0.00"
    ]
    rows.append(["", "Total (HT)", *(data["total"][k] for k in ("subtotal", "fringe", "percent", "total"))])
    table(None, ["Account", "Name", "Lines", "Fringes", "Percentages", "Total"], rows)
    console.print(f"VAT apart: {data['total']['vat']} {v['currency']}")


@app.command("accounts")
def accounts_cmd(
    chart: str | None = typer.Option(
        None, "--chart", help="fr-cnc or us-mmb, when the chart is set up the first time."
    ),
    production: str | None = ProductionOpt,
    json_out: bool = JsonOpt,
) -> None:
    """The chart of accounts (set up from a built-in chart the first time)."""
    from postprod.db import session_scope  # the database only for the commands that use it
    from postprod.services import budget as svc
    from postprod.services.common import get_production

    with session_scope() as s:
        prod = get_production(s, production)
        rows = svc.accounts(s, prod) or svc.setup_chart(s, prod, chart)
        data = [
            {"code": a.code, "name": a.name, "chapter": a.chapter, "department": a.department, "resource": a.resource}
            for a in rows
        ]
    if json_out:
        print_json(data)
        return
    table(
        None,
        ["Code", "Name", "Chapter", "Department", "Plan"],
        [[a["code"], a["name"], a["chapter"], a["department"] or "-", a["resource"] or ""] for a in data],
    )


@account_app.command("add")
def account_add(
    code: str,
    name: str,
    chapter: str = typer.Option(..., "--chapter"),
    department: str | None = typer.Option(None, "--department"),
    resource: str | None = typer.Option(
        None,
        "--resource",
        help="person or room: it pays for days the plan schedules, and its forecast follows the plan.",
    ),
    production: str | None = ProductionOpt,
) -> None:
    """Add an account to the production's chart."""
    from postprod.db import session_scope  # the database only for the commands that use it
    from postprod.services import budget as svc
    from postprod.services.common import get_production

    with session_scope() as s:
        a = svc.add_account(
            s, get_production(s, production), code, name, chapter, department=department, resource=resource
        )
        console.print(f"account {a.code} {a.name} added")


@account_app.command("update")
def account_update(
    code: str,
    new_code: str | None = typer.Option(None, "--code", help="Renumber: the lines of every version follow."),
    name: str | None = typer.Option(None, "--name"),
    department: str | None = typer.Option(None, "--department"),
    production: str | None = ProductionOpt,
) -> None:
    """Rename or renumber an account."""
    from postprod.db import session_scope  # the database only for the commands that use it
    from postprod.services import budget as svc
    from postprod.services.common import get_production

    with session_scope() as s:
        a = svc.update_account(
            s, get_production(s, production), code, new_code=new_code, name=name, department=department
        )
        console.print(f"account {a.code} {a.name}")


@app.command("fringe")
def fringe_cmd(name: str, percent: str, production: str | None = ProductionOpt) -> None:
    """Set a fringe group's percentage (charges sociales): `postprod budget fringe intermittents 65`."""
    from postprod.db import session_scope  # the database only for the commands that use it
    from postprod.services import budget as svc
    from postprod.services.common import get_production

    with session_scope() as s:
        g = svc.set_fringe(s, get_production(s, production), name, percent)
        console.print(f"fringe group {g.name}: {g.percent} %")


@app.command("create")
def create_cmd(
    name: str = typer.Option("", "--name"),
    rate: list[str] = typer.Option([], "--rate", help="An exchange rate: GBP=1.1725 (repeat)."),
    production: str | None = ProductionOpt,
) -> None:
    """The first draft of the budget, in the production's currency."""
    from postprod.db import session_scope  # the database only for the commands that use it
    from postprod.services import budget as svc
    from postprod.services.common import get_production

    rates = dict(svc.parse_rate_option(r) for r in rate)
    with session_scope() as s:
        v = svc.create_version(s, get_production(s, production), name=name, rates={k: str(x) for k, x in rates.items()})
        console.print(f"budget v{v.number} created (draft, {v.currency})")


@app.command("show")
def show_cmd(
    version: str | None = VersionOpt,
    production: str | None = ProductionOpt,
    json_out: bool = JsonOpt,
    department: list[str] = typer.Option(  # noqa: B008
        [], "--department", help="Only this department's lines, as its lead sees them: no personal rates."
    ),
) -> None:
    """A version with its accounts and totals (HT; VAT apart)."""
    from postprod.db import session_scope  # the database only for the commands that use it
    from postprod.services import budget as svc
    from postprod.services.common import get_production

    with session_scope() as s:
        prod = get_production(s, production)
        if department:
            from postprod.services.budget_department import department_view

            lead = department_view(s, prod, department, version)
        else:
            data = svc.budget_view(s, prod, svc.get_version(s, prod, version))
    if department:
        if json_out:
            print_json(lead)
            return
        table(
            f"Budget v{lead['version']['number']}: {', '.join(lead['departments'])} (no personal rates)",
            ["Account", "Description", "Qty", "Unit", "Rate", "Total"],
            [[x["account"], x["description"], x["quantity"], x["unit"], x.get("rate", "-"), x.get("total", "-")]
             for x in lead["lines"]],
        )  # fmt: skip
        return
    if json_out:
        print_json(data)
        return
    _print_budget(data)


@app.command("lines")
def lines_cmd(
    version: str | None = VersionOpt, production: str | None = ProductionOpt, json_out: bool = JsonOpt
) -> None:
    """Every line of a version with its amounts."""
    from postprod.db import session_scope  # the database only for the commands that use it
    from postprod.services import budget as svc
    from postprod.services.common import get_production

    with session_scope() as s:
        prod = get_production(s, production)
        data = svc.budget_view(s, prod, svc.get_version(s, prod, version))
    if json_out:
        print_json(data["lines"])
        return
    table(
        None,
        ["ID", "Account", "Description", "Qty", "Unit", "Rate", "Cur", "Subtotal", "Fringe", "Total"],
        [
            [
                x["id"],
                x["account"],
                x["description"],
                x["quantity"],
                x["unit"],
                x["rate"],
                x["currency"],
                x["subtotal"],
                x["fringe"],
                x["total"],
            ]
            for x in data["lines"]
        ],  # fmt: skip
    )


def _line_values(**kw: Any) -> dict[str, Any]:
    return {k: v for k, v in kw.items() if v is not None}


@line_app.command("add")
def line_add(
    account: str,
    description: str = typer.Option("", "--description", "-d"),
    quantity: str = typer.Option("1", "--quantity", "-q"),
    unit: str = typer.Option("flat", "--unit"),
    rate: str = typer.Option(..., "--rate"),
    currency: str | None = typer.Option(None, "--currency"),
    fringe: str | None = typer.Option(None, "--fringe", help="Fringe group (charges sociales)."),
    vat: str | None = typer.Option(None, "--vat", help="VAT rate in percent (20, 10, 5.5)."),
    tax_credit: str | None = typer.Option(None, "--tax-credit"),
    abroad: bool = typer.Option(False, "--abroad", help="Spent outside France."),
    production: str | None = ProductionOpt,
) -> None:
    """Add a line to the current draft: `postprod budget line add 2.10 -d 'Chef monteur' -q 40 --unit day --rate 412.50`."""
    from postprod.db import session_scope  # the database only for the commands that use it
    from postprod.services import budget as svc
    from postprod.services.common import get_production

    with session_scope() as s:
        prod = get_production(s, production)
        line = svc.add_line(
            s, prod, svc.get_version(s, prod),
            **_line_values(
                account=account, description=description, quantity=quantity, unit=unit, rate=rate, currency=currency,
                fringe=fringe, vat_rate=vat, tax_credit=tax_credit,
            ),
            in_france=not abroad,
        )  # fmt: skip
        console.print(f"line {line.id} added to {line.account}")


@line_app.command("update")
def line_update(
    line_id: int,
    account: str | None = typer.Option(None, "--account"),
    description: str | None = typer.Option(None, "--description", "-d"),
    quantity: str | None = typer.Option(None, "--quantity", "-q"),
    unit: str | None = typer.Option(None, "--unit"),
    rate: str | None = typer.Option(None, "--rate"),
    currency: str | None = typer.Option(None, "--currency"),
    fringe: str | None = typer.Option(None, "--fringe"),
    vat: str | None = typer.Option(None, "--vat"),
    production: str | None = ProductionOpt,
) -> None:
    """Change a line of the current draft."""
    from postprod.db import session_scope  # the database only for the commands that use it
    from postprod.services import budget as svc
    from postprod.services.common import get_production

    with session_scope() as s:
        prod = get_production(s, production)
        svc.update_line(
            s, prod, svc.get_version(s, prod), line_id,
            **_line_values(
                account=account, description=description, quantity=quantity, unit=unit, rate=rate, currency=currency,
                fringe=fringe, vat_rate=vat,
            ),
        )  # fmt: skip
        console.print(f"line {line_id} updated")


@line_app.command("delete")
def line_delete(line_id: int, production: str | None = ProductionOpt) -> None:
    """Delete a line of the current draft."""
    from postprod.db import session_scope  # the database only for the commands that use it
    from postprod.services import budget as svc
    from postprod.services.common import get_production

    with session_scope() as s:
        prod = get_production(s, production)
        svc.delete_line(s, svc.get_version(s, prod), line_id)
        console.print(f"line {line_id} deleted")


@app.command("percent")
def percent_cmd(
    name: str,
    account: str = typer.Option(..., "--account", help="The account it is booked to."),
    percent: str = typer.Option(..., "--percent"),
    on: list[str] = typer.Option([], "--on", help="Accounts or chapters it applies to (repeat); default all."),
    excluding: list[str] = typer.Option([], "--excluding", help="Accounts or chapters left out (repeat)."),
    includes: list[str] = typer.Option([], "--includes", help="Other percentage lines in its base (repeat)."),
    production: str | None = ProductionOpt,
) -> None:
    """A percentage line: `postprod budget percent Imprévus --account 10.2 --percent 10 --excluding 10`."""
    from postprod.db import session_scope  # the database only for the commands that use it
    from postprod.services import budget as svc
    from postprod.services.common import get_production

    with session_scope() as s:
        prod = get_production(s, production)
        p = svc.add_percent_line(
            s, prod, svc.get_version(s, prod), name, account, percent, on=on or None, excluding=excluding,
            includes=includes,
        )  # fmt: skip
        console.print(f"{p.name}: {p.percent} % booked to {p.account}")


@app.command("rate")
def rate_cmd(rate: str, production: str | None = ProductionOpt) -> None:
    """Fix an exchange rate for the current draft: `postprod budget rate GBP=1.1725`."""
    from postprod.db import session_scope  # the database only for the commands that use it
    from postprod.services import budget as svc
    from postprod.services.common import get_production

    code, value = svc.parse_rate_option(rate)
    with session_scope() as s:
        prod = get_production(s, production)
        svc.set_rate(s, svc.get_version(s, prod), code, value)
        console.print(f"1 {code} = {value} in the budget's currency")


@app.command("lock")
def lock_cmd(production: str | None = ProductionOpt) -> None:
    """Lock the current draft: it never changes again (revise it to change the budget)."""
    from postprod.db import session_scope  # the database only for the commands that use it
    from postprod.services import budget as svc
    from postprod.services.common import get_production

    with session_scope() as s:
        prod = get_production(s, production)
        v = svc.lock(s, svc.get_version(s, prod))
        console.print(f"budget v{v.number} locked")


@app.command("revise")
def revise_cmd(
    reason: str = typer.Option(..., "--reason", help="Why the budget changes."),
    version: str | None = VersionOpt,
    name: str = typer.Option("", "--name"),
    production: str | None = ProductionOpt,
) -> None:
    """A new draft copied from a version (the current one by default), with its reason."""
    from postprod.db import session_scope  # the database only for the commands that use it
    from postprod.services import budget as svc
    from postprod.services.common import get_production

    with session_scope() as s:
        prod = get_production(s, production)
        v = svc.revise(s, prod, svc.get_version(s, prod, version), reason, name=name)
        console.print(f"budget v{v.number} created from v{v.number - 1 if v.parent_id else '?'}: {v.reason}")


@app.command("compare")
def compare_cmd(
    before: str = typer.Argument("original"),
    after: str = typer.Argument("current"),
    production: str | None = ProductionOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Two versions account by account and line by line (default: the original against the current)."""
    from postprod.db import session_scope  # the database only for the commands that use it
    from postprod.services import budget as svc
    from postprod.services.budget_compare import compare
    from postprod.services.common import get_production

    with session_scope() as s:
        prod = get_production(s, production)
        data = compare(s, prod, svc.get_version(s, prod, before), svc.get_version(s, prod, after))
    if json_out:
        print_json(data)
        return
    console.print(
        f"v{data['before']['number']} {data['total_before']} -> v{data['after']['number']} {data['total_after']} "
        f"({data['difference']})"
    )
    table(
        None,
        ["Account", "Name", "Before", "After", "Difference"],
        [[a["code"], a["name"], a["before"], a["after"], a["difference"]] for a in data["accounts"]],
    )
    table(
        None,
        ["Account", "Line", "Change", "Before", "After", "Difference"],
        [
            [x["account"], x["description"], x["change"], x["before"] or "-", x["after"] or "-", x["difference"]]
            for x in data["lines"]
        ],
    )


@app.command("draft")
def draft_cmd(
    from_plan: bool = typer.Option(..., "--from-plan", help="Draft version 1 from the current plan and the registers."),
    rate: list[str] = typer.Option([], "--rate", help="An exchange rate: GBP=1.1725 (repeat)."),
    production: str | None = ProductionOpt,
) -> None:
    """A first budget from the plan's days at the people's and rooms' rates, VFX bids, dubbing, music, deliverables."""
    from postprod.db import session_scope  # the database only for the commands that use it
    from postprod.services import budget as svc
    from postprod.services.budget_draft import draft_from_plan
    from postprod.services.common import get_production

    rates = {k: str(x) for k, x in (svc.parse_rate_option(r) for r in rate)}
    with session_scope() as s:
        prod = get_production(s, production)
        d = draft_from_plan(s, prod, rates=rates)
        total = svc.budget_view(s, prod, d.version)["total"]["total"]
        console.print(f"budget v{d.version.number} drafted: {d.lines} lines, {total} {d.version.currency} HT")
        for note in d.skipped:
            console.print(f"[yellow]not budgeted:[/yellow] {note}")


@app.command("export")
def export_cmd(
    file: Path = typer.Argument(..., help="The file to write: .csv or .xlsx."),
    version: str = typer.Option("current", "--version", "-v", help="A version number, current or original."),
    production: str | None = ProductionOpt,
) -> None:
    """A version's lines to a spreadsheet (CSV or XLSX), with their amounts; `budget import` reads it back."""
    from postprod.db import session_scope  # the database only for the commands that use it
    from postprod.services import budget as svc
    from postprod.services import budget_io
    from postprod.services.common import get_production

    with session_scope() as s:
        prod = get_production(s, production)
        v = svc.get_version(s, prod, version)
        if file.suffix.lower() == ".xlsx":
            from postprod.services.workbooks import budget_workbook

            data = budget_workbook(s, prod, v)
        elif file.suffix.lower() == ".csv":
            data = budget_io.export_csv(s, v)
        else:
            raise InvalidInput(N_("%(file)s: write .csv or .xlsx"), field="file", params={"file": file})
        count, number = len(v.lines), v.number
    try:
        file.write_bytes(data)
    except OSError as exc:
        raise FileFormatError(
            str(file), N_("cannot write: %(reason)s"), params={"reason": exc.strerror or exc}
        ) from exc
    console.print(f"{plural(count, 'line')} of budget v{number} written to {file}", highlight=False)


@app.command("import")
def import_cmd(
    file: str = typer.Argument(..., help="A CSV or XLSX file: account, description, quantity, unit, rate..."),
    skip_bad: bool = typer.Option(False, "--skip-bad", help="Keep the good lines and report the bad ones."),
    production: str | None = ProductionOpt,
) -> None:
    """Lines added to the current draft from a spreadsheet (CSV or XLSX; French or English headers and numbers)."""
    from postprod.cli.costs import import_file

    import_file("budget lines", file, skip_bad, production)
