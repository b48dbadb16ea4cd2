"""Review and approval of items by named people, and items shared with clients.

An item is named by a target type and a reference (a task key, a shot ID, a deliverable's name...);
the kinds of item are those of the item registry (services/items.py).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from typing_extensions import TypedDict

from postprod.errors import N_, Conflict, InvalidInput, NotFound
from postprod.model import (
    ApprovalDecision,
    ApprovalRequest,
    ApprovalReview,
    ApprovalStatus,
    Membership,
    Production,
    SharedItem,
    User,
)
from postprod.model.base import utcnow
from postprod.services import items, notifications
from postprod.services.items import Target
from postprod.services.users import Forbidden


def target_types() -> list[str]:
    return items.kind_names()


def resolve_target(session: Session, prod: Production, target_type: str, ref: str | int) -> Target:
    """The item a request names; an unknown type or reference is refused naming the field."""
    return items.resolve(session, prod, target_type, ref)


# --- sharing with clients --------------------------------------------------------------------


def share(session: Session, prod: Production, target_type: str, ref: str | int) -> SharedItem:
    """Show an item to the production's clients."""
    target = resolve_target(session, prod, target_type, ref)
    if not items.get_kind(target.type).client_visible:
        raise InvalidInput(
            N_("%(label)s cannot be shown to clients"), field="target_type", params={"label": target.label}
        )
    if is_shared(session, prod.id, target.type, target.id):
        raise Conflict(N_("%(label)s is already shared"), params={"label": target.label})
    item = SharedItem(production_id=prod.id, target_type=target.type, target_id=target.id, label=target.label)
    session.add(item)
    session.flush()
    return item


def unshare(session: Session, prod: Production, share_id: int) -> None:
    item = session.get(SharedItem, share_id)
    if item is None or item.production_id != prod.id:
        raise NotFound(
            N_("no shared item %(share_id)s in %(production)r"), params={"share_id": share_id, "production": prod.title}
        )
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


class ShareView(TypedDict):
    id: int
    target_type: str
    target_id: int
    label: str


def share_dict(s: SharedItem) -> ShareView:
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
        raise InvalidInput(N_("name at least one reviewer"), field="reviewers")
    members = set(session.scalars(select(Membership.user_id).where(Membership.production_id == prod.id)))
    seen: set[int] = set()
    for user in reviewers:
        if user.id not in members and not user.is_admin:
            raise InvalidInput(
                N_("%(username)s is not a member of %(production)r"),
                field="reviewers",
                params={"username": user.username, "production": prod.title},
            )
        if user.id in seen:
            raise InvalidInput(N_("%(username)s is named twice"), field="reviewers", params={"username": user.username})
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
        raise Conflict(
            N_("%(label)s already awaits approval (request %(id)s)"), params={"label": target.label, "id": pending.id}
        )
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
    notifications.approval_asked(session, req)
    return req


def get_request(session: Session, request_id: int) -> ApprovalRequest:
    req = session.get(ApprovalRequest, request_id)
    if req is None:
        raise NotFound(N_("no approval request %(request_id)s"), params={"request_id": request_id})
    return req


def decide(session: Session, req: ApprovalRequest, reviewer: User, decision: str, note: str = "") -> ApprovalRequest:
    """A named reviewer approves or asks for changes (with a note, kept on the item)."""
    try:
        choice = ApprovalDecision(decision.strip().lower().replace("_", "-").replace(" ", "-"))
    except ValueError:
        raise InvalidInput(
            N_("invalid decision %(decision)r: approved or changes-requested"),
            field="decision",
            params={"decision": decision},
        ) from None
    if choice == ApprovalDecision.PENDING:
        raise InvalidInput(N_("a decision is approved or changes-requested"), field="decision")
    if req.status != ApprovalStatus.PENDING:
        raise Conflict(N_("request %(id)s is already %(value)s"), params={"id": req.id, "value": req.status.value})
    review = next((r for r in req.reviews if r.reviewer_id == reviewer.id), None)
    if review is None:
        raise Forbidden(
            N_("%(username)s is not a reviewer of request %(id)s"), params={"username": reviewer.username, "id": req.id}
        )
    if choice == ApprovalDecision.CHANGES_REQUESTED and not note.strip():
        raise InvalidInput(N_("say which changes in a note"), field="note")
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
    items.add_note(session, req.production_id, req.target_type, req.target_id, body[: items.MAX_NOTE], reviewer.name)
    return req


def cancel(session: Session, req: ApprovalRequest) -> ApprovalRequest:
    if req.status != ApprovalStatus.PENDING:
        raise Conflict(N_("request %(id)s is already %(value)s"), params={"id": req.id, "value": req.status.value})
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
            raise InvalidInput(
                N_("invalid status %(status)r: one of %(allowed)s"),
                field="status",
                params={"status": status, "allowed": allowed},
            ) from None
    if reviewer is not None:
        q = q.where(ApprovalRequest.reviews.any(ApprovalReview.reviewer_id == reviewer.id))
    return list(session.scalars(q.order_by(ApprovalRequest.id.desc())))


class ReviewView(TypedDict):
    reviewer: str
    decision: str
    note: str
    decided_at: str | None


class ApprovalView(TypedDict):
    id: int
    production_id: int
    target_type: str
    target_id: int
    label: str
    message: str
    requested_by: str | None
    status: str
    created_at: str
    decided_at: str | None
    reviews: list[ReviewView]


def approval_dict(req: ApprovalRequest, usernames: dict[int, str]) -> ApprovalView:
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


def display_names(session: Session) -> dict[int, str]:
    """Who asked and who reviews, as people read them: the display name, else the username."""
    rows = session.execute(select(User.id, User.display_name, User.username))
    return {uid: shown or username for uid, shown, username in rows}
