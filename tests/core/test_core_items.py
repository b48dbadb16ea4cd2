"""The item registry: one entry makes a kind of item work with notes, sharing, review, export/import and history."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import Integer, String, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from postprod.errors import InvalidInput, NotFound, StaleWrite
from postprod.model import ApprovalRequest, Note, Production, SharedItem
from postprod.services import items, review
from postprod.services.transfer import export_production, import_production, read_document
from postprod.services.users import create_user
from tests.core.factories import make_production


class _Base(DeclarativeBase):
    pass


class Clapper(_Base):
    """A kind of item that exists only in this test: a slate on set, say."""

    __tablename__ = "test_clapper"

    id: Mapped[int] = mapped_column(primary_key=True)
    production_id: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(40))
    take: Mapped[int] = mapped_column(Integer, default=1)
    version: Mapped[int] = mapped_column(Integer, default=1)

    @property
    def audit_production_id(self) -> int:  # the audit trail records any object that names its production
        return self.production_id


def _find(session: Session, prod: Production, ref: str) -> Clapper:
    found = session.scalars(select(Clapper).where(Clapper.production_id == prod.id, Clapper.name == ref)).first()
    if found is None:
        raise NotFound(f"no clapper {ref!r}")
    return found


@pytest.fixture
def clappers(session: Session) -> Iterator[None]:
    _Base.metadata.create_all(session.connection())
    items.register(
        items.ItemKind(
            "clapper",
            Clapper,
            _find,
            lambda c: f"clapper {c.name}",
            lambda _c: "picture-editing",
            register_list="clappers",
        )
    )
    yield
    items.unregister("clapper")


def test_one_entry_makes_a_kind_work_everywhere(session: Session, clappers: None) -> None:
    prod = make_production(session, "Slates")
    a, b = Clapper(production_id=prod.id, name="1A", take=3), Clapper(production_id=prod.id, name="1B")
    session.add_all([a, b])
    session.flush()

    # notes, through the one note path
    items.add_note(session, prod, "clapper", b.id, "  focus buzz on take 2  ", "Claire")
    assert [n.body for n in items.notes_of(session, prod, "clapper", b.id)] == ["focus buzz on take 2"]
    with pytest.raises(InvalidInput) as err:
        items.add_note(session, prod, "clapper", b.id, "   ", "Claire")
    assert err.value.field == "body"

    # sharing and review find it by its reference
    shared = review.share(session, prod, "clapper", "1B")
    assert (shared.target_type, shared.target_id, shared.label) == ("clapper", b.id, "clapper 1B")
    boss = create_user(session, username="boss", password="correct horse battery", is_admin=True)
    target = review.resolve_target(session, prod, "clapper", "1A")
    req = review.request_approval(session, prod, target, [boss], requested_by=None)
    assert (req.target_type, req.target_id, req.label) == ("clapper", a.id, "clapper 1A")
    review.decide(session, req, boss, "changes-requested", "reslate")
    assert "changes-requested: reslate" in [n.body for n in items.notes_of(session, prod, "clapper", a.id)]

    # history: the audit trail of the item
    a.take = 4
    session.flush()
    assert [e.action for e in items.history_of(session, prod, "clapper", a.id)] == ["create", "update"]

    # export and import: the rows and the notes on them come back in a new production
    doc = export_production(session, prod)
    assert [r["name"] for r in doc["registers"]["clappers"]] == ["1A", "1B"]
    assert {"target_type": "clapper", "target": 1} in [
        {k: n[k] for k in ("target_type", "target")} for n in doc["notes"]
    ]
    copy = import_production(session, read_document(json.dumps(doc), "slates.json"), title="Slates copy")
    copied = {c.name: c for c in session.scalars(select(Clapper).where(Clapper.production_id == copy.id))}
    assert copied["1A"].take == 4
    assert [n.body for n in items.notes_of(session, copy, "clapper", copied["1B"].id)] == ["focus buzz on take 2"]

    # deleting the item takes its notes, shares and approvals with it
    session.delete(b)
    session.delete(a)
    session.flush()
    for model in (Note, SharedItem, ApprovalRequest):
        left = session.scalar(
            select(func.count())
            .select_from(model)
            .where(model.production_id == prod.id, model.target_type == "clapper")
        )
        assert left == 0, model.__name__
    assert items.notes_of(session, copy, "clapper", copied["1B"].id)  # the copy's notes are its own


def test_unknown_kinds_and_stale_versions_are_refused(session: Session, clappers: None) -> None:
    prod = make_production(session, "Refusals")
    c = Clapper(production_id=prod.id, name="9")
    session.add(c)
    session.flush()
    with pytest.raises(InvalidInput) as err:
        items.add_note(session, prod, "slate", c.id, "hello", "me")
    assert err.value.field == "target_type" and "clapper" in err.value.message
    with pytest.raises(StaleWrite) as stale:
        items.check_version(c, 7, lambda x: {"name": x.name, "version": x.version})
    assert stale.value.current == {"name": "9", "version": 1} and stale.value.field == "version"
    assert stale.value.production_id == prod.id
    items.check_version(c, 1)  # the version read: no error
    assert items.expected_version('W/"12"', None) == 12
    with pytest.raises(InvalidInput):
        items.expected_version('"abc"', None)
    doc = export_production(session, prod)
    doc["notes"] = [{"target_type": "slate", "target": 0, "author": "x", "at": "2026-01-01T00:00:00Z", "body": "b"}]
    with pytest.raises(Exception, match="unknown item type 'slate'"):
        read_document(json.dumps(doc), "x.json")
