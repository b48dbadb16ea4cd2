"""`postprod backup` and `postprod restore`: an online copy taken while writes go on, restored to the same export."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from faults_support import fresh_database
from sqlalchemy import func, select
from typer.testing import CliRunner

from postprod import db


def _cli(url: str, args: list[str], monkeypatch) -> tuple[int, str]:  # noqa: ANN001
    from postprod.cli.main import app

    monkeypatch.setenv("POSTPROD_DATABASE_URL", url)
    db.reset_engines()
    res = CliRunner().invoke(app, args)
    db.reset_engines()
    return res.exit_code, res.output


def _export(url: str, monkeypatch) -> dict:  # type: ignore[type-arg]  # noqa: ANN001
    code, out = _cli(url, ["export"], monkeypatch)
    assert code == 0, out
    doc = json.loads(out)
    doc.pop("exported_at")
    return doc  # type: ignore[no-any-return]


def test_backup_while_writing_then_restore_gives_the_same_export(backend: str, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    from postprod.model import AuditEntry, Note
    from postprod.services.common import get_production, get_task
    from postprod.services.demo import create_demo
    from postprod.services.notes import add_note

    monkeypatch.setenv("POSTPROD_USER", "tester")
    monkeypatch.delenv("POSTPROD_PRODUCTION", raising=False)
    with fresh_database(backend, tmp_path) as source, fresh_database(backend, tmp_path) as target:
        engine = db.make_engine(source)
        db.migrate(engine)
        with db.session_scope(engine, actor="fixture") as s:
            prod, _ = create_demo(s)
            pid = prod.id
        stop = threading.Event()
        written: list[int] = []

        def write() -> None:  # the server's writes meanwhile: a note and its history entry, one transaction each
            while not stop.is_set():
                with db.session_scope(engine, actor="writer") as s:
                    task = get_task(s, get_production(s, pid), "PIC-EDITORS-CUT")
                    add_note(s, task, f"note {len(written)}", "writer")
                written.append(1)

        writer = threading.Thread(target=write)
        writer.start()
        try:
            while len(written) < 3:
                stop.wait(0.05)
            code, out = _cli(source, ["backup", str(tmp_path / "copy.bak")], monkeypatch)
            assert code == 0 and "backed up" in out, out
            while len(written) < 6:  # still writing after the copy
                stop.wait(0.05)
        finally:
            stop.set()
            writer.join(60)
        code, out = _cli(target, ["restore", str(tmp_path / "copy.bak")], monkeypatch)
        assert code == 0 and "restored" in out, out

        copy = db.make_engine(
            target if backend == "sqlite" else target.replace("postgresql://", "postgresql+psycopg://")
        )
        with copy.connect() as conn:  # a consistent snapshot: every note came with its history entry
            notes = conn.execute(select(func.count()).select_from(Note).where(Note.body.like("note %"))).scalar_one()
            entries = conn.execute(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.entity_type == "Note", AuditEntry.actor == "writer")
            ).scalar_one()
        copy.dispose()
        assert 3 <= notes < len(written) and entries == notes, (notes, entries, len(written))

        # quiet now: a second backup restored over the first (--force) exports exactly as the source
        assert _cli(source, ["backup", str(tmp_path / "quiet.bak")], monkeypatch)[0] == 0
        code, out = _cli(target, ["restore", str(tmp_path / "quiet.bak")], monkeypatch)
        assert code == 2 and out.count("\n") == 1 and "is not empty: restore --force" in out, out
        assert _cli(target, ["restore", "--force", str(tmp_path / "quiet.bak")], monkeypatch)[0] == 0
        assert _export(target, monkeypatch) == _export(source, monkeypatch)
        engine.dispose()


def test_restore_refuses_what_is_not_a_backup_in_one_line(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    bogus = tmp_path / "bogus.bak"
    bogus.write_text("hello")
    code, out = _cli(f"sqlite:///{tmp_path / 'x.db'}", ["restore", str(bogus)], monkeypatch)
    assert code == 2 and out.count("\n") == 1 and "not a postprod backup" in out, out
    code, out = _cli(f"sqlite:///{tmp_path / 'x.db'}", ["backup", str(tmp_path / "nodir" / "a.bak")], monkeypatch)
    assert code == 2 and out.count("\n") == 1 and "no such directory" in out, out
