"""The command line starts at once: `--help` imports no group, a command without a database no database code."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer import _click as click
from typer._coercion import build_runtime_param
from typer.core import TyperCommand
from typer.testing import CliRunner

from postprod.cli._values import PlainValues, use_plain_values
from postprod.cli.main import COMMANDS, app
from postprod.editorial.edl_writer import cut_to_edl
from postprod.editorial.synth import make_pair

# Runs the CLI as the `postprod` script does, then writes the names of every module it imported.
PROBE = """
import json, sys
from postprod.cli.main import main
out, sys.argv = sys.argv[1], ["postprod", *sys.argv[2:]]
try:
    main()
except SystemExit:
    pass
with open(out, "w") as fh:
    json.dump(sorted(sys.modules), fh)
"""
DATABASE_CODE = ("sqlalchemy", "alembic", "postprod.db", "postprod.model", "postprod.services", "postprod.jobs")


def imported_by(tmp_path: Path, *args: str, db: str = "never.db") -> set[str]:
    out = tmp_path / "modules.json"
    env = {**os.environ, "POSTPROD_DATABASE_URL": f"sqlite:///{tmp_path / db}"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(out), *args], capture_output=True, text=True, env=env, timeout=120
    )
    assert "Traceback" not in done.stderr, done.stderr
    return set(json.loads(out.read_text()))


def database_modules(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in ("sqlalchemy", "alembic") or m.startswith(DATABASE_CODE))


def test_help_lists_every_group_without_importing_any(tmp_path: Path) -> None:
    modules = imported_by(tmp_path, "--help")
    groups = {entry.module for entry in COMMANDS.values()}
    assert not groups & modules, groups & modules
    assert not database_modules(modules)


@pytest.mark.parametrize(
    "args",
    [
        ("cut", "diff", "--help"),
        ("cut", "inspect", "--help"),
        ("vfx", "pulls", "--help"),
        ("qc", "specs"),
        ("qc", "check", "--help"),
        ("plan", "psplib", "--help"),
        ("plan", "gantt-file", "--help"),
        ("sample", "--help"),
    ],
)
def test_commands_without_a_database_import_no_database_code(tmp_path: Path, args: tuple[str, ...]) -> None:
    assert not database_modules(imported_by(tmp_path, *args)), args


def test_a_cut_diff_runs_without_database_code(tmp_path: Path) -> None:
    pair = make_pair(60, Fraction(24), seed=3, trims=2, inserts=1, deletes=1, moves=1, replaces=1)
    old, new = tmp_path / "old.edl", tmp_path / "new.edl"
    old.write_text(cut_to_edl(pair.old))
    new.write_text(cut_to_edl(pair.new))
    modules = imported_by(tmp_path, "cut", "diff", str(old), str(new), "--rate", "24", "--json")
    assert "postprod.editorial.diff" in modules  # the command did run
    assert not database_modules(modules)
    assert "pydantic" not in modules  # its paths and --rate are plain values (see cli/_values.py)
    assert not (tmp_path / "never.db").exists()


def test_a_database_command_still_loads_its_group(tmp_path: Path) -> None:
    """The probe tells the two apart: `task list` does load the database layer and the tasks group."""
    modules = imported_by(tmp_path, "task", "list", "--json")
    assert {"sqlalchemy", "postprod.db", "postprod.cli.tasks"} <= modules


def test_the_table_help_is_each_command_s_own() -> None:
    """The root's list comes from the table; each line is what the command itself shows as its help."""
    runner = CliRunner()
    listed = runner.invoke(app, ["--help"], env={"COLUMNS": "200"}).stdout
    for name, entry in COMMANDS.items():
        assert f"{name} " in listed and entry.help in listed, name
        own = runner.invoke(app, [name, "--help"], env={"COLUMNS": "200"})
        assert own.exit_code == 0 and entry.help in own.stdout, (name, own.stdout)


def test_an_unknown_command_names_the_nearest_one() -> None:
    result = CliRunner().invoke(app, ["tsk", "list"])
    assert result.exit_code == 2 and "Did you mean 'task'?" in result.output


def test_a_command_of_flags_only_does_not_load_pydantic(tmp_path: Path) -> None:
    """Typer would coerce the absent --help flag through Pydantic; the root gives the flag a plain False."""
    modules = imported_by(tmp_path, "qc", "specs", "--json")
    assert "postprod.qc.spec" in modules and "pydantic" not in modules


