"""Backups: a consistent copy of the database taken while it is in use, and its restore onto another.

SQLite is copied with its own online backup API (a snapshot, whatever the server writes meanwhile);
PostgreSQL with `pg_dump` (custom format, one snapshot) and `pg_restore` (one transaction). A restore
never overwrites a database that holds data unless told to (`force`), and brings the schema to the
latest migration afterwards.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import unquote

from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import InterfaceError, OperationalError

from postprod import db
from postprod.errors import N_, Conflict, DatabaseUnavailable, FileFormatError, InvalidInput, NotFound, PostprodError

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


def backup(url: str, dest: Path) -> str:
    """Write a consistent copy of the database at `url` to `dest` (written beside it, then renamed); a summary."""
    target = dest.resolve()
    if not target.parent.is_dir():
        raise NotFound(N_("%(dest)s: no such directory %(parent)s"), params={"dest": dest, "parent": target.parent})
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        if url.startswith("sqlite"):
            _sqlite_backup(url, Path(tmp))
        elif url.startswith("postgresql"):
            _pg_dump(url, Path(tmp))
        else:
            raise InvalidInput(
                N_("cannot back up %(url)s: SQLite and PostgreSQL only"), field="url", params={"url": db.safe_url(url)}
            )
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return f"backed up {db.safe_url(url)} to {dest} ({target.stat().st_size:,} bytes)"


def restore(url: str, src: Path, *, force: bool = False) -> str:
    """Put the backup `src` into the database at `url`; refused if that one holds data, unless `force`."""
    try:
        with src.open("rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise FileFormatError(str(src), exc.strerror or "cannot read") from None
    if head.startswith(SQLITE_MAGIC):
        kind = "sqlite"
    elif head.startswith(PGDUMP_MAGIC):
        kind = "postgresql"
    else:
        raise FileFormatError(str(src), "not a postprod backup (neither SQLite nor pg_dump custom format)")
    dialect = "sqlite" if url.startswith("sqlite") else "postgresql" if url.startswith("postgresql") else "other"
    if kind != dialect:
        raise InvalidInput(
            N_("%(src)s is a %(kind)s backup: it restores onto a %(kind)s database, not %(url)s"),
            params={"src": src, "kind": kind, "url": db.safe_url(url)},
        )
    engine = db.make_engine(url)
    try:
        if not force and _holds_data(engine, url):
            raise Conflict(
                N_("%(url)s is not empty: restore --force replaces what it holds"), params={"url": db.safe_url(url)}
            )
        if kind == "sqlite":
            engine.dispose()
            _sqlite_restore(src, url)
        else:
            _pg_restore(engine, url, src)
        db.migrate(engine)  # a backup of an older version is brought up to date
    except (OperationalError, InterfaceError) as exc:
        raise db.unavailable(exc, url) from None
    finally:
        engine.dispose()
    return f"restored {src} onto {db.safe_url(url)}"


def _holds_data(engine: Engine, url: str) -> bool:
    """Any row in any table but Alembic's (a missing SQLite file holds nothing)."""
    if url.startswith("sqlite"):
        path = make_url(url).database
        if not path or path == ":memory:" or not Path(path).exists() or Path(path).stat().st_size == 0:
            return False
    with engine.connect() as conn:
        names = [n for n in inspect(conn).get_table_names() if n != "alembic_version"]
        for name in names:
            quoted = conn.dialect.identifier_preparer.quote(name)
            if conn.execute(text(f"SELECT 1 FROM {quoted} LIMIT 1")).first() is not None:
                return True
    return False


def _sqlite_path(url: str) -> str:
    path = make_url(url).database
    if not path or path == ":memory:":
        raise InvalidInput(
            N_("%(url)s: an in-memory database has nothing to back up"), field="url", params={"url": url}
        )
    return path


