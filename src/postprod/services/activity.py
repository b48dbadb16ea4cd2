"""The audit trail told as events: who did what to which item, which fields went from what to what.

The pages put this into words in the reader's language; here every value is resolved to what a
reader knows it by: a person or a department by its name, a task by its key, a note's item by its
label, and each value tagged with its kind (date, status, number...) so that it can be formatted.
Money leaves only through `services.money` (the caller says whether this reader sees it).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Enum, Float, Integer, Numeric, Time
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session
from typing_extensions import TypedDict

from postprod.model import AuditEntry, User
from postprod.model.audit import entity_label
from postprod.model.base import Base
from postprod.services import items, users
from postprod.services.money import audit_values

# Columns that say nothing to a reader (the production an entry is in, sort positions, frame counts,
# computed blobs): left out of the told changes rather than shown under a raw name.
HIDDEN_FIELDS = frozenset(
    {
        "production_id", "position", "target_type", "target_id", "record_in", "record_out", "record_start",
        "record_end", "fps_num", "fps_den", "carry_summary", "change_summary", "clauses", "summary", "critical_path",
        "late", "moves", "warnings", "person_ids", "work_days", "required_skills", "skills", "dubbed_languages",
        "lower_bound", "makespan", "seconds", "time_limit", "parent_id", "plan_id", "previous_id", "task_key",
        "slack", "file_path", "spec_text", "event_count", "request_id", "custom", "is_default", "optimal",
        "created_by", "imported_by", "author", "label",
        # the budget's own bookkeeping: told by the item, not field by field
        "budget_id", "frozen", "link_id", "link_type", "order_id", "vendor_id", "set_at", "set_by", "locked_by",
        "logged_by", "rates", "incidents", "on", "excluding", "includes",
    }
)  # fmt: skip


class FieldChange(TypedDict):
    field: str  # the column; the pages name it in words (web/vocabulary.FIELD_NAMES)
    kind: str  # how to show the values: status, date, datetime, number, bool, time, text
    before: Any
    after: Any


class ActivityView(TypedDict):
    id: int
    at: datetime
    actor: str  # the username
    actor_name: str  # the user's display name, else the username
    action: str  # create, update, delete
    entity_type: str  # the model's name: the pages name it in words (web/vocabulary.ENTITY_TYPES)
    label: str  # the item's key, name or title
    item_type: str | None  # the item (registry kind) the entry links to, if it still exists
    item_ref: str | None  # its reference in page addresses (a task's key, an ID)
    item_label: str  # for entries about a part of an item (a note, an assignment): the item's label
    label_kind: str  # the item kind (services/items) whose label `label` or `item_label` is: the pages say its noun
    role: str  # for a membership: the role given (a Role value)
    changes: list[FieldChange]


def _models() -> dict[str, type[Any]]:
    return {m.class_.__name__: m.class_ for m in Base.registry.mappers}


def _kind_of_column(col: Any) -> str:
    t = col.type
    if isinstance(t, DateTime):
        return "datetime"
    if isinstance(t, Date):
        return "date"
    if isinstance(t, Time):
        return "time"
    if isinstance(t, Boolean):
        return "bool"
    if isinstance(t, Enum) or col.key == "status":
        return "status"
    if isinstance(t, Integer | Float | Numeric) and not col.foreign_keys:
        return "number"
    return "text"


class _Resolver:
    """Looks up the things entries point at, once each per page."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.models = _models()
        self.by_table = {str(getattr(m.local_table, "name", "")): m.class_ for m in Base.registry.mappers}
        self.cache: dict[tuple[type[Any], int], Any] = {}

    def get(self, model: type[Any], ident: Any) -> Any:
        if not isinstance(ident, int):
            return None
        key = (model, ident)
        if key not in self.cache:
            self.cache[key] = self.session.get(model, ident)
        return self.cache[key]

    def foreign_label(self, col: Any, ident: Any) -> str | None:
        """The label of the row a foreign key names (None when it is gone)."""
        fk = next(iter(col.foreign_keys))
        model = self.by_table.get(fk.column.table.name)
        obj = self.get(model, ident) if model is not None else None
        if obj is None:
            return None
        if isinstance(obj, User):
            return obj.display_name or obj.username
        return entity_label(obj) or None

    def item_link(self, entity_type: str, entity_id: int, values: dict[str, Any]) -> tuple[str | None, str | None, str]:
        """The item an entry links to: (kind, reference, label of the containing item)."""
        model = self.models.get(entity_type)
        if entity_type == "ApprovalReview":  # a reviewer named on a request, or their decision: the request
            request = self.get(self.models["ApprovalRequest"], values.get("request_id"))
            return ("approval", str(request.id), request.label) if request is not None else (None, None, "")
        if entity_type in ("Note", "SharedItem", "ApprovalRequest") and values.get("target_type"):
            kind = items.KINDS.get(str(values["target_type"]))
            obj = self.get(kind.model, values.get("target_id")) if kind else None
            if entity_type == "ApprovalRequest" and self.get(model, entity_id) is not None:  # type: ignore[arg-type]
                return "approval", str(entity_id), kind.label(obj) if kind and obj else ""
            return (kind.name, items.ref_of(kind.name, obj), kind.label(obj)) if kind and obj else (None, None, "")
        if entity_type in ("TaskAssignment", "PlanTask") or entity_type == "Dependency":
            task_id = values.get("task_id") or values.get("successor_id")
            task = self.get(self.models["Task"], task_id)
            return ("task", task.key, task.key) if task is not None else (None, None, "")
        if entity_type in ("Person", "Room", "Absence"):
            return "people", None, ""
        if entity_type == "QcRun" and model is not None and self.get(model, entity_id) is not None:
            return "qc_run", str(entity_id), ""
        for kind in items.KINDS.values():
            if kind.model.__name__ == entity_type:
                obj = self.get(kind.model, entity_id)
                return (
                    (kind.name, items.ref_of(kind.name, obj), kind.label(obj)) if obj is not None else (None, None, "")
                )
        return None, None, ""

    def label_kind(self, entity_type: str, values: dict[str, Any]) -> str:
        """The kind of item an entry's labels name: its target's for a note, a share, an approval and its
        reviewers; its own for an item."""
        if entity_type == "ApprovalReview":
            request = self.get(self.models["ApprovalRequest"], values.get("request_id"))
            return str(request.target_type) if request is not None else ""
        if entity_type in ("Note", "SharedItem", "ApprovalRequest"):
            return str(values.get("target_type") or "")
        return next((k.name for k in items.KINDS.values() if k.model.__name__ == entity_type), "")


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)  # SQLite keeps UTC without its zone


