"""The command line end to end: demo, JSON output, one-line errors with exit 2, one transaction per command."""

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from postprod.cli.main import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def ok(*args: str) -> str:
    code, out, err = run(*args)
    assert code == 0, f"{args} failed: {err}"
    return out


def test_demo_then_task_list_json(cli_db: str) -> None:
    out = ok("demo")
    assert "Les Heures Claires" in out
    tasks = json.loads(ok("task", "list", "--json"))
    keys = [t["key"] for t in tasks]
    assert "PIC-ASSEMBLY" in keys and "DUB-EN-MIX" in keys and "DUB-DE-MIX" in keys
    assert next(t for t in tasks if t["key"] == "PIC-INGEST")["status"] == "done"
    again = ok("demo")
    assert "Les Heures Claires" in again
    assert len(json.loads(ok("production", "list", "--json"))) == 1


def test_filters_and_updates(cli_db: str) -> None:
    ok("demo")
    dubbing = json.loads(ok("task", "list", "--department", "dubbing", "--json"))
    assert dubbing and {t["department"] for t in dubbing} == {"dubbing"}
    people = json.loads(ok("person", "list", "--json"))
    editor = next(p["name"] for p in people if "editor" in p["skills"])
    mine = json.loads(ok("task", "list", "--assignee", editor, "--json"))
    assert "PIC-EDITORS-CUT" in [t["key"] for t in mine]
    data = json.loads(ok("task", "update", "PIC-EDITORS-CUT", "--progress", "80", "--json"))
    assert data["progress"] == 80
    ok("task", "note", "PIC-EDITORS-CUT", "Reel 4 recut")
    shown = json.loads(ok("task", "show", "PIC-EDITORS-CUT", "--json"))
    assert shown["notes"][-1]["body"] == "Reel 4 recut"
    hist = json.loads(ok("history", "--task", "PIC-EDITORS-CUT", "--json"))
    assert hist[0]["actor"] == "tester"
    assert any(h["after"] and h["after"].get("progress") == 80 for h in hist)
    ok("absence", "add", editor, "--from", "2030-01-07", "--to", "2030-01-09", "--reason", "flu")
    assert json.loads(ok("absence", "list", "--json"))[-1]["who"] == editor
    ok("task", "depend", "MST-SUBTITLES", "--on", "GRD-GRADE", "--lag", "2")
    subs = json.loads(ok("task", "show", "MST-SUBTITLES", "--json"))
    assert {"task": "GRD-GRADE", "lag_days": 2} in subs["depends_on"]


def _exit2(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    import sys

    from postprod.cli.main import main

    old = sys.argv
    sys.argv = ["postprod", *args]
    try:
        with pytest.raises(SystemExit) as exc:
            main()
    finally:
        sys.argv = old
    captured = capsys.readouterr()
    assert exc.value.code == 2, captured
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), captured.err
    return lines[0]


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["task", "show", "NOPE"], "no task 'NOPE'"),
        (["task", "update", "PIC-LOCK", "--status", "done"], "cannot go from not-started to done"),
        (["task", "update", "PIC-LOCK", "--progress", "140"], "invalid progress"),
        (["task", "depend", "PIC-INGEST", "--on", "DLV-DELIVERY"], "dependency cycle: PIC-INGEST"),
        (["task", "update", "PIC-LOCK", "--due", "2027-02-30"], "invalid due"),
        (["production", "create", "Y", "--fps", "abc"], "invalid frame rate 'abc'"),
        (["production", "create", "Les Heures Claires"], "already exists"),
        (["production", "create", "Z", "--delivery", "2001-01-01", "--start", "2026-01-01"], "not after the start"),
        (["absence", "add", "Nobody", "--from", "2027-01-01", "--to", "2027-01-02"], "no person 'Nobody'"),
        (["person", "add", "Claire Moreau"], "already exists"),
        (["room", "add", "Stage 9", "--kind", "kitchen"], "invalid room kind"),
        (["task", "list", "--status", "finished"], "invalid status"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    cli_db: str, capsys: pytest.CaptureFixture[str], args: list[str], match: str
) -> None:
    ok("demo")
    capsys.readouterr()
    line = _exit2(capsys, *args)
    assert match in line


def test_a_failed_command_writes_nothing(cli_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    ok("demo")
    before = ok("export")
    capsys.readouterr()
    # the task would be created, then its second predecessor is unknown: the whole command is undone
    _exit2(capsys, "task", "add", "VFX-NEW", "--name", "New", "-d", "vfx", "--after", "PIC-LOCK", "--after", "NOPE")
    assert "VFX-NEW" not in [t["key"] for t in json.loads(ok("task", "list", "--json"))]
    after = ok("export")
    strip = lambda s: {k: v for k, v in json.loads(s).items() if k not in ("exported_at", "exported_by")}  # noqa: E731
    assert strip(before) == strip(after)


def test_export_import_through_the_cli(cli_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ok("demo")
    path = tmp_path / "demo.json"
    ok("export", "-o", str(path))
    doc = json.loads(path.read_text())
    assert doc["format"] == "postprod.production" and doc["version"] == 2
    ok("import", str(path), "--as", "Copie")
    assert len(json.loads(ok("production", "list", "--json"))) == 2
    capsys.readouterr()
    line = _exit2(capsys, "import", str(path))
    assert "already exists" in line
    broken = tmp_path / "broken.json"
    broken.write_text(path.read_text()[:500])
    assert "broken.json" in _exit2(capsys, "import", str(broken))
    foreign = tmp_path / "foreign.otio"
    foreign.write_text('{"OTIO_SCHEMA": "Timeline.1"}')
    assert "not a postprod production export" in _exit2(capsys, "import", str(foreign))
    assert "missing.json" in _exit2(capsys, "import", str(tmp_path / "missing.json"))
    assert len(json.loads(ok("production", "list", "--json"))) == 2


def test_ci_runs_the_readme_test_command() -> None:
    root = Path(__file__).resolve().parents[2]
    readme = (root / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)```", readme, flags=re.S)
    test_cmd = next(b.strip() for b in blocks if "pytest" in b)
    assert test_cmd in (root / ".ci" / "run").read_text().splitlines()


def test_each_command_loads_on_its_own() -> None:
    """Each entry of the command table loads alone (the root imports a group only when it is used)."""
    from postprod.cli.main import COMMANDS

    for name in COMMANDS:
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0, (name, result.stdout, result.stderr)


def test_tables_show_names_as_written(cli_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A task named with brackets keeps them in the table (cells are text, not Rich markup), and the
    status column still shows the status."""
    monkeypatch.delenv("COLUMNS", raising=False)  # piped as in a shell; pytest-xdist workers set 80
    ok("demo")
    ok("task", "add", "MIX-V2", "--name", "Mix [v2] final [bold]", "--department", "mixing")
    out = ok("task", "list")
    line = next(x for x in out.splitlines() if "MIX-V2" in x)
    assert "Mix [v2] final [bold]" in line and "not-started" in line
