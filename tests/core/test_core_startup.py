"""The command line starts at once: `--help` imports no group, a command without a database no database code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from typer.testing import CliRunner

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


def imported_by(tmp_path: Path, *args: str) -> set[str]:
    out = tmp_path / "modules.json"
    env = {**os.environ, "POSTPROD_DATABASE_URL": f"sqlite:///{tmp_path / 'never.db'}"}
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
