"""Calendar feeds: private iCalendar addresses of the plan for calendar apps (services/calendar_feeds.py)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from postprod.api.deps import load_production
from postprod.api.schemas import In
from postprod.http_deps import Id, PrincipalDep, SessionDep
from postprod.services import calendar_feeds as svc

router = APIRouter(tags=["calendars"])


class FeedIn(In):
    scope: Literal["production", "person", "room"] = Field(description="The whole production, a person or a room")
    target: str | None = Field(
        default=None, max_length=120, description="The person or room (name or ID); a person feed defaults to you"
    )


class FeedCreated(BaseModel):
    feed: svc.FeedView
    token: str = Field(description="The secret part of the address, shown this once")
    url: str = Field(description="The address to subscribe to in a calendar app")


def feed_url(request: Request, token: str) -> str:
    return str(request.url_for("calendar_feed", token=token))


@router.get("/calendar-feeds")
def list_feeds(principal: PrincipalDep, session: SessionDep) -> list[svc.FeedView]:
    """Your calendar feeds (their addresses are not shown again: make a new one if it is lost)."""
    return svc.feeds(session, principal.user)


@router.post("/productions/{production_id}/calendar-feeds", status_code=201)
def create_feed(
    production_id: Id, body: FeedIn, request: Request, principal: PrincipalDep, session: SessionDep
) -> FeedCreated:
    """A private, read-only feed of the plan for a calendar app: its address is in the answer, once."""
    prod = load_production(session, production_id)
    principal.require_production(svc.READ_RIGHT, prod)
    feed, token = svc.create_feed(session, principal.user, prod, body.scope, body.target)
    view = next(f for f in svc.feeds(session, principal.user) if f.id == feed.id)
    return FeedCreated(feed=view, token=token, url=feed_url(request, token))


@router.delete("/calendar-feeds/{feed_id}", status_code=204)
def revoke_feed(feed_id: Id, principal: PrincipalDep, session: SessionDep) -> Response:
    """Revoke one of your feeds: its address answers 404 from now on."""
    svc.revoke_feed(session, principal.user, feed_id)
    return Response(status_code=204)


@router.get("/ical/{token}.ics", name="calendar_feed", response_class=Response)
def calendar_feed(token: str, session: SessionDep) -> Response:
    """The feed itself, for calendar apps (no sign-in: the address's token is the credential)."""
    data, name = svc.feed_ics(session, token[:200])
    return Response(
        data,
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, max-age=300", "Content-Disposition": 'inline; filename="plan.ics"'},
    )
