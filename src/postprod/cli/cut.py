"""CLI group 'cut': inspect and diff cut files; import versions of a reel, list them, show their change lists."""

from __future__ import annotations

from pathlib import Path

import typer

from postprod.cli._common import JsonOpt, ProductionOpt, console, note, plural, print_json, progress_bar, table
from postprod.cli._cut_files import (
    MAX_WARNINGS_SHOWN,
    LenientOpt,
    RateOpt,
    load_cut,
    rate_option,
    show_warnings,
    write_text,
)
from postprod.config import current_actor
from postprod.editorial.diff import CHANGE_TYPES, ChangeList, diff_cuts
from postprod.editorial.diff_report import change_list_csv, change_list_edl, change_list_html
from postprod.errors import N_, FileFormatError

app = typer.Typer(no_args_is_help=True)


@app.command("inspect")
def inspect(
    file: Path = typer.Argument(..., help="EDL, FCP 7 XML, FCPXML, AAF or .otio file."),
    rate: str | None = RateOpt,
    lenient: bool = LenientOpt,
    events: bool = typer.Option(False, "--events", help="List every event."),
    json_out: bool = JsonOpt,
) -> None:
    """Read a cut and summarise its events, rate, locators, VFX shots and warnings."""
    cut = load_cut(file, rate_option(rate), lenient)
    if json_out:
        print_json(cut.to_dict())
        return
    s = cut.summary()
    table(
        f"{file.name}",
        ["field", "value"],
        [
            ("title", s["title"]),
            ("format", s["format"]),
            ("rate", f"{s['rate']} ({s['rate_source']})" + (" drop-frame" if s["drop_frame"] else "")),
            ("events", s["events"]),
            ("tracks", ", ".join(f"{k}:{v}" for k, v in s["tracks"].items())),
            ("record", f"{s['record_start']} - {s['record_end']} ({s['duration_frames']} frames)"),
            ("transitions", s["transitions"]),
            ("speed changes", s["speed_changes"]),
            ("locators", s["locators"]),
            ("VFX shots", s["vfx_shots"]),
            ("warnings", s["warnings"]),
            ("skipped", s["skipped"]),
        ],
    )
    if events:
        table(
            None,
            ["#", "reel", "ch", "tr", "src in", "src out", "rec in", "rec out", "clip", "vfx", "speed"],
            [
                (
                    e.number,
                    e.reel,
                    e.channels,
                    e.transition + (f" {e.transition_frames}" if e.transition_frames else ""),
                    cut.tc(e.source_in),
                    cut.tc(e.source_out),
                    cut.tc(e.record_in),
                    cut.tc(e.record_out),
                    e.clip_name or "",
                    " ".join(e.vfx_ids),
                    "" if e.speed is None else f"{float(e.speed):g}",
                )
                for e in cut.events
            ],
        )
    for w in cut.skipped:
        note(f"skipped: {cut.path}: {w}")
    show_warnings(cut)


@app.command("diff")
def diff(
    old: Path = typer.Argument(..., help="The old version of the cut."),
    new: Path = typer.Argument(..., help="The new version of the cut."),
    rate: str | None = RateOpt,
    lenient: bool = LenientOpt,
    csv_path: Path | None = typer.Option(None, "--csv", help="Write the change list as CSV."),
    html_path: Path | None = typer.Option(
        None, "--html", help="Write a standalone HTML change list for the departments."
    ),
    edl_path: Path | None = typer.Option(None, "--edl", help="Write a change EDL of the new version's changed events."),
    pdf_path: Path | None = typer.Option(None, "--pdf", help="Write the change list as PDF for the departments."),
    json_out: bool = JsonOpt,
) -> None:
    """Change list between two versions: inserts, deletes, trims, moves and replaces."""
    r = rate_option(rate)
    old_cut = load_cut(old, r, lenient)
    new_cut = load_cut(new, r if r is not None else old_cut.rate, lenient)
    cl = diff_cuts(old_cut, new_cut)
    _write_change_list(cl, csv_path, html_path, edl_path, pdf_path)
    if json_out:
        print_json(cl.to_dict())
        return
    show_warnings(old_cut)
    show_warnings(new_cut)
    _print_changes(cl, f"{old.name} -> {new.name}")


