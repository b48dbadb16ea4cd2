"""Review and approval of items by named people, and items shared with clients.

An item is named by a target type and a reference: "task" takes a task key or ID; other
areas register their types with `register_target` (a deliverable, a VFX shot, an ADR cue...).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import postprod.model as m
from postprod.errors import Conflict, InvalidInput, NotFound
from postprod.limits import as_id
from postprod.model import (
    ApprovalDecision,
    ApprovalRequest,
    ApprovalReview,
    ApprovalStatus,
    Membership,
    Note,
    Production,
    SharedItem,
    User,
)
from postprod.model.audit import entity_label
from postprod.model.base import utcnow
from postprod.services import deliverables, registers
from postprod.services.common import get_task
from postprod.services.users import Forbidden


@dataclass(frozen=True)
class Target:
    """A reviewable item: its type, ID, label and department (for department leads)."""

    type: str
    id: int
    label: str
    department: str | None


Resolver = Callable[[Session, Production, str], Target]
_RESOLVERS: dict[str, Resolver] = {}


def register_target(target_type: str, resolver: Resolver) -> None:
    """Make another kind of item reviewable and shareable (called by the area that owns it)."""
    _RESOLVERS[target_type] = resolver


def _task_target(session: Session, prod: Production, ref: str) -> Target:
    task = get_task(session, prod, ref)
    return Target("task", task.id, task.key, task.department.code)


register_target("task", _task_target)


def _model_target(model_name: str, target_type: str, department: str | None) -> Resolver:
    """A resolver by numeric ID for a model of another area, found lazily by class name."""

    def resolve(session: Session, prod: Production, ref: str) -> Target:
        cls = getattr(m, model_name)
        obj = session.get(cls, ident) if (ident := as_id(ref)) is not None else None
        if obj is None or getattr(obj, "production_id", None) != prod.id:
            raise NotFound(f"no {target_type} {ref!r} in {prod.title!r}")
        dept = getattr(obj, "department_code", None) or department
        return Target(target_type, obj.id, entity_label(obj) or f"{target_type} {obj.id}", dept)

    return resolve


def _register_target(kind_name: str) -> Resolver:
    """A resolver for a register entry by its key (shot ID, cue number, language) or ID."""

    def resolve(session: Session, prod: Production, ref: str) -> Target:
        kind = registers.get_kind(kind_name)
        entry = registers.get_entry(session, prod, kind, ref)
        return Target(kind.target_type, entry.id, f"{kind.label} {getattr(entry, kind.key)}", kind.name)

    return resolve


# Each area's items, under the target types their notes use (vfx_shot, adr_cue...).


def _deliverable_target(session: Session, prod: Production, ref: str) -> Target:
    d = deliverables.get_deliverable(session, prod, ref)
    return Target("deliverable", d.id, d.name, "deliverables")


register_target("deliverable", _deliverable_target)
register_target("cut_version", _model_target("CutVersion", "cut_version", "picture-editing"))
for _kind, _type in (
    ("vfx", "vfx_shot"),
    ("adr", "adr_cue"),
    ("foley", "foley_cue"),
    ("music", "music_cue"),
    ("dubbing", "dubbing_version"),
):
    register_target(_type, _register_target(_kind))


def target_types() -> list[str]:
    return sorted(_RESOLVERS)


def resolve_target(session: Session, prod: Production, target_type: str, ref: str | int) -> Target:
    """The item a request names; an unknown type or reference is refused naming the field."""
    resolver = _RESOLVERS.get(target_type.strip().lower().replace("-", "_"))
    if resolver is None:
        raise InvalidInput(
            f"invalid target type {target_type!r}: one of {', '.join(target_types())}", field="target_type"
        )
    return resolver(session, prod, str(ref))


# --- sharing with clients --------------------------------------------------------------------


def share(session: Session, prod: Production, target_type: str, ref: str | int) -> SharedItem:
    """Show an item to the production's clients."""
    target = resolve_target(session, prod, target_type, ref)
    if is_shared(session, prod.id, target.type, target.id):
        raise Conflict(f"{target.label} is already shared")
    item = SharedItem(production_id=prod.id, target_type=target.type, target_id=target.id, label=target.label)
    session.add(item)
    session.flush()
    return item


def unshare(session: Session, prod: Production, share_id: int) -> None:
    item = session.get(SharedItem, share_id)
    if item is None or item.production_id != prod.id:
        raise NotFound(f"no shared item {share_id} in {prod.title!r}")
    session.delete(item)
    session.flush()


def list_shares(session: Session, prod: Production) -> list[SharedItem]:
    return list(session.scalars(select(SharedItem).where(SharedItem.production_id == prod.id).order_by(SharedItem.id)))


def is_shared(session: Session, production_id: int, target_type: str, target_id: int) -> bool:
    return (
        session.scalars(
            select(SharedItem.id).where(
                SharedItem.production_id == production_id,
                SharedItem.target_type == target_type,
                SharedItem.target_id == target_id,
            )
        ).first()
        is not None
    )


def shared_ids(session: Session, production_id: int, target_type: str) -> set[int]:
    rows = session.scalars(
        select(SharedItem.target_id).where(
            SharedItem.production_id == production_id, SharedItem.target_type == target_type
        )
    )
    return set(rows)


def share_dict(s: SharedItem) -> dict[str, Any]:
    return {"id": s.id, "target_type": s.target_type, "target_id": s.target_id, "label": s.label}


# --- approvals -------------------------------------------------------------------------------


