"""The items of a production, in one registry: what notes, sharing, review, export and history work on.

An item is a task, a deliverable, a cut version or a register entry (VFX shot, ADR, foley and music
cue, dubbed version); budget lines, purchase orders and invoices come the same way. Each kind is one
`ItemKind` entry, registered with `register`: its name (the target type notes, shares and approvals
use), its model, how to find one by its reference, its label and department, whether clients may
see it, and how the production's export names it. Registering a kind is enough for:

- notes: `add_note` (one way, one set of checks) and `notes_of`;
- sharing and approvals (`services.review` resolves targets here);
- export and import (notes name their item by its export reference; kinds exported as a plain list
  of rows under `registers` need no code of their own);
- history (`history_of`: the audit trail of one item);
- deletion: an item's notes, shares and approval requests go when the item goes (a mapper event,
  so no delete path can forget them).

The stale-write check lives here too: `check_version` compares the version a writer read with the
item's and raises `StaleWrite` (409 in the API, one line and exit 2 in the CLI); the ETag a client
sends is parsed once, in `expected_version`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, event, func, select
from sqlalchemy.orm import Session

from postprod.errors import N_, InvalidInput, NotFound, PreconditionRequired, StaleWrite
from postprod.limits import MAX_ID, as_id
from postprod.model import AuditEntry, Note, Production, Task
from postprod.model.audit import entity_label
from postprod.model.base import Base
from postprod.services.common import get_task

Finder = Callable[[Session, Production, str], Any]

MAX_NOTE = 10_000


@dataclass(frozen=True)
class ItemKind:
    """One kind of item of a production."""

    name: str  # the target type that notes, shares and approvals are filed under
    model: type[Any]
    find: Finder  # by its reference (a key, a name, an ID); NotFound when the production has none
    label: Callable[[Any], str]
    department: Callable[[Any], str | None]
    client_visible: bool = True  # may be shared with the production's clients
    # Export: a kind with its own section in the document names its items by `note_ref` (a task's
    # key...) and lists the references a document holds with `doc_refs`; a kind with `register_list`
    # is exported as plain rows under registers[register_list] and named by its index there.
    register_list: str | None = None
    note_ref: Callable[[Any], Any] | None = None
    doc_refs: Callable[[Any], Iterable[Any]] | None = None
    # The word a label starts with ("VFX shot" in "VFX shot 001_TST_0020"): labels are stored as said in
    # English, and the pages put this word in their language (web/render.item_label).
    noun: str | None = None


@dataclass(frozen=True)
class Target:
    """An item a request names: its kind, ID, label and department (for department leads)."""

    type: str
    id: int
    label: str
    department: str | None


# Filled by kinds(): the built-in kinds are registered on first use, as their models (deliverables,
# cut versions, registers) are loaded only then; a command that only reads tasks does without them.
_KINDS: dict[str, ItemKind] = {}
_builtins = "absent"  # then "loading" (by the thread holding _builtins_lock), then "loaded"
_builtins_lock = threading.RLock()


def kinds() -> dict[str, ItemKind]:
    """Every kind of item by name: the built-in ones first, then those registered since."""
    global _builtins
    if _builtins != "loaded":
        # Another thread waits here until the kinds are all in; the loading thread, registering
        # them, comes back in (the lock is re-entrant) and gets the registry as it fills.
        with _builtins_lock:
            if _builtins == "absent":
                _builtins = "loading"
                try:
                    _builtin()
                except BaseException:
                    _builtins = "absent"
                    raise
                _builtins = "loaded"
    return _KINDS


def __getattr__(name: str) -> dict[str, ItemKind]:
    """`items.KINDS`, the registry's name before it loaded lazily: every kind, as kinds() gives them."""
    if name == "KINDS":
        return kinds()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def register(kind: ItemKind) -> ItemKind:
    """Add a kind of item; its notes, shares and approvals are removed with each item deleted."""
    if kind.register_list is None and (kind.note_ref is None or kind.doc_refs is None):
        raise ValueError(f"item kind {kind.name}: give register_list, or note_ref and doc_refs")
    registry = kinds()
    fresh = kind.name not in registry
    registry[kind.name] = kind
    # Models of postprod's own Base are covered by the one listener below; others get their own.
    if fresh and not issubclass(kind.model, Base) and not event.contains(kind.model, "after_delete", _forget):
        event.listen(kind.model, "after_delete", _forget)
    return kind


