"""`postprod cues <register> list|show|add|update|import|delete|note`, `postprod cues review`, `postprod music cue-sheet`."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from rich.panel import Panel

from postprod.cli._common import JsonOpt, ProductionOpt, Styled, console, err_console, note, plural, print_json, table
from postprod.config import current_actor
from postprod.db import session_scope
from postprod.errors import N_, FileFormatError, InvalidInput
from postprod.services import register_io as io_svc
from postprod.services import registers as svc
from postprod.services.common import get_production

app = typer.Typer(no_args_is_help=True)
music_app = typer.Typer(no_args_is_help=True)

# Option name on the command line -> Python parameter name (in/out are keywords).
_PARAM = {"in": "tc_in", "out": "tc_out"}
# Columns shown by `list` for each register, after key and status.
_LIST_COLUMNS: dict[str, list[str]] = {
    "vfx": ["vendor", "bid", "shot_version", "description"],
    "adr": ["character", "actor", "priority", "line", "reason"],
    "foley": ["character", "category", "description"],
    "music": ["title", "composer", "usage"],
    "dubbing": ["studio", "translation", "detection", "casting", "recording", "mix", "qc"],
}


def _a(label: str) -> str:
    return ("an " if label[0] in "AEIOU" else "a ") + label


def _param_name(field: str) -> str:
    return _PARAM.get(field, field)


def _values(kind: svc.Kind, kwargs: dict[str, Any], *, skip_key: bool) -> dict[str, str]:
    """The fields the user gave, by field name, as the text typed."""
    out: dict[str, str] = {}
    for f in svc.all_fields(kind):
        if skip_key and f.name == kind.fields[0].name:
            continue
        value = kwargs.get(_param_name(f.name))
        if value is not None:
            out[f.name] = value
    return out


def _field_params(kind: svc.Kind, *, skip_key: bool) -> list[inspect.Parameter]:
    params = []
    for f in svc.all_fields(kind):
        if skip_key and f.name == kind.fields[0].name:
            continue
        opt = typer.Option(None, f"--{f.name.replace('_', '-')}", help=f.help)
        params.append(
            inspect.Parameter(_param_name(f.name), inspect.Parameter.KEYWORD_ONLY, default=opt, annotation=str | None)
        )
    return params


def _with_signature(
    fn: Callable[..., None], params: list[inspect.Parameter], name: str, doc: str
) -> Callable[..., None]:
    fn.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    fn.__name__ = name
    fn.__doc__ = doc
    return fn


def _kw(name: str, default: Any, annotation: Any) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)


def _print_entries(kind: svc.Kind, rows: list[dict[str, Any]], title: str) -> None:
    extra = _LIST_COLUMNS[kind.name]
    table(
        title,
        [kind.fields[0].name, "status", "reel", "in", "out", *extra, "assignee", "review"],
        [
            (
                r["key"],
                r["status"],
                r["reel"] or "",
                r["record_in_tc"] or "",
                r["record_out_tc"] or "",
                *[("" if r.get(c) is None else str(r[c]))[:60] for c in extra],
                r["assignee"] or r["vendor"] or "",
                Styled("review", "red") if r["review"] else "",
            )
            for r in rows
        ],
    )


def _make_group(kind: svc.Kind) -> typer.Typer:
    """The list/show/add/update/import/delete/note commands of one register."""
    group = typer.Typer(no_args_is_help=True, help=f"The {kind.label} register.")
    key_help = f"The {kind.label}'s {kind.fields[0].name.replace('_', ' ')} (or its numeric ID)."
    prod_p = _kw("production", ProductionOpt, str | None)
    json_p = _kw("json_out", JsonOpt, bool)

    def list_cmd(**kw: Any) -> None:
        with session_scope() as s:
            prod = get_production(s, kw["production"])
            review = True if kw["review"] else None
            entries = svc.list_entries(
                s,
                prod,
                kind,
                reel=kw["reel"],
                status=kw["status"],
                assignee=kw["assignee"],
                vendor=kw["vendor"],
                review=review,
                search=kw["search"],
                limit=None,
            ).rows
            place = svc.Placement(s, prod)
            rows = [svc.entry_dict(kind, e, place) for e in entries]
            title = f"{prod.title}: {len(rows)} {kind.label}s"
        if kw["json_out"]:
            print_json(rows)
        else:
            _print_entries(kind, rows, title)

    group.command("list")(
        _with_signature(
            list_cmd,
            [
                _kw("reel", typer.Option(None, "--reel", "-r", help="Only this reel."), str | None),
                _kw(
                    "status",
                    typer.Option(None, "--status", "-s", help="One of " + ", ".join(kind.statuses)),
                    str | None,
                ),
                _kw("assignee", typer.Option(None, "--assignee", "-a", help="Person's name."), str | None),
                _kw("vendor", typer.Option(None, "--vendor", help="Vendor or studio."), str | None),
                _kw("review", typer.Option(False, "--review", help="Only entries flagged for review."), bool),
                _kw("search", typer.Option(None, "--search", help="Text to find in the entry."), str | None),
                prod_p,
                json_p,
            ],
            "list",
            f"List {kind.label}s in cut order, filtered.",
        )
    )

    def show(**kw: Any) -> None:
        with session_scope() as s:
            prod = get_production(s, kw["production"])
            entry = svc.get_entry(s, prod, kind, kw["key"])
            data = svc.entry_dict(kind, entry, svc.Placement(s, prod))
            data["notes"] = [
                {"at": n.created_at.isoformat(), "author": n.author, "body": n.body}
                for n in svc.entry_notes(s, kind, entry)
            ]
        if kw["json_out"]:
            print_json(data)
            return
        lines = [f"[bold]{kind.label} {data['key']}[/bold]  status: {data['status']}  (version {data['version']})"]
        for f in kind.fields[1:]:
            if data.get(f.name) not in (None, ""):
                lines.append(f"{f.name.replace('_', ' ')}: {data[f.name]}")
        if data["reel"]:
            lines.append(
                f"reel {data['reel']}"
                + (f" v{data['cut_version']}" if data["cut_version"] else "")
                + f": {data['record_in_tc'] or '-'} to {data['record_out_tc'] or '-'}"
                + (f" ({data['duration_frames']} frames)" if data["duration_frames"] is not None else "")
            )
        who = ", ".join(x for x in (data["assignee"], data["vendor"]) if x)
        if who:
            lines.append(f"by: {who}")
        dates = [f"{k} {data[k]}" for k in ("start", "due", "done") if data[k]]
        if dates:
            lines.append("dates: " + ", ".join(dates))
        if data["review"]:
            lines.append(f"[red]review: {data['review_reason']}[/red]")
        for n in data["notes"]:
            lines.append(f"[dim]{n['at'][:16]} {n['author']}:[/dim] {n['body']}")
        console.print(Panel("\n".join(lines), expand=False))

    group.command("show")(
        _with_signature(
            show,
            [_kw("key", typer.Argument(..., help=key_help), str), prod_p, json_p],
            "show",
            f"Show one {kind.label} with its place in the cut and its notes.",
        )
    )

    def add(**kw: Any) -> None:
        values = _values(kind, kw, skip_key=True)
        values[kind.fields[0].name] = kw["key"]
        with session_scope() as s:
            prod = get_production(s, kw["production"])
            entry = svc.add_entry(s, prod, kind, values)
            if kw["note"]:
                svc.add_entry_note(s, kind, entry, kw["note"], current_actor())
            data = svc.entry_dict(kind, entry, svc.Placement(s, prod))
        if kw["json_out"]:
            print_json(data)
        else:
            console.print(f"added {kind.label} {data['key']}")

    group.command("add")(
        _with_signature(
            add,
            [
                _kw(
                    "key",
                    typer.Argument(..., help=f"The new {kind.label}'s {kind.fields[0].name.replace('_', ' ')}."),
                    str,
                ),
                *_field_params(kind, skip_key=True),
                _kw("note", typer.Option(None, "--note", help="A first note."), str | None),
                prod_p,
                json_p,
            ],
            "add",
            f"Add {_a(kind.label)} (timecodes at the rate of its reel's cut).",
        )
    )

    def update(**kw: Any) -> None:
        values = _values(kind, kw, skip_key=False)
        with session_scope() as s:
            prod = get_production(s, kw["production"])
            entry = svc.get_entry(s, prod, kind, kw["key"])
            if not values and not kw["reviewed"]:
                raise InvalidInput("nothing to change: give at least one option")
            svc.update_entry(
                s, prod, kind, entry, values, reviewed=kw["reviewed"], expected_version=kw["expect_version"]
            )
            data = svc.entry_dict(kind, entry, svc.Placement(s, prod))
        if kw["json_out"]:
            print_json(data)
        else:
            console.print(
                f"{kind.label} {data['key']}: {data['status']}" + (" (review cleared)" if kw["reviewed"] else "")
            )

    key_field = kind.fields[0]
    rename = inspect.Parameter(
        _param_name(key_field.name),
        inspect.Parameter.KEYWORD_ONLY,
        default=typer.Option(None, f"--{key_field.name.replace('_', '-')}", help=f"Rename: the new {key_field.name}."),
        annotation=str | None,
    )
    group.command("update")(
        _with_signature(
            update,
            [
                _kw("key", typer.Argument(..., help=key_help), str),
                rename,
                *_field_params(kind, skip_key=True),
                _kw("reviewed", typer.Option(False, "--reviewed", help="Clear the review flag."), bool),
                _kw(
                    "expect_version",
                    typer.Option(None, "--expect-version", help="Refuse if the entry changed since this version."),
                    int | None,
                ),
                prod_p,
                json_p,
            ],
            "update",
            f"Change {_a(kind.label)}: fields, status (following the workflow), place in the cut; clear its review flag.",
        )
    )

    def import_cmd(**kw: Any) -> None:
        try:
            with session_scope() as s:
                prod = get_production(s, kw["production"])
                res = io_svc.import_entries(
                    s, prod, kind, kw["file"], skip_bad=kw["skip_bad"], update_existing=kw["update"]
                )
        except io_svc.BadLines as exc:
            for e in exc.errors:
                there = " (importing with --update changes it)" if e.detail == io_svc.ALREADY_THERE else ""
                err_console.print(f"error: {e}{there}", style="red", highlight=False, soft_wrap=True)
            err_console.print(
                f"error: {plural(len(exc.errors), 'bad line')} in {kw['file']}: nothing imported (--skip-bad imports the good ones)",
                style="red",
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(exc.exit_code) from None
        for e in res.skipped:
            note(f"skipped: {e}")
        if res.ignored_columns:
            note("ignored columns: " + ", ".join(res.ignored_columns))
        if kw["json_out"]:
            print_json(res.to_dict())
        else:
            console.print(
                f"{plural(res.created, kind.label)} added, {res.updated} updated, "
                + (f"{res.unchanged} unchanged, " if res.unchanged else "")
                + f"{plural(len(res.skipped), 'bad line')} skipped"
            )

    group.command("import")(
        _with_signature(
            import_cmd,
            [
                _kw(
                    "file", typer.Argument(..., help="CSV, tab- or semicolon-separated file with a header line."), Path
                ),
                _kw(
                    "skip_bad",
                    typer.Option(False, "--skip-bad", help="Import the good lines, list the bad ones."),
                    bool,
                ),
                _kw("update", typer.Option(False, "--update", help="Update entries that already exist."), bool),
                prod_p,
                json_p,
            ],
            "import",
            f"Import {kind.label}s from CSV"
            + (" or a spotting export (cue, character, TC in, TC out, line, reason)" if kind.name == "adr" else "")
            + "; any bad line refuses the file, naming every bad line.",
        )
    )

    def delete(**kw: Any) -> None:
        with session_scope() as s:
            prod = get_production(s, kw["production"])
            entry = svc.get_entry(s, prod, kind, kw["key"])
            key = getattr(entry, kind.key)
            svc.delete_entry(s, kind, entry)
        console.print(f"deleted {kind.label} {key}")

    group.command("delete")(
        _with_signature(
            delete,
            [_kw("key", typer.Argument(..., help=key_help), str), prod_p],
            "delete",
            f"Delete {_a(kind.label)} with its notes.",
        )
    )

    def note_cmd(**kw: Any) -> None:
        with session_scope() as s:
            prod = get_production(s, kw["production"])
            entry = svc.get_entry(s, prod, kind, kw["key"])
            svc.add_entry_note(s, kind, entry, kw["body"], kw["author"] or current_actor())
        console.print("note added")

    group.command("note")(
        _with_signature(
            note_cmd,
            [
                _kw("key", typer.Argument(..., help=key_help), str),
                _kw("body", typer.Argument(..., help="The note."), str),
                _kw("author", typer.Option(None, "--author"), str | None),
                prod_p,
            ],
            "note",
            f"Add a note to {_a(kind.label)}.",
        )
    )
    return group


for _kind in svc.KINDS.values():
    app.add_typer(_make_group(_kind), name=_kind.name, help=f"The {_kind.label} register.")


@app.command("review")
def review(
    kind: str | None = typer.Option(None, "--kind", "-k", help="Only this register: " + ", ".join(svc.KINDS)),
    production: str | None = ProductionOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Entries flagged for review after a recut, with the reason, across registers."""
    with session_scope() as s:
        prod = get_production(s, production)
        kinds = [svc.get_kind(kind)] if kind else None
        place = svc.Placement(s, prod)
        rows = [svc.entry_dict(k, e, place) for k, e in svc.review_list(s, prod, kinds)]
        title = f"{prod.title}: {plural(len(rows), 'entry', 'entries')} to review"
    if json_out:
        print_json(rows)
        return
    table(
        title,
        ["register", "key", "reel", "in", "out", "reason"],
        [
            (
                r["kind"],
                r["key"],
                r["reel"] or "",
                r["record_in_tc"] or "",
                r["record_out_tc"] or "",
                r["review_reason"],
            )
            for r in rows
        ],
    )


