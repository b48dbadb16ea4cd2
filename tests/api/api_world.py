"""The API tests' world: the demo production, a token per role, and makers of fresh items."""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from postprod.db import session_scope
from postprod.model import Base
from postprod.services import review, tasks
from postprod.services.common import get_production, get_task

# Role letters of the tests: S supervisor, D production director, L department lead (picture editing),
# T technician (the editor, assigned to PIC-EDITORS-CUT), C client, A administrator, N nobody signed in.
USERS = {"S": "supervisor", "D": "director", "L": "picturelead", "T": "editor", "C": "client", "A": "admin"}
API = "/api/v1"


def empty_tables(engine: Engine) -> None:
    """Delete every row, children first (quicker than TRUNCATE on a few small tables)."""
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@dataclass
class World:
    """The app with the demo production, a token per role, and helpers that make fresh items."""

    app: Any
    engine: Engine
    production_id: int
    tokens: dict[str, str]
    clients: dict[str, TestClient] = field(default_factory=dict)
    _n: Any = field(default_factory=lambda: itertools.count(1))

    def client(self, role: str) -> TestClient:
        if role not in self.clients:
            headers = {"Authorization": f"Bearer {self.tokens[role]}"} if role in self.tokens else {}
            self.clients[role] = TestClient(self.app, headers=headers)
        return self.clients[role]

    def url(self, path: str) -> str:
        return API + path.replace("{pid}", str(self.production_id))

    def next(self) -> int:
        return int(next(self._n))

    def scope(self) -> Any:
        return session_scope(self.engine, actor="fixture")

    def new_task(self, department: str = "picture-editing", assign: str | None = None) -> str:
        key = f"T-{self.next()}"
        with self.scope() as s:
            prod = get_production(s, self.production_id)
            task = tasks.create_task(s, prod, key=key, name=key, department=department)
            if assign:
                tasks.update_task(s, task, assign=[assign])
        return key

    def task_version(self, key: str) -> int:
        with self.scope() as s:
            return get_task(s, get_production(s, self.production_id), key).version

    def share(self, key: str) -> None:
        with self.scope() as s:
            review.share(s, get_production(s, self.production_id), "task", key)


def new_entry(w: World, kind: str = "vfx") -> str:
    """A fresh VFX shot (by default) in the world's production; its key."""
    from postprod.services import registers

    key = f"{100 + w.next():03d}_TST_0010"
    with w.scope() as s:
        registers.add_entry(s, get_production(s, w.production_id), registers.get_kind(kind), {"shot_id": key})
    return key


def entry_version(w: World, key: str, kind: str = "vfx") -> int:
    from postprod.services import registers

    with w.scope() as s:
        return registers.get_entry(s, get_production(s, w.production_id), registers.get_kind(kind), key).version


def new_deliverable(w: World) -> tuple[str, int]:
    """A fresh deliverable; its name and version."""
    from postprod.services import deliverables

    with w.scope() as s:
        d = deliverables.add_deliverable(s, get_production(s, w.production_id), name=f"Master {w.next()}")
        return d.name, d.version


def tone_file(w: World) -> str:
    """A one-second 5.1 24-bit line-up tone at -23 dBFS, written once per world (QC passes it against dcp-audio)."""
    path = getattr(w, "tone", None)
    if path is None:
        import tempfile
        import wave

        import numpy as np

        media = os.environ["POSTPROD_MEDIA_ROOTS"]  # the world's media root
        path = str(Path(tempfile.mkdtemp(prefix="postprod-api-", dir=media)) / "printmaster.wav")
        n = np.arange(48000)
        x = np.round(10 ** (-23 / 20) * (2**23 - 1) * np.sin(2 * np.pi * 1000 * n / 48000)).astype("<i4")
        frames = np.repeat(x[:, None], 6, axis=1).reshape(-1)
        with wave.open(path, "wb") as fh:
            fh.setnchannels(6)
            fh.setsampwidth(3)
            fh.setframerate(48000)
            fh.writeframes(frames.view(np.uint8).reshape(-1, 4)[:, :3].tobytes())
        w.tone = path  # type: ignore[attr-defined]
    return str(path)


def qc_ready_deliverable(w: World) -> str:
    """A fresh deliverable with a file and a spec; its name."""
    from postprod.services import deliverables

    with w.scope() as s:
        d = deliverables.add_deliverable(
            s, get_production(s, w.production_id), name=f"Printmaster {w.next()}", spec="dcp-audio", file=tone_file(w)
        )
        return d.name


def import_two_cuts(w: World, reel: str = "R1") -> None:
    """Two versions of a reel (a generated pair of cuts), once per world."""
    if getattr(w, "cuts", False):
        return
    import tempfile
    from fractions import Fraction
    from pathlib import Path

    from postprod.editorial.edl_writer import cut_to_edl
    from postprod.editorial.synth import make_pair
    from postprod.services import editorial

    pair = make_pair(30, Fraction(24), seed=3, trims=1, inserts=1, deletes=1, moves=1, replaces=1, version_bumps=0)
    with tempfile.TemporaryDirectory() as tmp:
        for n, cut in enumerate((pair.old, pair.new), start=1):
            path = Path(tmp) / f"v{n}.edl"
            path.write_text(cut_to_edl(cut), encoding="utf-8")
            with w.scope() as s:
                editorial.import_cut(s, get_production(s, w.production_id), path, reel=reel, actor="fixture")
    w.cuts = True  # type: ignore[attr-defined]


def cut_edl_text() -> str:
    from fractions import Fraction

    from postprod.editorial.edl_writer import cut_to_edl
    from postprod.editorial.synth import generate_cut

    return cut_to_edl(generate_cut(6, Fraction(24), seed=1))