def test_help_still_answers_at_every_level() -> None:
    runner = CliRunner()
    for args in (["--help"], ["qc", "--help"], ["qc", "specs", "--help"], ["cues", "adr", "list", "--help"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0 and "Usage" in result.stdout, args


def _cli_parameters() -> list[Any]:
    """Every parameter of every command, one per kind of value (type and constraints)."""
    root = typer.main.get_command(app)
    ctx = click.Context(root)
    kinds: dict[tuple[Any, ...], Any] = {}

    def walk(cmd: Any) -> None:
        for p in [*cmd.params, cmd.get_help_option(click.Context(cmd))]:
            d = getattr(p, "type_descriptor", None)
            if d is not None:
                i = d.parameter_info
                kinds.setdefault((repr(d.annotation), i.min, i.max, i.clamp, i.exists, i.path_type, i.parser), p)
        for sub in getattr(cmd, "commands", {}).values():
            walk(sub)

    for name in COMMANDS:
        walk(root.get_command(ctx, name))
    return list(kinds.values())


# Values as the command line, an environment variable or a default gives them.
SAMPLE_VALUES: list[Any] = [
    "x", "", " padded ", "Élodie", "007", "-3", "0", "-0", "24", "1.5", "-2.50", "23.976", "24000/1001",
    "1e3", "nan", "1_000", "12abc", "99999999999999999999", "/tmp/a b.edl", ".", "-",
    ("a", "b"), [], ["a"], 5, 0, 2.5, True, False,
]  # fmt: skip


def _outcome(coercion: Any, value: Any, param: Any, ctx: Any) -> tuple[str, Any]:
    try:
        value = coercion._coerce_value(value, param=param, ctx=ctx)
    except Exception as exc:  # the error Typer shows: its type and message
        return ("error", (type(exc).__name__, str(exc)))
    return ("value", (type(value), repr(value)))  # repr: nan is not equal to itself


def test_plain_values_coerce_as_typer_does() -> None:
    """Each parameter kind of the CLI and each sample value: the same result, or the same error, as Typer's own."""
    plain_cases = 0
    for param in _cli_parameters():
        d = param.type_descriptor
        ctx = click.Context(TyperCommand("probe"))
        for value in SAMPLE_VALUES:
            typer_own = _outcome(build_runtime_param(d), value, param, ctx)
            param._runtime_param = None
            use_plain_values(param)
            ours = _outcome(param.get_runtime_param(), value, param, ctx)
            assert ours == typer_own, (d.annotation, d.parameter_info.min, d.parameter_info.max, value)
            plain_cases += isinstance(param._runtime_param, PlainValues)  # not handed over to Typer's own
    assert plain_cases > 50


@pytest.mark.parametrize("args", [("task", "list", "--status", "done"), ("qc", "specs")])
def test_plain_option_values_load_no_pydantic(tmp_path: Path, args: tuple[str, ...]) -> None:
    """Options left at None and str values are taken as they are: Typer would build a Pydantic adapter for each."""
    assert "pydantic" not in imported_by(tmp_path, *args)


# What `task list` needs no part of once the schema is current: the web and API stack, migrations,
# the model areas and services of other commands.
NOT_FOR_A_TASK_LIST = (
    "fastapi",
    "starlette",
    "pydantic",
    "jinja2",
    "babel",
    "alembic",
    "argon2",
    "opentimelineio",
    "postprod.model.editorial",
    "postprod.model.deliverables",
    "postprod.model.users",
    "postprod.model.planning",
    "postprod.model.webhooks",
    "postprod.services.users",
    "postprod.services.money",
    "postprod.api",
    "postprod.web",
    "postprod.jobs",
)


def test_a_task_list_on_a_current_database_loads_only_what_it_shows(tmp_path: Path) -> None:
    first = imported_by(tmp_path, "production", "create", "Film", db="tasks.db")
    assert "alembic" in first  # a new database is migrated first
    modules = imported_by(tmp_path, "task", "list", db="tasks.db")
    assert "postprod.services.tasks" in modules and "rich.table" in modules  # the command did run, as a table
    assert not sorted(m for m in modules if m.startswith(NOT_FOR_A_TASK_LIST))


def test_base_from_the_model_package_is_the_whole_schema(tmp_path: Path) -> None:
    """The areas load lazily, but Base named from the package has every table the migrations make."""
    imported_by(tmp_path, "production", "list", "--json", db="schema.db")  # migrates the new database
    with sqlite3.connect(tmp_path / "schema.db") as conn:
        migrated = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    probe = "import json; from postprod.model import Base; print(json.dumps(sorted(Base.metadata.tables)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    from postprod.model.search import FULL_TEXT_TABLES  # the database's own full-text tables (model/search.py)

    assert set(json.loads(done.stdout)) == migrated - {"alembic_version"} - FULL_TEXT_TABLES


def test_deleting_an_item_in_a_fresh_process_removes_its_notes(tmp_path: Path) -> None:
    """The item kinds load on first use: a command that deletes a task still takes its notes with it."""
    env = {**os.environ, "POSTPROD_DATABASE_URL": f"sqlite:///{tmp_path / 'notes.db'}"}
    env.pop("POSTPROD_PRODUCTION", None)

    def postprod(*args: str) -> None:
        run = [sys.executable, "-c", "from postprod.cli.main import main; main()", *args]
        done = subprocess.run(run, capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0, done.stderr

    postprod("production", "create", "Notes", "--template", "feature-film")
    with sqlite3.connect(tmp_path / "notes.db") as conn:
        key = conn.execute("SELECT key FROM task ORDER BY id LIMIT 1").fetchone()[0]
    postprod("task", "note", key, "check the sync")
    postprod("task", "delete", key)
    with sqlite3.connect(tmp_path / "notes.db") as conn:
        assert conn.execute("SELECT count(*) FROM task WHERE key = ?", (key,)).fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM note").fetchone()[0] == 0


def test_threads_taking_the_item_kinds_first_all_get_every_kind() -> None:
    """The built-in kinds load on first use: threads of a server asking at once wait for all of them."""
    probe = """
import json, threading
from postprod.services import items
start, seen = threading.Barrier(6), []
def take():
    start.wait()
    seen.append(sorted(items.kinds()))
threads = [threading.Thread(target=take) for _ in range(6)]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps([*seen, sorted(items.KINDS)]))  # the registry's old name gives it too
"""
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    seen = json.loads(done.stdout)
    assert len(seen) == 7 and "vfx_shot" in seen[0] and "deliverable" in seen[0], done.stderr
    assert all(names == seen[0] for names in seen)
