"""What the pages' forms share: reading fields, turning a refused write into messages beside the fields,
and answering a plain post or an htmx one.

A form that fails is shown again with what was typed and the message beside its field; the whole
transaction is rolled back first, so nothing of a half-done write is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from postprod.errors import N_, Conflict, CycleError, InvalidInput, NotFound, PostprodError
from postprod.web.render import render

# Refusals a form shows beside its fields; anything else (403, 401) keeps its own page.
FORM_ERRORS = (InvalidInput, Conflict, NotFound)


def text(form: FormData, name: str) -> str:
    """A text field, trimmed ("" when absent)."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def texts(form: FormData, name: str) -> list[str]:
    """Every non-empty value of a repeated field (checkboxes, multiple selects, rows)."""
    return [v.strip() for v in form.getlist(name) if isinstance(v, str) and v.strip()]


def whole(value: str, field: str, default: int | None = None) -> int:
    """A whole number typed in a field; empty gives the default when there is one."""
    if value == "" and default is not None:
        return default
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(
            N_("invalid %(field)s %(value)r: a whole number"), field=field, params={"field": field, "value": value}
        ) from None


@dataclass(frozen=True)
class ItemForm:
    """A refused form of those every item's page carries (a note on the item, sending it for approval):
    the item's page shows it again with the message beside its field and what was typed."""

    name: str  # "note" or "approval"
    here: str  # the item's page, where the page's forms send the user back
    errors: dict[str, str]
    values: dict[str, Any]


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def errors_of(exc: PostprodError, _: Callable[[str], str], hints: Mapping[str, str]) -> dict[str, str]:
    """{field: message}: the form's own words for the field when it has some, else the service's message."""
    field = exc.field or "form"
    if isinstance(exc, CycleError):
        msg = _("This link would make a loop: %(cycle)s.") % {"cycle": " → ".join(exc.cycle)}
        return {"after": msg}
    if isinstance(exc, Conflict):
        return {field: _("Already taken or in use: %(detail)s") % {"detail": exc.said(_)}}
    return {field: hints.get(field, exc.said(_))}


def refused(session: Session, exc: PostprodError) -> None:
    """Forget everything the failed write did (the request's transaction then commits nothing)."""
    if not isinstance(exc, FORM_ERRORS):
        raise exc
    session.rollback()


def again(request: Request, template: str, ctx: dict[str, Any]) -> HTMLResponse:
    """The page again with the form's mistakes: 422 for a plain post; 200 for htmx, which swaps only
    successful answers and picks the form out of the page (hx-select)."""
    return render(request, template, ctx, status_code=200 if is_htmx(request) else 422)


def done(request: Request, url: str) -> Response:
    """After a successful post: a redirect (303), or for htmx the same as a header it follows.

    htmx gets the address without its #fragment: going from a page to itself plus a fragment would
    only scroll, not load the page with the change.
    """
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": url.split("#")[0]})
    return RedirectResponse(url, status_code=303)