def _write_change_list(
    cl: ChangeList, csv_path: Path | None, html_path: Path | None, edl_path: Path | None, pdf_path: Path | None = None
) -> None:
    """Write the change list as CSV, HTML, a change EDL and PDF, where asked."""
    for path, render in ((csv_path, change_list_csv), (html_path, change_list_html), (edl_path, change_list_edl)):
        if path:
            write_text(path, render(cl))
    if pdf_path:
        from postprod.pdf import html_to_pdf  # WeasyPrint only when a PDF is asked for

        data = html_to_pdf(change_list_html(cl))
        try:
            pdf_path.write_bytes(data)
        except OSError as exc:
            raise FileFormatError(
                str(pdf_path), N_("cannot write: %(reason)s"), params={"reason": exc.strerror or exc}
            ) from exc
        note(f"wrote {pdf_path}")


def _print_changes(cl: ChangeList, title: str) -> None:
    """The change list as a table and a one-line summary."""
    rows = []
    for c in cl.changes:
        d = c.to_dict(cl)
        rows.append(
            (
                c.type,
                d["old_event"] or "",
                d["new_event"] or "",
                d["reel"],
                d["clip_name"] or "",
                d["old_record_in_tc"] or "",
                d["new_record_in_tc"] or "",
                f"{c.head_frames:+d}" if c.head_frames else "",
                f"{c.tail_frames:+d}" if c.tail_frames else "",
                f"{c.offset_frames:+d}",
                c.detail,
            )
        )
    table(
        title,
        ["change", "old #", "new #", "reel", "clip", "old rec in", "new rec in", "head", "tail", "offset", "detail"],
        rows,
    )
    s = cl.summary()
    console.print(
        f"{plural(s['changes'], 'change')}: "
        + ", ".join(f"{s[t]} {t}" for t in CHANGE_TYPES)
        + f"; {s['unchanged']} unchanged ({s['unchanged_slid']} slid); "
        f"duration {s['duration_change']:+d} frames",
        highlight=False,
    )


