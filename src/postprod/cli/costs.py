"""`postprod time|vendor|po|invoice|cost ...`: what the post costs as it goes, and the cost report."""

from __future__ import annotations

from pathlib import Path

import typer

from postprod.cli._common import JsonOpt, ProductionOpt, console, plural, print_json, table
from postprod.errors import N_, FileFormatError, InvalidInput

time_app = typer.Typer(no_args_is_help=True)
vendor_app = typer.Typer(no_args_is_help=True)
po_app = typer.Typer(no_args_is_help=True)
invoice_app = typer.Typer(no_args_is_help=True)
cost_app = typer.Typer(no_args_is_help=True)


@time_app.command("log")
def time_log(
    person: str,
    day: str = typer.Option(..., "--day", help="YYYY-MM-DD"),
    days: str | None = typer.Option(None, "--days", help="1 for a full working day, 0.5 for half."),
    hours: str | None = typer.Option(None, "--hours", help="Converted with the production's working day."),
    task: str | None = typer.Option(None, "--task"),
    note: str = typer.Option("", "--note"),
    production: str | None = ProductionOpt,
) -> None:
    """Log time a person worked: `postprod time log "Julien Bertrand" --day 2027-01-11 --days 1 --task PIC-ASSEMBLY`."""
    from postprod.db import session_scope  # the database only for the commands that use it
    from postprod.services import costs
    from postprod.services.common import get_production

    with session_scope() as s:
        e = costs.log_time(
            s, get_production(s, production), person=person, day=day, days=days, hours=hours, task=task, note=note
        )
        console.print(f"{e.days} day(s) logged on {e.day}")