def _sqlite_backup(url: str, tmp: Path) -> None:
    path = _sqlite_path(url)
    if not Path(path).is_file():
        raise DatabaseUnavailable(N_("database unreachable at %(url)s: no such file"), params={"url": db.safe_url(url)})
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    copy = sqlite3.connect(tmp)
    try:
        source.backup(copy)  # SQLite's online backup: one consistent snapshot, writers go on
    except sqlite3.Error as exc:
        raise DatabaseUnavailable(
            N_("database unreachable at %(url)s: %(exc)s"), params={"url": db.safe_url(url), "exc": exc}
        ) from None
    finally:
        copy.close()
        source.close()


def _sqlite_restore(src: Path, url: str) -> None:
    path = Path(_sqlite_path(url))
    if not path.parent.is_dir():
        raise NotFound(N_("%(path)s: no such directory %(parent)s"), params={"path": path, "parent": path.parent})
    backup_db = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    target = sqlite3.connect(path, timeout=30)
    try:
        backup_db.backup(target)  # the target's pages replaced as one write
    except sqlite3.Error as exc:
        raise FileFormatError(str(src), str(exc)) from None
    finally:
        target.close()
        backup_db.close()


def _libpq(url: str) -> tuple[str, dict[str, str], str | None]:
    """The URL for pg_dump/pg_restore (no driver, no password), the environment carrying the password, the schema."""
    u: URL = make_url(url)
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = str(u.password)
    schema = None
    options = u.query.get("options")
    if isinstance(options, str):
        found = re.search(r"search_path\s*=\s*([A-Za-z_][A-Za-z0-9_]*)", unquote(options))
        schema = found.group(1) if found else None
    plain = u.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env, schema


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise PostprodError(
            N_("%(name)s is not installed: PostgreSQL backups need the PostgreSQL client tools"), params={"name": name}
        )
    return path


def _run(args: list[str], env: dict[str, str], url: str) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        lines = [ln.strip() for ln in done.stderr.splitlines() if ln.strip()]
        reason = lines[0] if lines else f"exit code {done.returncode}"
        reason = re.sub(r"^(pg_dump|pg_restore): (error: )?", "", reason)
        if "connection" in reason or "does not exist" in reason and "database" in reason:
            raise DatabaseUnavailable(
                N_("database unreachable at %(url)s: %(reason)s"), params={"url": db.safe_url(url), "reason": reason}
            )
        raise PostprodError(
            N_("%(name)s failed on %(url)s: %(reason)s"),
            params={"name": Path(args[0]).name, "url": db.safe_url(url), "reason": reason},
        )


def _pg_dump(url: str, tmp: Path) -> None:
    libpq, env, schema = _libpq(url)
    args = [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={tmp}"]
    if schema:
        args.append(f"--schema={schema}")
    _run([*args, f"--dbname={libpq}"], env, url)


def _dump_schema(src: Path, env: dict[str, str], url: str) -> str | None:
    """The schema the dump's tables are in (from pg_restore's table of contents)."""
    listed = subprocess.run([_tool("pg_restore"), "--list", str(src)], env=env, capture_output=True, text=True)
    if listed.returncode != 0:
        raise FileFormatError(
            str(src), listed.stderr.strip().splitlines()[0] if listed.stderr.strip() else "unreadable"
        )
    for line in listed.stdout.splitlines():
        found = re.match(r"^\d+; \d+ \d+ TABLE (\S+) ", line)
        if found:
            return found.group(1)
    return None


def _pg_restore(engine: Engine, url: str, src: Path) -> None:
    libpq, env, schema = _libpq(url)
    with engine.connect():
        pass  # reachable, or the one-line error now
    held = _dump_schema(src, env, url)
    if held and held != (schema or "public"):
        raise InvalidInput(
            N_("%(src)s holds schema %(held)r: restore it onto a URL whose search_path is %(held)s, not %(schema)s"),
            params={"src": src, "held": held, "schema": schema or "public"},
        )
    args = [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction"]
    _run([*args, f"--dbname={libpq}", str(src)], env, url)
