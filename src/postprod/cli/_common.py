"""Shared pieces of the CLI: consoles, --json output, tables and progress bars."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import typer
from rich.console import Console, ConsoleDimensions

# Wide enough for any table a command prints, narrow enough to stay a sane line length.
PIPED_WIDTH = 1000


class _Console(Console):
    """Rich's console, but not cut at 80 columns when the output is piped or redirected.

    Rich takes 80 columns when stdout is not a terminal (and COLUMNS is unset), which cuts the
    cells of wide tables ('A001…') in `postprod ... | grep` or `> file`: there the lines are only
    as long as their content. COLUMNS, when exported, still sets the width.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._asked_width: int | None = kwargs.get("width")

    @property
    def size(self) -> ConsoleDimensions:
        if self._asked_width is None and not self.is_terminal:
            # read now, not when the console was made: Rich keeps the COLUMNS it saw at start
            columns = self._environ.get("COLUMNS", "")
            return ConsoleDimensions(int(columns) if columns.isdigit() else PIPED_WIDTH, self._height or 25)
        return super().size

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        self._width, self._height = new_size
        self._asked_width = new_size[0]

    @property
    def width(self) -> int:
        return self.size.width

    @width.setter
    def width(self, width: int) -> None:
        self._width = self._asked_width = width


console = _Console()
err_console = _Console(stderr=True)

JsonOpt = typer.Option(False, "--json", help="Print JSON for scripting instead of a table.")
ProductionOpt = typer.Option(
    None, "--production", "-p", help="Production ID or title (default: the current one, or the only one)."
)


def _default(obj: Any) -> Any:
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    if isinstance(obj, Fraction):
        return str(obj)
    if isinstance(obj, Decimal):
        return str(obj)
    if isinstance(obj, set | frozenset | tuple):
        return list(obj)
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    raise TypeError(f"cannot serialise {type(obj).__name__}")


def dumps(data: Any) -> str:
    """JSON text for --json output (dates ISO, fractions as "24000/1001")."""
    return json.dumps(data, default=_default, indent=2, ensure_ascii=False)


def print_json(data: Any) -> None:
    """Print JSON to stdout without Rich markup or wrapping."""
    typer.echo(dumps(data))


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 cue', '2 cues', '0 cues' ('1 entry', '3 entries' with many='entries')."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def note(message: str) -> None:
    """A one-line note on stderr (kept off stdout so --json stays parseable)."""
    err_console.print(message, style="yellow", highlight=False, soft_wrap=True)


class Styled(str):
    """A table cell shown in a Rich style ("red", "dim"...); every other cell is shown as it is."""

    style: str

    def __new__(cls, text: str, style: str) -> Styled:
        cell = super().__new__(cls, text)
        cell.style = style
        return cell


def table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print a Rich table. Cells are plain text, never Rich markup: a task named "Mix [v2]" keeps its
    brackets (and skipping the markup parser halves the time a long table takes); a `Styled` cell
    carries its style."""
    from rich.table import Table  # imported when a table is printed: `--help` and --json do without
    from rich.text import Text

    t = Table(title=Text(title) if title else None, show_lines=False)
    for col in columns:
        t.add_column(Text(col))
    for row in rows:
        t.add_row(
            *[Text("" if v is None else str(v), style=v.style if isinstance(v, Styled) else "", end="") for v in row]
        )
    console.print(t)


@contextmanager
def progress_bar(description: str, total: float | None = 1.0) -> Iterator[Callable[[float], None]]:
    """A Rich progress bar on stderr; yields update(fraction_done) for the work to call."""
    # Imported when a bar is shown: Rich's progress module and its spinners cost most commands ~30 ms.
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    ) as prog:
        task_id = prog.add_task(description, total=total)

        def update(done: float) -> None:
            prog.update(task_id, completed=done)

        yield update