def unregister(name: str) -> None:
    """Remove a kind (tests that define their own)."""
    registry = kinds()
    kind = registry.pop(name, None)
    if kind is not None and event.contains(kind.model, "after_delete", _forget):
        if not any(k.model is kind.model for k in registry.values()):
            event.remove(kind.model, "after_delete", _forget)


def _forget(_mapper: Any, connection: Any, target: Any) -> None:
    """An item deleted: its notes, shares and approval requests (with their reviews) go in the same flush."""
    names = [k.name for k in kinds().values() if isinstance(target, k.model)]
    if not names:
        return
    # Imported on the first item deleted: the users area (sharing, review) is not loaded to read items.
    from postprod.model import ApprovalRequest, SharedItem

    for model in (Note, SharedItem, ApprovalRequest):
        connection.execute(delete(model).where(model.target_type.in_(names), model.target_id == target.id))


# Every mapped class of the model, those of areas loaded later too: no delete path can miss an item,
# whichever of its modules the command happened to import.
event.listen(Base, "after_delete", _forget, propagate=True)


@event.listens_for(Session, "before_flush")
def _kinds_before_deletes(session: Session, _ctx: Any, _instances: Any) -> None:
    """Load the built-in kinds (and their models) before a flush that deletes, not in the middle of it."""
    if session.deleted:
        kinds()


def kind_names() -> list[str]:
    return sorted(kinds())


def get_kind(name: str) -> ItemKind:
    """A kind by name ("vfx_shot", "vfx-shot"); an unknown one is refused naming the field."""
    kind = kinds().get(name.strip().lower().replace("-", "_"))
    if kind is None:
        raise InvalidInput(
            N_("invalid item type %(name)r: one of %(kind_names)s"),
            field="target_type",
            params={"name": name, "kind_names": ", ".join(kind_names())},
        )
    return kind


def kind_of(obj: Any) -> ItemKind:
    for kind in kinds().values():
        if type(obj) is kind.model:
            return kind
    raise InvalidInput(
        N_("%(kind)s is not an item of a production"), field="target_type", params={"kind": type(obj).__name__}
    )


def target_of(obj: Any) -> Target:
    kind = kind_of(obj)
    return Target(kind.name, obj.id, kind.label(obj), kind.department(obj))


def ref_of(kind_name: str, obj: Any) -> str:
    """The reference that finds an item again by `find` (and names it in addresses): a task's key, a
    deliverable's name, else its ID."""
    if kind_name == "task":
        return str(obj.key)
    if kind_name == "deliverable":
        return str(obj.name)
    return str(obj.id)


def resolve(session: Session, prod: Production, target_type: str, ref: str | int) -> Target:
    """The item a request names by type and reference; an unknown type or reference is refused."""
    kind = get_kind(target_type)
    obj = kind.find(session, prod, str(ref))
    return Target(kind.name, obj.id, kind.label(obj), kind.department(obj))


def find_by_id(model: type[Any], what: str) -> Finder:
    """A finder by numeric ID, for kinds with no key of their own."""

    def find(session: Session, prod: Production, ref: str) -> Any:
        obj = session.get(model, ident) if (ident := as_id(ref)) is not None else None
        if obj is None or obj.production_id != prod.id:
            raise NotFound(
                N_("no %(what)s %(ref)r in %(title)r"), params={"what": what, "ref": ref, "title": prod.title}
            )
        return obj

    return find