@time_app.command("list")
def time_list(
    person: str | None = typer.Option(None, "--person"),
    since: str | None = typer.Option(None, "--since", help="YYYY-MM-DD"),
    production: str | None = ProductionOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Time entries, by day."""
    from postprod.db import session_scope  # the database only for the commands that use it
    from postprod.services import costs
    from postprod.services.common import get_person, get_production, parse_date

    with session_scope() as s:
        prod = get_production(s, production)
        who = get_person(s, prod, person) if person else None
        names = {p.id: p.name for p in prod.people}
        keys = {t.id: t.key for t in prod.tasks}
        rows = [
            {"id": e.id, "person": names.get(e.person_id, ""), "day": e.day.isoformat(), "days": format(e.days.normalize(), "f"),
             "task": keys.get(e.task_id or -1), "note": e.note}
            for e in costs.time_entries(s, prod, person=who, since=parse_date(since, "since") if since else None)
        ]  # fmt: skip
    if json_out:
        print_json(rows)
        return
    table(
        None,
        ["Day", "Person", "Days", "Task", "Note"],
        [[r["day"], r["person"], r["days"], r["task"] or "-", r["note"]] for r in rows],
    )


@vendor_app.command("add")
def vendor_add(
    name: str,
    email: str = typer.Option("", "--email"),
    country: str = typer.Option("", "--country", help="Where the work is done: FR, GB..."),
    production: str | None = ProductionOpt,
) -> None:
    """Add a vendor (a VFX house, a lab, a stage, a studio)."""
    from postprod.db import session_scope  # the database only for the commands that use it
    from postprod.services import costs
    from postprod.services.common import get_production

    with session_scope() as s:
        v = costs.add_vendor(s, get_production(s, production), name, email=email, country=country)
        console.print(f"vendor {v.name} added")


@vendor_app.command("list")
def vendor_list(production: str | None = ProductionOpt, json_out: bool = JsonOpt) -> None:
    """The production's vendors."""
    from postprod.db import session_scope  # the database only for the commands that use it
    from postprod.services import costs
    from postprod.services.common import get_production

    with session_scope() as s:
        rows = [
            {"name": v.name, "email": v.email, "country": v.country}
            for v in costs.vendors(s, get_production(s, production))
        ]
    if json_out:
        print_json(rows)
        return
    table(None, ["Vendor", "E-mail", "Country"], [[r["name"], r["email"], r["country"]] for r in rows])


@po_app.command("add")
def po_add(
    number: str,
    vendor: str = typer.Option(..., "--vendor"),
    account: str = typer.Option(..., "--account"),
    amount: str = typer.Option(..., "--amount", help="Net of VAT (HT)."),
    currency: str | None = typer.Option(None, "--currency"),
    issued: str | None = typer.Option(None, "--issued", help="YYYY-MM-DD (default today)."),
    description: str = typer.Option("", "--description", "-d"),
    production: str | None = ProductionOpt,
) -> None:
    """A purchase order: money committed to an account until invoiced."""
    from postprod.db import session_scope  # the database only for the commands that use it
    from postprod.services import costs
    from postprod.services.common import get_production

    with session_scope() as s:
        po = costs.add_order(
            s, get_production(s, production), number=number, vendor=vendor, account=account, amount=amount,
            currency=currency, issued=issued, description=description,
        )  # fmt: skip
        console.print(f"purchase order {po.number}: {po.amount} {po.currency} to {po.account}")


@po_app.command("list")
def po_list(production: str | None = ProductionOpt, json_out: bool = JsonOpt) -> None:
    """Purchase orders with what is invoiced against them."""
    from postprod.budget.money import as_json
    from postprod.db import session_scope  # the database only for the commands that use it
    from postprod.services import costs
    from postprod.services.common import get_production

    with session_scope() as s:
        rows = [
            {"number": po.number, "vendor": po.vendor.name, "account": po.account, "amount": as_json(po.amount),
             "currency": po.currency, "invoiced": as_json(costs.invoiced(po)), "status": po.status.value}
            for po in costs.orders(s, get_production(s, production))
        ]  # fmt: skip
    if json_out:
        print_json(rows)
        return
    table(
        None,
        ["PO", "Vendor", "Account", "Amount", "Invoiced", "Status"],
        [
            [r["number"], r["vendor"], r["account"], f"{r['amount']} {r['currency']}", r["invoiced"], r["status"]]
            for r in rows
        ],
    )


@po_app.command("close")
def po_close(
    number: str, cancel: bool = typer.Option(False, "--cancel"), production: str | None = ProductionOpt
) -> None:
    """Close a purchase order (nothing more to invoice) or cancel it: it commits nothing more."""
    from postprod.db import session_scope  # the database only for the commands that use it
    from postprod.services import costs
    from postprod.services.common import get_production

    with session_scope() as s:
        po = costs.close_order(s, get_production(s, production), number, cancel=cancel)
        console.print(f"purchase order {po.number} {po.status.value}")


@invoice_app.command("add")
def invoice_add(
    vendor: str,
    number: str,
    net: str = typer.Option(..., "--net", help="Net of VAT (HT)."),
    vat: str = typer.Option("0", "--vat", help="The VAT amount."),
    day: str | None = typer.Option(None, "--day", help="The invoice's date, YYYY-MM-DD (default today)."),
    order: str | None = typer.Option(None, "--po", help="The purchase order it is against."),
    account: str | None = typer.Option(None, "--account", help="Without a purchase order: the account."),
    currency: str | None = typer.Option(None, "--currency"),
    paid: bool = typer.Option(False, "--paid"),
    overrun: str = typer.Option("", "--accept-overrun", help="A note accepting that it exceeds its order."),
    production: str | None = ProductionOpt,
) -> None:
    """A vendor's invoice: `postprod invoice add "Studio Lumière" F-2027-014 --net 12000 --vat 2400 --po PO-001`."""
    from postprod.db import session_scope  # the database only for the commands that use it
    from postprod.services import costs
    from postprod.services.common import get_production

    with session_scope() as s:
        inv = costs.add_invoice(
            s, get_production(s, production), vendor=vendor, number=number, net=net, vat=vat, day=day, order=order,
            account=account, currency=currency, paid=paid, overrun_note=overrun,
        )  # fmt: skip
        console.print(f"invoice {inv.number}: {inv.net} {inv.currency} HT to {inv.account}")


@cost_app.command("report")
def cost_report_cmd(
    as_of: str | None = typer.Option(None, "--as-of", help="YYYY-MM-DD (default today)."),
    xlsx: Path | None = typer.Option(None, "--xlsx", help="Also write it as a workbook, chapters and formulas."),
    production: str | None = ProductionOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Budget, actual, committed, estimate to complete, estimate at completion and variance, per account."""
    from datetime import date

    from postprod.db import session_scope  # the database only for the commands that use it
    from postprod.services import costs
    from postprod.services.common import get_production, parse_date

    day = parse_date(as_of, "as_of") if as_of else date.today()
    with session_scope() as s:
        prod = get_production(s, production)
        data = costs.report_view(s, prod, day)
        if xlsx is not None:
            from postprod.services.workbooks import cost_report_workbook

            if xlsx.suffix.lower() != ".xlsx":
                raise InvalidInput(N_("%(xlsx)s: write .xlsx"), field="xlsx", params={"xlsx": xlsx})
            book = cost_report_workbook(s, prod, day)
    if xlsx is not None:
        try:
            xlsx.write_bytes(book)
        except OSError as exc:
            raise FileFormatError(
                str(xlsx), N_("cannot write: %(reason)s"), params={"reason": exc.strerror or exc}
            ) from exc
    if json_out:
        print_json(data)
        return
    keys = ("budget", "current_budget", "actual", "committed", "etc", "efc", "variance")
    rows = [
        [a["code"], a["name"], *(a[k] for k in keys)]
        for a in map(dict, data["accounts"])
        if any(a[k] != "0.00" for k in keys)
    ]
    totals = dict(data["totals"])
    rows.append(["", "Total", *(totals[k] for k in keys)])
    table(
        f"Cost report as of {data['as_of']} ({data['currency']}, HT)",
        ["Account", "Name", "Budget", "Current", "Actual", "Committed", "ETC", "EFC", "Variance"],
        rows,
    )


@cost_app.command("etc")
def cost_etc(
    account: str,
    amount: str | None = typer.Argument(None, help="The estimate to complete; leave out with --clear."),
    note: str = typer.Option("", "--note", help="Why (needed)."),
    clear: bool = typer.Option(False, "--clear", help="Back to the plan's or the budget's estimate."),
    production: str | None = ProductionOpt,
) -> None:
    """Set an account's estimate to complete by hand, with a note."""
    from postprod.db import session_scope  # the database only for the commands that use it
    from postprod.errors import InvalidInput
    from postprod.services import costs
    from postprod.services.common import get_production

    with session_scope() as s:
        prod = get_production(s, production)
        if clear:
            costs.clear_etc(s, prod, account)
            console.print(f"estimate of {account} back to the plan's or the budget's")
            return
        if amount is None:
            raise InvalidInput("give the estimate, or --clear", field="amount")
        row = costs.set_etc(s, prod, account, amount, note)
        console.print(f"estimate to complete of {row.account}: {row.amount}")


@cost_app.command("snapshot")
def cost_snapshot(
    as_of: str | None = typer.Option(None, "--as-of", help="YYYY-MM-DD (default today)."),
    production: str | None = ProductionOpt,
) -> None:
    """Freeze the cost report as of a date (a point of the EFC trend; it never changes)."""
    from postprod.db import session_scope  # the database only for the commands that use it
    from postprod.services import costs
    from postprod.services.common import get_production, parse_date

    with session_scope() as s:
        snap = costs.snapshot(s, get_production(s, production), parse_date(as_of, "as_of") if as_of else None)
        console.print(f"cost report of {snap.as_of} frozen: EFC {snap.report['totals']['efc']}")


@cost_app.command("trend")
def cost_trend(production: str | None = ProductionOpt, json_out: bool = JsonOpt) -> None:
    """The frozen reports' totals, date by date: how the estimate at completion moved."""
    from postprod.db import session_scope  # the database only for the commands that use it
    from postprod.services import costs
    from postprod.services.common import get_production

    with session_scope() as s:
        rows = [
            {"as_of": x.as_of.isoformat()} | x.report["totals"]
            for x in costs.snapshots(s, get_production(s, production))
        ]
    if json_out:
        print_json(rows)
        return
    table(
        None,
        ["As of", "Current budget", "Actual", "Committed", "EFC", "Variance"],
        [[r["as_of"], r["current_budget"], r["actual"], r["committed"], r["efc"], r["variance"]] for r in rows],
    )


def import_file(kind: str, file: str, skip_bad: bool, production: str | None) -> None:
    """Read a CSV or XLSX file on this machine and import its lines; every bad line is printed."""
    from postprod.cli._common import err_console
    from postprod.db import session_scope  # the database only for the commands that use it
    from postprod.services import budget_io, cost_import
    from postprod.services.common import get_production

    path = Path(file)
    if not path.is_file():
        raise InvalidInput(N_("%(file)s: no such file"), field="file", params={"file": file})
    data = path.read_bytes()
    run = {
        "invoices": cost_import.import_invoices,
        "time entries": cost_import.import_time,
        "budget lines": budget_io.import_lines,
    }[kind]
    try:
        with session_scope() as s:
            result = run(s, get_production(s, production), data, path.name, skip_bad=skip_bad)
    except cost_import.BadRows as bad:
        for line in bad.errors:
            err_console.print(f"error: {line}", markup=False, highlight=False)
        err_console.print("nothing imported (--skip-bad keeps the good lines)", markup=False, highlight=False)
        raise typer.Exit(2) from None
    one = {"invoices": "invoice", "time entries": "time entry", "budget lines": "budget line"}[kind]
    console.print(f"{plural(result.rows, one, kind)} imported from {path.name}")
    for name in result.vendors_added:
        console.print(f"vendor added: {name}")
    for line in result.skipped:
        err_console.print(f"skipped: {line}", markup=False, highlight=False)


@invoice_app.command("import")
def invoice_import(
    file: str,
    skip_bad: bool = typer.Option(False, "--skip-bad", help="Keep the good lines and report the bad ones."),
    production: str | None = ProductionOpt,
) -> None:
    """Invoices from an accounting export (CSV or XLSX; French or English headers and numbers)."""
    import_file("invoices", file, skip_bad, production)


@time_app.command("import")
def time_import(
    file: str,
    skip_bad: bool = typer.Option(False, "--skip-bad", help="Keep the good lines and report the bad ones."),
    production: str | None = ProductionOpt,
) -> None:
    """Time entries from a time sheet (CSV or XLSX): person, date, days or hours, task, note."""
    import_file("time entries", file, skip_bad, production)


@cost_app.command("credits")
def cost_credits(
    as_of: str | None = typer.Option(None, "--as-of", help="YYYY-MM-DD (default today)."),
    production: str | None = ProductionOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Tax credits: the eligible spend to date and at completion of each, by rules kept as data (with sources)."""
    from postprod.db import session_scope  # the database only for the commands that use it
    from postprod.services import costs
    from postprod.services.common import get_production, parse_date

    with session_scope() as s:
        rows = costs.tax_credits(s, get_production(s, production), parse_date(as_of, "as_of") if as_of else None)
    if json_out:
        print_json(rows)
        return
    table(
        None,
        ["Credit", "Rate %", "Eligible to date", "Eligible at completion", "Credit at completion", "Source"],
        [
            [
                r["name"],
                r["rate"],
                r["eligible_to_date"],
                r["eligible_at_completion"],
                r["credit_at_completion"],
                f"{r['source']} (read {r['read_on']})",
            ]
            for r in rows
        ],  # fmt: skip
    )