@app.command("import")
def import_cmd(
    file: Path = typer.Argument(..., help="EDL, FCP 7 XML, FCPXML, AAF or .otio file of the new version."),
    reel: str = typer.Option(..., "--reel", "-r", help="The reel (or sequence) this file is a version of."),
    rate: str | None = RateOpt,
    label: str = typer.Option("", "--label", help="A label such as 'director's cut 2'."),
    lenient: bool = LenientOpt,
    production: str | None = ProductionOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Import a new version of a reel: change list against the previous one, registers carried with it."""
    # The database layer is imported here, not above: `cut diff` and `cut inspect` start without it.
    from postprod.db import session_scope
    from postprod.services import editorial as ed
    from postprod.services.common import get_production
    from postprod.services.recut_cost import recut_cost

    r = rate_option(rate)
    with session_scope() as s:
        prod = get_production(s, production)
        with progress_bar(f"importing {file.name}") as update:
            res = ed.import_cut(
                s, prod, file, reel=reel, rate=r, label=label, lenient=lenient, actor=current_actor(), progress=update
            )
        data = res.to_dict()
        cl = res.changes
        estimate = recut_cost(s, prod, res.version)
    if json_out:
        print_json(data)
        return
    show_warnings(res.cut)
    for w in res.cut.skipped:
        note(f"skipped: {res.cut.path}: {w}")
    v = data["version"]
    console.print(
        f"imported {file.name} as reel {v['reel']} v{v['version']}: {plural(v['events'], 'event')}, {v['rate']} fps"
        + (" drop-frame" if v["drop_frame"] else ""),
        highlight=False,
    )
    if cl is not None:
        _print_changes(cl, f"reel {v['reel']}: v{v['version'] - 1} -> v{v['version']}")
    c = data["carried"]
    console.print(
        f"registers: {c['shifted']} shifted, {c['unchanged']} unchanged, {c['review']} flagged for review, "
        f"{plural(c['placed'], 'VFX shot')} placed"
        + (f" ({c['added']} new to the VFX register)" if c["added"] else "")
        + f", {c['unplaced']} without timecodes",
        highlight=False,
    )
    for f in data["flagged"][:MAX_WARNINGS_SHOWN]:
        note(f"review: {f['kind']} {f['key']}: {f['reason']}")
    if len(data["flagged"]) > MAX_WARNINGS_SHOWN:
        note(f"... and {len(data['flagged']) - MAX_WARNINGS_SHOWN} more (`postprod cues review`)")
    if estimate is not None:
        console.print(
            f"recut cost estimate: {estimate['total']} {estimate['currency']} "
            f"(postprod cut cost --reel {estimate['reel']})",
            highlight=False,
        )


@app.command("cost")
def cost(
    reel: str = typer.Option(..., "--reel", "-r", help="The reel."),
    number: int | None = typer.Option(
        None, "--version", "-v", min=1, max=100000, help="The version (default: the latest)."
    ),
    per_day: int = typer.Option(40, "--changes-per-day", min=1, max=10000, help="Changes conformed again in a day."),
    production: str | None = ProductionOpt,
    json_out: bool = JsonOpt,
) -> None:
    """What a recut costs against the version before: VFX shots added or longer, ADR cues to record again, the conform."""
    from postprod.db import session_scope
    from postprod.services import editorial as ed
    from postprod.services.common import get_production
    from postprod.services.recut_cost import recut_cost

    with session_scope() as s:
        prod = get_production(s, production)
        cv = ed.get_version(s, prod, reel, number)
        view = recut_cost(s, prod, cv, changes_per_day=per_day)
    if json_out:
        print_json(view)
        return
    if view is None:
        console.print(
            f"reel {cv.reel} v{cv.number}: nothing to price (its first version, or no budget yet)", highlight=False
        )
        return
    cur = view["currency"]
    table(
        f"reel {view['reel']}: v{view['previous']} -> v{view['number']}, priced from budget v{view['budget_version']}",
        ["work", "item", "quantity", "rate", "from", "amount"],
        [
            (
                x["kind"],
                x["ref"],
                f"{x['quantity']} {x['unit']}{'' if x['quantity'] == '1' else 's'}",
                x["rate"],
                x["basis"],
                x["amount"],
            )
            for x in view["lines"]
        ],
    )
    for u in view["unpriced"]:
        note(f"not priced: {u['kind']} {u['ref']}: {u['reason'].replace('_', ' ')}".replace("  ", " "))
    console.print(f"recut cost: {view['total']} {cur} (excl. VAT)", highlight=False)


@app.command("versions")
def versions(
    reel: str | None = typer.Option(None, "--reel", "-r", help="Only this reel."),
    production: str | None = ProductionOpt,
    json_out: bool = JsonOpt,
) -> None:
    """List the imported versions of each reel with their change and carry counts."""
    # The database layer is imported here, not above: `cut diff` and `cut inspect` start without it.
    from postprod.db import session_scope
    from postprod.services import editorial as ed
    from postprod.services.common import get_production

    with session_scope() as s:
        prod = get_production(s, production)
        rows = [ed.version_dict(cv) for cv in ed.list_versions(s, prod, reel)]
        title = f"{prod.title}: {plural(len(rows), 'cut version')}"
    if json_out:
        print_json(rows)
        return
    table(
        title,
        ["reel", "v", "label", "file", "rate", "events", "start", "end", "changes", "review", "imported"],
        [
            (
                r["reel"],
                r["version"],
                r["label"],
                r["file"],
                r["rate"] + (" DF" if r["drop_frame"] else ""),
                r["events"],
                r["record_start_tc"],
                r["record_end_tc"],
                "" if r["changes"] is None else r["changes"]["changes"],
                "" if r["carried"] is None else r["carried"]["review"],
                f"{r['imported_at'][:16]} {r['imported_by']}",
            )
            for r in rows
        ],
    )


@app.command("changes")
def changes(
    reel: str = typer.Option(..., "--reel", "-r", help="The reel."),
    from_number: int | None = typer.Option(
        None, "--from", min=1, max=100000, help="Old version number (default: the one before --to)."
    ),
    to_number: int | None = typer.Option(
        None, "--to", min=1, max=100000, help="New version number (default: the latest)."
    ),
    csv_path: Path | None = typer.Option(None, "--csv", help="Write the change list as CSV."),
    html_path: Path | None = typer.Option(None, "--html", help="Write a standalone HTML change list."),
    edl_path: Path | None = typer.Option(None, "--edl", help="Write a change EDL."),
    pdf_path: Path | None = typer.Option(None, "--pdf", help="Write the change list as PDF."),
    production: str | None = ProductionOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Change list between two imported versions of a reel."""
    # The database layer is imported here, not above: `cut diff` and `cut inspect` start without it.
    from postprod.db import session_scope
    from postprod.services import editorial as ed
    from postprod.services.common import get_production

    with session_scope() as s:
        prod = get_production(s, production)
        old, new, cl = ed.change_list(s, prod, reel, from_number, to_number)
        title = f"reel {new.reel}: v{old.number} -> v{new.number}"
    _write_change_list(cl, csv_path, html_path, edl_path, pdf_path)
    if json_out:
        data = cl.to_dict()
        data["reel"], data["from"], data["to"] = new.reel, old.number, new.number
        print_json(data)
        return
    _print_changes(cl, title)