def find_by_key(session: Session, prod: Production, model: type[Any], key: str, ref: str, what: str) -> Any:
    """An item of the production by its key column (any case), else by numeric ID: the one lookup every kind uses."""
    text = str(ref).strip()
    col = getattr(model, key)
    obj = session.scalars(select(model).where(model.production_id == prod.id, func.lower(col) == text.lower())).first()
    if obj is None and (ident := as_id(text)) is not None:
        cand = session.get(model, ident)
        obj = cand if cand is not None and cand.production_id == prod.id else None
    if obj is None:
        raise NotFound(
            N_("no %(what)s %(text)r in %(title)r"), params={"what": what, "text": text, "title": prod.title}
        )
    return obj


# --- notes -----------------------------------------------------------------------------------------


def _pid(prod: Production | int) -> int:
    return prod if isinstance(prod, int) else prod.id


def add_note(
    session: Session, prod: Production | int, target_type: str, target_id: int, body: str, author: str
) -> Note:
    """Attach a note to an item the caller has loaded from this production: the one way to add a note."""
    kind = get_kind(target_type)
    body = body.strip()
    if not body:
        raise InvalidInput(N_("the note is empty"), field="body")
    if len(body) > MAX_NOTE:
        raise InvalidInput(
            N_("the note is too long (%(length)s characters, at most %(most)s)"),
            field="body",
            params={"length": len(body), "most": MAX_NOTE},
        )
    note = Note(production_id=_pid(prod), target_type=kind.name, target_id=target_id, author=author, body=body)
    session.add(note)
    session.flush()
    item = session.get(kind.model, target_id)
    if item is not None:
        from postprod.services import notifications  # the users area, only for writes that notify

        notifications.mentions(session, note, kind.name, ref_of(kind.name, item), kind.label(item))
    return note


def notes_of(session: Session, prod: Production | int, target_type: str, target_id: int) -> list[Note]:
    """An item's notes, oldest first."""
    return list(
        session.scalars(
            select(Note)
            .where(Note.production_id == _pid(prod), Note.target_type == target_type, Note.target_id == target_id)
            .order_by(Note.created_at, Note.id)
        )
    )


def history_of(session: Session, prod: Production, target_type: str, target_id: int) -> list[AuditEntry]:
    """An item's audit trail, oldest first (creation, each change, deletion)."""
    kind = get_kind(target_type)
    return list(
        session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.production_id == prod.id,
                AuditEntry.entity_type == kind.model.__name__,
                AuditEntry.entity_id == target_id,
            )
            .order_by(AuditEntry.id)
        )
    )


# --- stale writes ------------------------------------------------------------------------------------

_ETAG_RE = re.compile(r'^(?:W/)?"?(\d{1,10})"?$')


def expected_version(if_match: str | None, version: int | None, what: str = "item") -> int:
    """The version a conditional write is made against: the If-Match ETag, else the given version."""
    if if_match is not None:
        m = _ETAG_RE.match(if_match.strip())
        if m is None or int(m.group(1)) > MAX_ID:
            raise InvalidInput(
                N_("invalid If-Match %(if_match)r: the ETag of the %(what)s read"),
                field="If-Match",
                params={"if_match": if_match, "what": what},
            )
        return int(m.group(1))
    if version is None:
        raise PreconditionRequired(
            N_("send If-Match with the %(what)s's ETag (or a version field)"), field="version", params={"what": what}
        )
    return version


def check_version(
    item: Any, expected: int | None, current: Callable[[Any], Mapping[str, Any]] | None = None, *, what: str = ""
) -> None:
    """Refuse a write made against a version the item no longer has; `current` gives its state for the answer."""
    if expected is None or expected == item.version:
        return
    label = what or kind_of(item).label(item)
    raise StaleWrite(
        N_("%(label)s was changed by someone else (version %(version)s, not %(expected)s)"),
        current(item) if current is not None else None,
        production_id=item.production_id,
        params={"label": label, "version": item.version, "expected": expected},
    )


# --- the built-in kinds ------------------------------------------------------------------------------


def _entry_label(label: str, key: str) -> Callable[[Any], str]:
    return lambda entry: f"{label} {getattr(entry, key)}"


