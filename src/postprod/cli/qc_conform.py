"""CLI command 'qc conform': a master's shot changes against the locked cut (a cut file or an imported version)."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from postprod.cli._common import JsonOpt, ProductionOpt, console, err_console, print_json, progress_bar, table
from postprod.errors import FileFormatError
from postprod.timecode import parse_rate

if TYPE_CHECKING:
    from fractions import Fraction

    from postprod.editorial.model import Cut


def load_cut_ref(ref: str, rate: Fraction | None, production: str | None) -> Cut:
    """A cut file (EDL, XML, FCPXML, AAF, .otio) read at the rate, or a version already imported ('R1', 'R1 v3')."""
    # The cut readers with this command only, not with the qc group.
    from postprod.editorial.readers import READERS, read_cut

    path = Path(ref)
    if path.suffix.lower() in READERS or path.exists():
        return read_cut(path, rate)
    # The database layer only for an imported version: a cut file needs none.
    from postprod.db import session_scope
    from postprod.services import editorial as ed
    from postprod.services.common import get_production

    with session_scope() as s:
        prod = get_production(s, production)
        return ed.stored_cut(s, ed.version_by_ref(s, prod, ref))


def register(app: typer.Typer) -> None:
    """Add the 'conform' command to the qc group."""

    @app.command("conform")
    def conform_cmd(
        master: Path = typer.Argument(..., help="The master (any file postprod reads)."),
        cut: str = typer.Option(
            ..., "--cut", help="The locked cut: an EDL or other cut file, or an imported version ('R1' or 'R1 v3')."
        ),
        rate: str | None = typer.Option(None, "--rate", help="The cut file's frame rate (default: the master's)."),
        production: str | None = ProductionOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Match the master's shot changes to the cut's edits: exit 0 when they all match, 1 when not, 2 on unusable input."""
        # The media engines (PyAV, NumPy) when the command runs, not with the qc group.
        from postprod.qc.conform import conform_file, describe
        from postprod.qc.probe import probe

        info = probe(master)
        if not info.video:
            raise FileFormatError(str(master), "no video stream: nothing to conform")
        the_rate = parse_rate(rate, field="rate") if rate is not None else info.video[0].frame_rate
        the_cut = load_cut_ref(cut, the_rate, production)
        show = err_console.is_terminal and not as_json
        with progress_bar(f"conforming {master.name}") if show else nullcontext(None) as update:
            _, result = conform_file(str(master), the_cut, progress=update)
        if as_json:
            print_json(result.to_dict() | {"master": str(master)})
        else:
            rows = [
                (f.kind, f.detail.get("record_tc", f.start_tc), f.detail.get("event", ""), describe(f))
                for f in result.findings
            ]
            if rows:
                table(f"{master.name} against {the_cut.title or cut}", ["finding", "record TC", "event", "what"], rows)
            verdict = "[bold green]CONFORMS[/]" if result.passed else f"[bold red]{len(result.findings)} FINDING(S)[/]"
            console.print(
                f"{verdict}: {result.matched_exact} of {result.edits} edits matched exactly, "
                f"{result.detected} shot changes in the master"
            )
        raise typer.Exit(0 if result.passed else 1)