@music_app.command("cue-sheet")
def cue_sheet(
    out: Path | None = typer.Option(None, "--out", "-o", help="Write the cue sheet: .csv, .html, .pdf or .xlsx."),
    production: str | None = ProductionOpt,
    json_out: bool = JsonOpt,
) -> None:
    """The music cue sheet: title, composer, publisher, usage, in, out, duration, with totals."""
    with session_scope() as s:
        sheet = io_svc.cue_sheet(s, get_production(s, production))
    if out is not None:
        ext = out.suffix.lower()
        if ext not in (".csv", ".html", ".htm", ".pdf", ".xlsx"):
            raise InvalidInput(
                N_("--out %(out)s: the file name must end in .csv, .html, .pdf or .xlsx"),
                field="out",
                params={"out": out},
            )
        if ext == ".pdf":
            from postprod.pdf import html_to_pdf

            data = html_to_pdf(io_svc.cue_sheet_html(sheet))
        elif ext == ".xlsx":
            data = io_svc.cue_sheet_xlsx(sheet)
        else:
            data = (io_svc.cue_sheet_csv(sheet) if ext == ".csv" else io_svc.cue_sheet_html(sheet)).encode("utf-8")
        try:
            out.write_bytes(data)
        except OSError as exc:
            raise FileFormatError(
                str(out), N_("cannot write: %(reason)s"), params={"reason": exc.strerror or exc}
            ) from exc
        note(f"wrote {out}")
    if json_out:
        print_json(sheet)
        return
    if out is None:
        table(
            f"Music cue sheet - {sheet['production']}",
            ["cue", "title", "composer", "publisher", "usage", "in", "out", "duration"],
            [
                (r["number"], r["title"], r["composer"], r["publisher"], r["usage"], r["in"], r["out"], r["duration"])
                for r in sheet["cues"]
            ],
        )
    t = sheet["totals"]
    console.print(f"{plural(t['cues'], 'cue')}, {t['duration']} in all", highlight=False)