def _constant(value: str) -> Callable[[Any], str | None]:
    return lambda _obj: value


def _keyed(model: type[Any], key: str, what: str) -> Finder:
    return lambda session, prod, ref: find_by_key(session, prod, model, key, ref, what)


def _builtin() -> None:
    # Imported when the kinds are first used (see _KINDS): these areas' models cost ~0.05 s to load.
    from postprod.model import AdrCue, CutVersion, Deliverable, DubbingVersion, FoleyCue, MusicCue, VfxShot

    register(
        ItemKind(
            "task",
            Task,
            get_task,
            lambda t: t.key,
            lambda t: t.department.code,
            note_ref=lambda t: t.key,
            doc_refs=lambda doc: [t.key for t in doc.tasks],
        )
    )
    register(
        ItemKind(
            "deliverable",
            Deliverable,
            _keyed(Deliverable, "name", "deliverable"),
            lambda d: d.name,
            lambda _d: "deliverables",
            note_ref=lambda d: d.name,
            doc_refs=lambda doc: [d.name for d in doc.deliverables],
        )
    )
    register(
        ItemKind(
            "cut_version",
            CutVersion,
            find_by_id(CutVersion, "cut_version"),
            lambda cv: entity_label(cv) or f"cut_version {cv.id}",
            lambda cv: getattr(cv, "department_code", None) or "picture-editing",
            note_ref=lambda cv: [cv.reel, cv.number],
            doc_refs=lambda doc: [[cv.get("reel"), cv.get("number")] for cv in doc.cut_versions],
        )
    )
    # A register's entries, found by key (shot ID, cue number, language) or ID; their department is the register.
    for name, reg, export_list, model, key, label in (
        ("vfx_shot", "vfx", "vfx_shots", VfxShot, "shot_id", "VFX shot"),
        ("adr_cue", "adr", "adr_cues", AdrCue, "number", "ADR cue"),
        ("foley_cue", "foley", "foley_cues", FoleyCue, "number", "foley cue"),
        ("music_cue", "music", "music_cues", MusicCue, "number", "music cue"),
        ("dubbing_version", "dubbing", "dubbing_versions", DubbingVersion, "language", "dubbed version"),
    ):
        register(
            ItemKind(
                name,
                model,
                _keyed(model, key, label),
                _entry_label(label, key),
                _constant(reg),
                register_list=export_list,
                noun=label,
            )
        )


def ref_key(value: Any) -> Any:
    """A note reference as compared: lists as tuples, text without case (task keys, deliverable names)."""
    if isinstance(value, list | tuple):
        return tuple(ref_key(v) for v in value)
    if isinstance(value, str):
        return value.casefold()
    return value


def register_lists() -> dict[str, type[Any]]:
    """The kinds exported as plain rows: their list name under `registers` and their model."""
    return {k.register_list: k.model for k in kinds().values() if k.register_list is not None}


def export_refs(session: Session, prod: Production) -> dict[tuple[str, int], Any]:
    """How the export names each item a note may be on: (kind, ID) -> its reference in the document."""
    refs: dict[tuple[str, int], Any] = {}
    for kind in kinds().values():
        rows = session.scalars(select(kind.model).where(kind.model.production_id == prod.id).order_by(kind.model.id))
        if kind.register_list is not None:
            refs.update({(kind.name, obj.id): n for n, obj in enumerate(rows)})
        elif kind.note_ref is not None:
            refs.update({(kind.name, obj.id): kind.note_ref(obj) for obj in rows})
    return refs


def document_refs(doc: Any) -> set[tuple[str, Any]]:
    """The (kind, reference) pairs a production document holds, compared as `ref_key` compares them."""
    found: set[tuple[str, Any]] = set()
    for kind in kinds().values():
        if kind.register_list is not None:
            found |= {(kind.name, i) for i in range(len(doc.registers.get(kind.register_list, [])))}
        elif kind.doc_refs is not None:
            found |= {(kind.name, ref_key(r)) for r in kind.doc_refs(doc)}
    return found
