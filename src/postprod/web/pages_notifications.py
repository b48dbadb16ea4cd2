"""Notifications: the bell's count, the list, opening one (marks it read), marking all read; and the
words of their e-mails in the user's language."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import object_session

from postprod import config
from postprod.errors import NotFound
from postprod.http_deps import Id, SessionDep
from postprod.model import ApprovalRequest, Notification, User
from postprod.services import notifications as notes_svc
from postprod.services import users
from postprod.web.auth import FormDep, FormPrincipal, PagePrincipal, page_context
from postprod.web.pages_auth import safe_next
from postprod.web.render import environment, gettext_for, item_label, render
from postprod.web.vocabulary import ITEM_PAGES

router = APIRouter()


def link(n: Notification) -> str:
    """Where a notification leads: its item's page in its production."""
    page = ITEM_PAGES.get(n.item_type)
    if page is None:
        return f"/p/{n.production_id}"
    return f"/p/{n.production_id}/" + page.format(ref=n.item_ref)


def label_kinds(session: Any, rows: list[Notification]) -> dict[int, str]:
    """The item kind each notification's label names (services/items): an approval's target's, else its item's."""
    asked = {int(n.item_ref) for n in rows if n.item_type == "approval" and n.item_ref.isdigit()}
    query = select(ApprovalRequest.id, ApprovalRequest.target_type).where(ApprovalRequest.id.in_(asked))
    targets = {rid: target for rid, target in (session.execute(query) if asked else [])}
    return {
        n.id: targets.get(int(n.item_ref), "") if n.item_type == "approval" and n.item_ref.isdigit() else n.item_type
        for n in rows
    }


def sentence(n: Notification, who: str, gettext: Any, kind: str = "") -> str:
    """What happened, in words (the same msgids the page's template uses); the item's label with its kind's
    word in the reader's language (`kind`: what label_kinds gives)."""
    _ = gettext
    item = item_label(n.label, kind, gettext)
    if n.kind == "approval_asked":
        return str(_("%(who)s asks you to approve %(item)s") % {"who": who, "item": item})
    if n.kind == "task_changed" and n.detail:
        status = _(n.detail.replace("-", " "))
        return str(_("%(who)s moved your task %(item)s to %(status)s") % {"who": who, "item": item, "status": status})
    if n.kind == "task_changed":
        return str(_("%(who)s changed your task %(item)s") % {"who": who, "item": item})
    if n.kind == "plan_moved" and n.detail == "1":
        return str(_("%(who)s replanned: your task %(item)s has new dates") % {"who": who, "item": item})
    if n.kind == "plan_moved":
        return str(
            _("%(who)s replanned: %(n)s of your tasks have new dates (%(item)s)")
            % {"who": who, "n": n.detail, "item": item}
        )
    if n.kind == "qc_failed":
        return str(_("QC failed on %(item)s") % {"item": item})
    return str(_("%(who)s mentioned you on %(item)s") % {"who": who, "item": item})


def mail_words(n: Notification, user: User) -> tuple[str, str]:
    """A notification's e-mail (subject, body) in the user's language, with the link to open it."""
    session = object_session(user)
    who = users.names_of(session, {n.actor}).get(n.actor, n.actor) if session is not None else n.actor
    kind = label_kinds(session, [n]).get(n.id, "") if session is not None else n.item_type
    lang = user.language if user.language in ("en", "fr") else "en"
    _ = gettext_for(lang)
    subject = sentence(n, who, _, kind)
    body = subject + ("\n\n" + n.detail if n.kind in ("mention", "approval_asked") and n.detail else "")
    return subject, body + "\n\n" + _("Open it: %(path)s") % {"path": config.public_url() + link(n)} + "\n"


@router.get("/notifications", response_class=HTMLResponse)
def notifications_page(request: Request, principal: PagePrincipal, session: SessionDep) -> HTMLResponse:
    """The user's notifications, newest first; unread ones stand out."""
    rows = notes_svc.list_for(session, principal.user)
    names = users.names_of(session, {n.actor for n in rows})
    ctx = page_context(request, principal, None, active="notifications")
    _ = ctx["_t"]
    kinds = label_kinds(session, rows)
    items = [{"n": n, "text": sentence(n, names.get(n.actor, n.actor), _, kinds[n.id]), "href": link(n)} for n in rows]
    return render(request, "notifications.html", {**ctx, "items": items})


@router.get("/notifications/bell", response_class=HTMLResponse)
def bell(request: Request, principal: PagePrincipal, session: SessionDep) -> HTMLResponse:
    """The bell alone, for the header to refresh its count (htmx, every minute)."""
    ctx = page_context(request, principal, None)
    html = environment(ctx["lang"]).get_template("_bell.html").render(**ctx)
    return HTMLResponse(html)


@router.post("/notifications/{notification_id}/open", response_model=None)
def open_one(notification_id: Id, principal: FormPrincipal, session: SessionDep, form: FormDep) -> Response:
    """Mark it read and go to its item."""
    n = notes_svc.get_for(session, principal.user, int(notification_id))
    if n is None:
        raise NotFound("no such notification")
    notes_svc.mark_read(session, principal.user, n.id)
    return RedirectResponse(link(n), status_code=303)


@router.post("/notifications/read", response_model=None)
def read_all(principal: FormPrincipal, session: SessionDep, form: FormDep) -> Response:
    """Mark every notification read."""
    notes_svc.mark_read(session, principal.user)
    return RedirectResponse(safe_next(form.get("next"), "/notifications"), status_code=303)
