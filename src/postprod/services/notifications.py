"""Notifications: what a user should know of, made where it happens, read in the app, and sent by
e-mail when an SMTP server is set (POSTPROD_SMTP_URL).

Five things notify: an approval asked of you (services/review.py), your task changed by someone
else (services/tasks.py), your tasks' dates moved by a replan (services/planning/store.py), a failed
QC of a deliverable you ran or whose department you lead (services/deliverables.py), and your
@username in a note (services/items.py). Nobody is notified of their own doing.

E-mail leaves after the transaction commits (a rolled-back change sends nothing), from a thread of
its own, so a slow or absent server never holds a request; a failure is logged, never raised. The
address is the e-mail of the user's person in the production (their membership names it). The
words of the message come from `mail_formatter`, which the web app sets to its catalogue (French
or English, as the user reads the pages); without it the message is in English.
"""

from __future__ import annotations

import logging
import re
import smtplib
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote, urlsplit

from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from postprod import config
from postprod.model import ApprovalRequest, Membership, Note, Notification, Person, Role, Task, TaskAssignment, User
from postprod.model.base import utcnow

log = logging.getLogger(__name__)

KINDS = ("approval_asked", "task_changed", "plan_moved", "qc_failed", "mention")
MENTION = re.compile(r"(?<![\w.@])@([a-z0-9][a-z0-9._-]{1,63})", re.IGNORECASE)
PAGE = 50

# (notification, user) -> (subject, body) in the user's language; the web app sets its own.
MailFormatter = Callable[[Notification, User], tuple[str, str]]


def _english(n: Notification, _user: User) -> tuple[str, str]:
    what = {
        "approval_asked": f"{n.actor} asks you to approve {n.label}",
        "task_changed": f"{n.actor} changed {n.label}" + (f": {n.detail}" if n.detail else ""),
        "plan_moved": f"{n.actor} replanned: new dates for {n.label}",
        "qc_failed": f"QC failed on {n.label}",
        "mention": f"{n.actor} mentioned you on {n.label}",
    }.get(n.kind, n.label)
    return what, what + (f"\n\n{n.detail}" if n.kind == "mention" and n.detail else "")


mail_formatter: MailFormatter = _english


def _actor(session: Session) -> str:
    return str(session.info.get("actor") or "")


def notify(
    session: Session,
    user_ids: Iterable[int],
    production_id: int,
    kind: str,
    *,
    item_type: str,
    item_ref: str,
    label: str,
    detail: str = "",
    to_actor: bool = False,
) -> list[Notification]:
    """One notification per user (not to the one who acted unless `to_actor`: the end of their own
    long work), queued for e-mail after the commit."""
    actor = _actor(session)
    me = session.scalar(select(User.id).where(User.username == actor)) if actor and not to_actor else None
    made = []
    for uid in sorted(set(user_ids) - {me}):
        n = Notification(
            user_id=uid,
            production_id=production_id,
            kind=kind,
            actor=actor,
            item_type=item_type,
            item_ref=item_ref[:200],
            label=label[:300],
            detail=detail[:300],
        )
        session.add(n)
        made.append(n)
    if made:
        session.flush()
        if config.smtp_url():
            session.info.setdefault("mail_out", []).extend(n.id for n in made)
    return made


# --- what notifies ----------------------------------------------------------------------------------


def approval_asked(session: Session, req: ApprovalRequest) -> None:
    notify(
        session,
        [r.reviewer_id for r in req.reviews],
        req.production_id,
        "approval_asked",
        item_type="approval",
        item_ref=str(req.id),
        label=req.label,
        detail=req.message,
    )


def _users_of_persons(session: Session, production_id: int, person_ids: Iterable[int]) -> set[int]:
    ids = list(person_ids)
    if not ids:
        return set()
    q = select(Membership.user_id).where(Membership.production_id == production_id, Membership.person_id.in_(ids))
    return set(session.scalars(q))


def task_changed(session: Session, task: Task, new_status: str | None) -> None:
    """The users whose person works on the task, when someone else changes it."""
    users = _users_of_persons(session, task.production_id, [a.person_id for a in task.assignments])
    notify(
        session,
        users,
        task.production_id,
        "task_changed",
        item_type="task",
        item_ref=task.key,
        label=task.key,
        detail=new_status or "",
    )


def plan_moved(session: Session, production_id: int, moved: Mapping[int, Iterable[int]]) -> None:
    """A new plan in force moved these tasks' dates (task ID -> the people the plan gives it): each user whose
    person does some of them, given them by the plan or named on them, is told once, of all theirs (a list of
    keys, their number), with the way to their work; not the one who replanned."""
    if not moved:
        return
    people: dict[int, set[int]] = {tid: set(ids) for tid, ids in moved.items()}
    keys: dict[int, str] = {}
    for tid, key in session.execute(select(Task.id, Task.key).where(Task.production_id == production_id)):
        if tid in people:
            keys[tid] = key
    named = select(TaskAssignment.task_id, TaskAssignment.person_id).join(Task, Task.id == TaskAssignment.task_id)
    for tid, person_id in session.execute(named.where(Task.production_id == production_id)):
        if tid in people:
            people[tid].add(person_id)
    tasks_of: dict[int, set[int]] = defaultdict(set)
    for tid, ids in people.items():
        for person_id in ids:
            tasks_of[person_id].add(tid)
    mine: dict[int, set[str]] = defaultdict(set)
    members = select(Membership.user_id, Membership.person_id).where(
        Membership.production_id == production_id, Membership.person_id.is_not(None)
    )
    for uid, member in session.execute(members):
        mine[uid] |= {keys[t] for t in tasks_of.get(member or 0, ()) if t in keys}
    for uid, names in sorted(mine.items()):
        if names:
            notify(
                session,
                [uid],
                production_id,
                "plan_moved",
                item_type="my_work",
                item_ref="",
                label=_listed(sorted(names)),
                detail=str(len(names)),
            )