def describe(session: Session, entries: list[AuditEntry], *, money: bool) -> list[ActivityView]:
    """The entries as events a page can put into words (money only with `money`)."""
    res = _Resolver(session)
    names = users.names_of(session, {e.actor for e in entries})
    out: list[ActivityView] = []
    for e in entries:
        before = (e.before if money else audit_values(e.entity_type, e.before)) or {}
        after = (e.after if money else audit_values(e.entity_type, e.after)) or {}
        model = res.models.get(e.entity_type)
        columns = {a.key: a.columns[0] for a in sa_inspect(model).column_attrs} if model is not None else {}
        changes: list[FieldChange] = []
        if e.action == "update":
            for name, new in after.items():
                col = columns.get(name)
                if name in HIDDEN_FIELDS or col is None:
                    continue
                old = before.get(name)
                if col.foreign_keys:
                    old, new = res.foreign_label(col, old), res.foreign_label(col, new)
                    kind = "text"
                else:
                    kind = _kind_of_column(col)
                changes.append({"field": name, "kind": kind, "before": old, "after": new})
        values = after or before
        if e.entity_type == "ApprovalReview" and "request_id" not in values:  # a decision keeps only what changed
            review = res.get(model, e.entity_id) if model is not None else None
            if review is not None:
                values = {**values, "request_id": review.request_id, "reviewer_id": review.reviewer_id}
        item_type, item_ref, item_label = res.item_link(e.entity_type, e.entity_id, values)
        label = e.label
        if e.entity_type in ("TaskAssignment", "TimeEntry") and "person_id" in values:  # whose work
            label = res.foreign_label(columns["person_id"], values["person_id"]) or label.partition(": ")[2]
        if e.entity_type == "ApprovalReview" and "reviewer_id" in values:  # who reviews
            label = res.foreign_label(columns["reviewer_id"], values["reviewer_id"]) or label
        if e.entity_type == "Membership":  # "ana: supervisor" -> Ana Costa, and the role apart
            label = res.foreign_label(columns["user_id"], values.get("user_id")) or label.partition(":")[0]
        out.append(
            {
                "id": e.id,
                "at": _aware(e.at),
                "actor": e.actor,
                "actor_name": names.get(e.actor, e.actor),
                "action": e.action,
                "entity_type": e.entity_type,
                "label": label,
                "item_type": item_type,
                "item_ref": item_ref,
                "item_label": item_label,
                "label_kind": res.label_kind(e.entity_type, values),
                "role": str(values.get("role") or "") if e.entity_type == "Membership" else "",
                "changes": changes,
            }
        )
    return out