def request_approval(
    session: Session,
    prod: Production,
    target: Target,
    reviewers: list[User],
    *,
    requested_by: User | None,
    message: str = "",
) -> ApprovalRequest:
    """Send an item to named members of the production for approval."""
    if not reviewers:
        raise InvalidInput("name at least one reviewer", field="reviewers")
    members = set(session.scalars(select(Membership.user_id).where(Membership.production_id == prod.id)))
    seen: set[int] = set()
    for user in reviewers:
        if user.id not in members and not user.is_admin:
            raise InvalidInput(f"{user.username} is not a member of {prod.title!r}", field="reviewers")
        if user.id in seen:
            raise InvalidInput(f"{user.username} is named twice", field="reviewers")
        seen.add(user.id)
    pending = session.scalars(
        select(ApprovalRequest).where(
            ApprovalRequest.production_id == prod.id,
            ApprovalRequest.target_type == target.type,
            ApprovalRequest.target_id == target.id,
            ApprovalRequest.status == ApprovalStatus.PENDING,
        )
    ).first()
    if pending is not None:
        raise Conflict(f"{target.label} already awaits approval (request {pending.id})")
    req = ApprovalRequest(
        production_id=prod.id,
        target_type=target.type,
        target_id=target.id,
        label=target.label,
        message=message.strip(),
        requested_by_id=requested_by.id if requested_by else None,
        status=ApprovalStatus.PENDING,
    )
    for user in reviewers:
        req.reviews.append(ApprovalReview(reviewer_id=user.id))
    session.add(req)
    session.flush()
    return req


def get_request(session: Session, request_id: int) -> ApprovalRequest:
    req = session.get(ApprovalRequest, request_id)
    if req is None:
        raise NotFound(f"no approval request {request_id}")
    return req


def decide(session: Session, req: ApprovalRequest, reviewer: User, decision: str, note: str = "") -> ApprovalRequest:
    """A named reviewer approves or asks for changes (with a note, kept on the item)."""
    try:
        choice = ApprovalDecision(decision.strip().lower().replace("_", "-").replace(" ", "-"))
    except ValueError:
        raise InvalidInput(f"invalid decision {decision!r}: approved or changes-requested", field="decision") from None
    if choice == ApprovalDecision.PENDING:
        raise InvalidInput("a decision is approved or changes-requested", field="decision")
    if req.status != ApprovalStatus.PENDING:
        raise Conflict(f"request {req.id} is already {req.status.value}")
    review = next((r for r in req.reviews if r.reviewer_id == reviewer.id), None)
    if review is None:
        raise Forbidden(f"{reviewer.username} is not a reviewer of request {req.id}")
    if choice == ApprovalDecision.CHANGES_REQUESTED and not note.strip():
        raise InvalidInput("say which changes in a note", field="note")
    now = utcnow()
    review.decision = choice
    review.note = note.strip()
    review.decided_at = now
    if choice == ApprovalDecision.CHANGES_REQUESTED:
        req.status = ApprovalStatus.CHANGES_REQUESTED
        req.decided_at = now
    elif all(r.decision == ApprovalDecision.APPROVED for r in req.reviews):
        req.status = ApprovalStatus.APPROVED
        req.decided_at = now
    body = f"{choice.value}" + (f": {note.strip()}" if note.strip() else "")
    session.add(
        Note(
            production_id=req.production_id,
            target_type=req.target_type,
            target_id=req.target_id,
            author=reviewer.name,
            body=body,
        )
    )
    session.flush()
    return req


def cancel(session: Session, req: ApprovalRequest) -> ApprovalRequest:
    if req.status != ApprovalStatus.PENDING:
        raise Conflict(f"request {req.id} is already {req.status.value}")
    req.status = ApprovalStatus.CANCELLED
    req.decided_at = utcnow()
    session.flush()
    return req


def list_requests(
    session: Session, prod: Production, *, status: str | None = None, reviewer: User | None = None
) -> list[ApprovalRequest]:
    """A production's approval requests, newest first, by status or by reviewer."""
    q = select(ApprovalRequest).where(ApprovalRequest.production_id == prod.id)
    if status:
        try:
            q = q.where(ApprovalRequest.status == ApprovalStatus(status))
        except ValueError:
            allowed = ", ".join(s.value for s in ApprovalStatus)
            raise InvalidInput(f"invalid status {status!r}: one of {allowed}", field="status") from None
    if reviewer is not None:
        q = q.where(ApprovalRequest.reviews.any(ApprovalReview.reviewer_id == reviewer.id))
    return list(session.scalars(q.order_by(ApprovalRequest.id.desc())))


def approval_dict(req: ApprovalRequest, usernames: dict[int, str]) -> dict[str, Any]:
    return {
        "id": req.id,
        "production_id": req.production_id,
        "target_type": req.target_type,
        "target_id": req.target_id,
        "label": req.label,
        "message": req.message,
        "requested_by": usernames.get(req.requested_by_id or -1),
        "status": req.status.value,
        "created_at": req.created_at.isoformat(),
        "decided_at": req.decided_at.isoformat() if req.decided_at else None,
        "reviews": [
            {
                "reviewer": usernames.get(r.reviewer_id, str(r.reviewer_id)),
                "decision": r.decision.value,
                "note": r.note,
                "decided_at": r.decided_at.isoformat() if r.decided_at else None,
            }
            for r in req.reviews
        ],
    }


def usernames(session: Session) -> dict[int, str]:
    return {uid: name for uid, name in session.execute(select(User.id, User.username))}