def _listed(keys: list[str], room: int = 300) -> str:
    """Keys joined by commas, as many as the room holds, then an ellipsis."""
    out = ""
    for i, key in enumerate(keys):
        more = f"{', ' if out else ''}{key}"
        if len(out) + len(more) + (3 if i < len(keys) - 1 else 0) > room:
            return out + ", …"
        out += more
    return out


def qc_failed(session: Session, production_id: int, deliverable_name: str, ran_by: str) -> None:
    """Who ran the QC (a job: they are waiting for its end) and the leads of the deliverables department."""
    users = set(
        session.scalars(
            select(Membership.user_id).where(
                Membership.production_id == production_id,
                Membership.role == Role.DEPARTMENT_LEAD,
                Membership.department_code == "deliverables",
            )
        )
    )
    runner = session.scalar(select(User.id).where(User.username == ran_by))
    if runner is not None:
        users.add(runner)
    notify(
        session,
        users,
        production_id,
        "qc_failed",
        item_type="deliverable",
        item_ref=deliverable_name,
        label=deliverable_name,
        to_actor=True,
    )


def mentions(session: Session, note: Note, item_type: str, item_ref: str, label: str) -> None:
    """The members of the production named @username in the note."""
    names = {m.lower() for m in MENTION.findall(note.body)}
    if not names:
        return
    users = session.scalars(
        select(User.id)
        .join(Membership, Membership.user_id == User.id)
        .where(User.username.in_(names), Membership.production_id == note.production_id)
    )
    notify(
        session,
        set(users),
        note.production_id,
        "mention",
        item_type=item_type,
        item_ref=item_ref,
        label=label,
        detail=note.body[:300],
    )


# --- reading -----------------------------------------------------------------------------------------


def unread_count(session: Session, user: User) -> int:
    q = select(func.count(Notification.id)).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    return int(session.scalar(q) or 0)


def list_for(session: Session, user: User, limit: int = PAGE) -> list[Notification]:
    """The user's notifications, newest first."""
    q = select(Notification).where(Notification.user_id == user.id)
    return list(session.scalars(q.order_by(Notification.id.desc()).limit(limit)))


def get_for(session: Session, user: User, notification_id: int) -> Notification | None:
    n = session.get(Notification, notification_id)
    return n if n is not None and n.user_id == user.id else None


def mark_read(session: Session, user: User, notification_id: int | None = None) -> int:
    """Mark one of the user's notifications read, or all of them; how many were unread."""
    q = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_id is not None:
        q = q.where(Notification.id == notification_id)
    result: Any = session.execute(q.values(read_at=utcnow()))
    return int(result.rowcount or 0)


# --- e-mail ------------------------------------------------------------------------------------------


def _address(session: Session, n: Notification) -> str:
    q = (
        select(Person.email)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.user_id == n.user_id, Membership.production_id == n.production_id, Person.email != "")
    )
    return str(session.scalars(q).first() or "")


def send_mail(url: str, sender: str, to: str, subject: str, body: str) -> None:
    """One message through the SMTP server of `url` (smtp:// or smtps://, user and password optional)."""
    parts = urlsplit(url)
    host, port = parts.hostname or "localhost", parts.port
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg.set_content(body)
    smtp_class = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
    with smtp_class(host, port or (465 if parts.scheme == "smtps" else 25), timeout=10) as smtp:
        if parts.username:
            smtp.login(unquote(parts.username), unquote(parts.password or ""))
        smtp.send_message(msg)


def _deliver(factory: Any, ids: list[int], url: str) -> None:
    """Send the e-mails of these notifications (a thread of its own; errors are logged)."""
    try:
        with factory() as session:
            for ident in ids:
                n = session.get(Notification, ident)
                user = session.get(User, n.user_id) if n is not None else None
                if n is None or user is None or not (to := _address(session, n)):
                    continue
                try:
                    subject, body = mail_formatter(n, user)
                    send_mail(url, config.mail_from(), to, subject, body)
                except Exception:
                    log.exception("notification %s: the e-mail to %s was not sent", ident, to)
    except Exception:
        log.exception("notification e-mails were not sent")


# Threads sending mail, so that tests (and a server shutting down) can wait for them.
SENDERS: list[threading.Thread] = []


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    ids = session.info.pop("mail_out", None)
    url = config.smtp_url()
    if not ids or not url:
        return
    bind = session.get_bind()
    engine = getattr(bind, "engine", bind)

    def factory() -> Session:
        return Session(bind=engine, expire_on_commit=False)

    thread = threading.Thread(target=_deliver, args=(factory, ids, url), name="postprod-mail", daemon=True)
    SENDERS[:] = [t for t in SENDERS if t.is_alive()] + [thread]
    thread.start()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop("mail_out", None)
