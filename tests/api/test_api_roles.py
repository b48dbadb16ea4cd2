"""Role x action over every endpoint: each row says which roles may call it; the others get 403, nobody 401."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from api_world import (
    USERS,
    World,
    cut_edl_text,
    entry_version,
    import_two_cuts,
    new_deliverable,
    new_entry,
    qc_ready_deliverable,
)

from postprod.app import create_app
from postprod.db import session_scope
from postprod.services import productions, review, users
from postprod.services.common import get_production, get_task

Req = dict[str, Any]
EVERYONE = "SDLTCA"


def _fresh_production(w: World) -> int:
    """A small production where every test user has their role (to be deleted)."""
    with session_scope(w.engine, actor="fixture") as s:
        prod = productions.create_production(s, title=f"Scratch {w.next()}", template="short", with_crew=True)
        editor = prod.people[0].name
        for letter, role in (("S", "supervisor"), ("D", "production-director"), ("C", "client")):
            users.grant(s, users.get_user(s, USERS[letter]), prod, role)
        users.grant(s, users.get_user(s, USERS["L"]), prod, "department-lead", department="picture-editing")
        users.grant(s, users.get_user(s, USERS["T"]), prod, "technician", person=editor)
        return prod.id


def _approval(w: World) -> int:
    key = w.new_task()
    with session_scope(w.engine, actor="fixture") as s:
        prod = get_production(s, w.production_id)
        target = review.resolve_target(s, prod, "task", key)
        reviewers = [users.get_user(s, "director"), users.get_user(s, "client")]
        return review.request_approval(s, prod, target, reviewers, requested_by=None).id


def _job(w: World) -> int:
    r = w.client("S").post(w.url("/productions/{pid}/export-jobs"))
    assert r.status_code == 202, r.text
    job_id = int(r.json()["id"])
    w.app.state.jobs.wait(job_id, 60)
    return job_id


def _member(w: World) -> int:
    with session_scope(w.engine, actor="fixture") as s:
        user = users.create_user(s, username=f"member{w.next()}", password="password1")
        return users.grant(s, user, get_production(s, w.production_id), "client").id


def _absence(w: World) -> int:
    with session_scope(w.engine, actor="fixture") as s:
        from postprod.services import people

        prod = get_production(s, w.production_id)
        n = w.next()
        return people.add_absence(
            s, prod, room=prod.rooms[0], start=f"2031-01-{n % 28 + 1:02d}", end=f"2031-01-{n % 28 + 1:02d}"
        ).id


def _share(w: World) -> int:
    with session_scope(w.engine, actor="fixture") as s:
        return review.share(s, get_production(s, w.production_id), "task", w.new_task()).id


def _dependency(w: World) -> tuple[str, str]:
    a, b = w.new_task(), w.new_task()
    with session_scope(w.engine, actor="fixture") as s:
        from postprod.services import tasks

        prod = get_production(s, w.production_id)
        tasks.add_dependency(s, get_task(s, prod, b), get_task(s, prod, a))
    return b, a


def _webhook(w: World) -> int:
    with session_scope(w.engine, actor="fixture") as s:
        from postprod.services import webhooks

        return webhooks.create_webhook(s, get_production(s, w.production_id), "https://hooks.example/in").id


def _feed(w: World, role: str) -> int:
    """A calendar feed of the role's user (written directly: a client may not make one, but may revoke)."""
    from postprod.model import CalendarFeed

    with session_scope(w.engine, actor="fixture") as s:
        user = users.get_user(s, USERS[role])
        feed = CalendarFeed(
            user_id=user.id,
            production_id=w.production_id,
            scope="production",
            token_hash=f"{w.next():064d}",
            prefix="cal_",
        )
        s.add(feed)
        s.flush()
        return feed.id


def _feed_token(w: World) -> str:
    from postprod.services import calendar_feeds

    with session_scope(w.engine, actor="fixture") as s:
        prod = get_production(s, w.production_id)
        return calendar_feeds.create_feed(s, users.get_user(s, USERS["S"]), prod, "production")[1]


def _token(w: World, role: str) -> int:
    r = w.client(role).post(w.url("/auth/tokens"), json={"name": "scratch"})
    return int(r.json()["id"])


def _editors_cut(w: World) -> Req:
    return {"json": {"progress": w.next() % 90 + 1}, "headers": {"If-Match": f'"{w.task_version("PIC-EDITORS-CUT")}"'}}


def _budget(w: World, *, draft: bool = True) -> int:
    """The production's budget exists; with `draft`, its current version is a draft. Returns that version's number."""
    from postprod.services import budget

    with session_scope(w.engine, actor="fixture") as s:
        prod = get_production(s, w.production_id)
        if not budget.versions(s, prod):
            v = budget.create_version(s, prod)
            budget.add_line(s, prod, v, account="8.20", description="VFX", quantity=2, unit="shot", rate="1000")
        v = budget.get_version(s, prod)
        if draft and v.status.value == "locked":
            v = budget.revise(s, prod, v, "for the role table")
        return v.number


def _lock(w: World) -> Req:
    """A draft version to lock, with the If-Match of the version read."""
    from postprod.services import budget

    number = _budget(w)
    with session_scope(w.engine, actor="fixture") as s:
        v = budget.get_version(s, get_production(s, w.production_id), number)
        return {"path": {"number": number}, "headers": {"If-Match": f'"{v.version}"'}}


def _budget_line(w: World) -> int:
    from postprod.services import budget

    _budget(w)
    with session_scope(w.engine, actor="fixture") as s:
        prod = get_production(s, w.production_id)
        return budget.add_line(s, prod, budget.get_version(s, prod), account="8.40", rate="100").id


def _percent_line(w: World) -> int:
    from postprod.services import budget

    _budget(w)
    with session_scope(w.engine, actor="fixture") as s:
        prod = get_production(s, w.production_id)
        return budget.add_percent_line(s, prod, budget.get_version(s, prod), f"Bond {w.next()}", "9.10", "2").id


def _vendor(w: World) -> str:
    from postprod.services import costs

    _budget(w)
    with session_scope(w.engine, actor="fixture") as s:
        prod = get_production(s, w.production_id)
        if "Studio Lumière" not in {v.name for v in costs.vendors(s, prod)}:  # the demo has vendors of its own
            costs.add_vendor(s, prod, "Studio Lumière")
    return "Studio Lumière"


def _editor_person(w: World) -> str:
    with session_scope(w.engine, actor="fixture") as s:
        user = users.get_user(s, USERS["T"])
        member = next(m for m in user.memberships if m.production_id == w.production_id)
        return next(p.name for p in get_production(s, w.production_id).people if p.id == member.person_id)


def _weekly(w: World) -> int:
    """An issued weekly report (with its PDF); returns its ID."""
    from postprod.services import weekly_report
    from postprod.web import weekly_report as pack

    with session_scope(w.engine, actor="fixture") as s:
        prod = get_production(s, w.production_id)
        data = weekly_report.assemble(s, prod, "2027-W05")
        data["revision"] = weekly_report.next_revision(s, prod, "2027-W05")
        return weekly_report.issue(s, prod, data, pdf=pack.pdf(data, "en"), lang="en", paragraph="").id


# (method, path) -> (roles allowed, builder of the request for a role)
Builder = Callable[[World, str], Req]
TABLE: dict[tuple[str, str], tuple[str, Builder]] = {
    ("POST", "/auth/login"): (EVERYONE, lambda w, r: {"json": {"username": "director", "password": "director"}}),
    ("POST", "/auth/logout"): (EVERYONE, lambda w, r: {}),
    ("GET", "/auth/me"): (EVERYONE, lambda w, r: {}),
    ("PATCH", "/auth/me"): (EVERYONE, lambda w, r: {"json": {"language": "fr"}}),
    ("GET", "/auth/tokens"): (EVERYONE, lambda w, r: {}),
    ("POST", "/auth/tokens"): (EVERYONE, lambda w, r: {"json": {"name": "ci"}}),
    ("DELETE", "/auth/tokens/{token_id}"): (EVERYONE, lambda w, r: {"path": {"token_id": _token(w, r)}}),
    ("GET", "/users"): ("A", lambda w, r: {}),
    ("POST", "/users"): ("A", lambda w, r: {"json": {"username": f"new{w.next()}", "password": "password1"}}),
    ("GET", "/templates"): (EVERYONE, lambda w, r: {}),
    ("GET", "/productions"): (EVERYONE, lambda w, r: {}),
    ("POST", "/productions"): ("SA", lambda w, r: {"json": {"title": f"New {w.next()}", "template": "short"}}),
    ("GET", "/productions/{production_id}"): (EVERYONE, lambda w, r: {}),
    ("PATCH", "/productions/{production_id}"): ("SA", lambda w, r: {"json": {"description": "x"}}),
    ("DELETE", "/productions/{production_id}"): ("SA", lambda w, r: {"path": {"production_id": _fresh_production(w)}}),
    ("GET", "/productions/{production_id}/members"): ("SDLTA", lambda w, r: {}),
    ("POST", "/productions/{production_id}/members"): (
        "SA",
        lambda w, r: {"json": {"user": _new_user(w), "role": "client"}},
    ),
    ("DELETE", "/productions/{production_id}/members/{membership_id}"): (
        "SA",
        lambda w, r: {"path": {"membership_id": _member(w)}},
    ),
    ("GET", "/productions/{production_id}/budget"): ("SDA", lambda w, r: {"params": {"version": str(_budget(w))}}),
    ("GET", "/productions/{production_id}/budget/versions"): ("SDA", lambda w, r: {}),
    ("GET", "/productions/{production_id}/budget/department"): (
        "SDLA",  # the lead of picture-editing: that department's lines, no personal rates
        lambda w, r: {"params": {"department": "picture-editing", "version": str(_budget(w))}},
    ),
    ("POST", "/productions/{production_id}/budget/versions"): (
        "SA",
        lambda w, r: {"path": {"production_id": _fresh_production(w)}, "json": {"name": "Budget"}},
    ),
    ("POST", "/productions/{production_id}/budget/versions/{number}/lock"): (
        "SA",
        lambda w, r: _lock(w),
    ),
    ("POST", "/productions/{production_id}/budget/versions/{number}/revise"): (
        "SA",
        lambda w, r: {"path": {"number": _budget(w, draft=False)}, "json": {"reason": "a change"}},
    ),
    ("POST", "/productions/{production_id}/budget/lines"): (
        "SA",
        lambda w, r: {"path": {"number": _budget(w)}, "json": {"account": "8.40", "rate": "1 200,50"}},
    ),
    ("PATCH", "/productions/{production_id}/budget/lines/{line_id}"): (
        "SA",
        lambda w, r: {"path": {"line_id": _budget_line(w)}, "json": {"rate": "99"}},
    ),
    ("DELETE", "/productions/{production_id}/budget/lines/{line_id}"): (
        "SA",
        lambda w, r: {"path": {"line_id": _budget_line(w)}},
    ),
    ("GET", "/productions/{production_id}/budget/compare"): (
        "SDA",
        lambda w, r: {"params": {"before": "1", "after": str(_budget(w))}},
    ),
    ("GET", "/productions/{production_id}/budget/fringes"): ("SDA", lambda w, r: {}),
    ("PUT", "/productions/{production_id}/budget/fringes/{name}"): (
        "SA",
        lambda w, r: {"path": {"name": "intermittents"}, "json": {"percent": "65"}},
    ),
    ("PUT", "/productions/{production_id}/budget/rates/{currency}"): (
        "SA",
        lambda w, r: {"path": {"currency": "GBP", "n": _budget(w)}, "json": {"rate": "1.1725"}},
    ),
    ("GET", "/productions/{production_id}/budget/percent-lines"): (
        "SDA",
        lambda w, r: {"params": {"version": str(_budget(w))}},
    ),
    ("POST", "/productions/{production_id}/budget/percent-lines"): (
        "SA",
        lambda w, r: {
            "path": {"n": _budget(w)},
            "json": {"name": f"Assurance {w.next()}", "account": "9.10", "percent": "1,5"},
        },
    ),  # fmt: skip
    ("DELETE", "/productions/{production_id}/budget/percent-lines/{line_id}"): (
        "SA",
        lambda w, r: {"path": {"line_id": _percent_line(w)}},
    ),
    ("GET", "/productions/{production_id}/budget/accounts"): ("SDA", lambda w, r: {}),
    ("POST", "/productions/{production_id}/budget/accounts"): (
        "SA",
        lambda w, r: {"json": {"code": f"9.9{w.next()}", "name": "Frais financiers", "chapter": "9"}},
    ),
    ("PATCH", "/productions/{production_id}/budget/accounts/{code}"): (
        "SA",
        lambda w, r: {"path": {"code": "9.10"}, "json": {"name": f"Assurances {w.next()}"}},
    ),
    ("GET", "/productions/{production_id}/cost-report/etc"): ("SDA", lambda w, r: {}),
    ("PUT", "/productions/{production_id}/cost-report/etc/{account}"): (
        "SA",
        lambda w, r: {"path": {"account": "8.20", "n": _budget(w)}, "json": {"amount": "9000", "note": "bids in"}},
    ),
    ("DELETE", "/productions/{production_id}/cost-report/etc/{account}"): (
        "SA",
        lambda w, r: {"path": {"account": "8.20", "n": _budget(w)}},
    ),
    ("GET", "/productions/{production_id}/cost-report"): ("SDA", lambda w, r: {"path": {"n": _budget(w)}}),
    ("GET", "/productions/{production_id}/cost-snapshots"): ("SDA", lambda w, r: {}),
    ("POST", "/productions/{production_id}/cost-snapshots"): (
        "SA",
        lambda w, r: {
            "path": {"n": _budget(w)},
            "params": {"as_of": f"2027-{w.next() % 12 + 1:02d}-{w.next() % 28 + 1:02d}"},
        },
    ),
    ("GET", "/productions/{production_id}/vendors"): ("SDA", lambda w, r: {}),
    ("POST", "/productions/{production_id}/vendors"): ("SA", lambda w, r: {"json": {"name": f"Lab {w.next()}"}}),
    ("GET", "/productions/{production_id}/purchase-orders"): ("SDA", lambda w, r: {}),
    ("POST", "/productions/{production_id}/purchase-orders"): (
        "SA",
        lambda w, r: {"json": {"number": f"PO-{w.next()}", "vendor": _vendor(w), "account": "8.20", "amount": "100"}},
    ),
    ("GET", "/productions/{production_id}/invoices"): ("SDA", lambda w, r: {}),
    ("POST", "/productions/{production_id}/invoices"): (
        "SA",
        lambda w, r: {"json": {"vendor": _vendor(w), "number": f"F-{w.next()}", "net": "10", "account": "8.20"}},
    ),
    ("GET", "/productions/{production_id}/time-entries"): ("SDLTA", lambda w, r: {}),
    ("POST", "/productions/{production_id}/time-entries"): (
        "SLTA",
        lambda w, r: {
            "json": {"person": _editor_person(w), "day": "2027-01-11", "days": "0.5", "task": "PIC-EDITORS-CUT"}
        },
    ),
    ("GET", "/productions/{production_id}/webhooks"): ("SA", lambda w, r: {}),
    ("POST", "/productions/{production_id}/webhooks"): (
        "SA",
        lambda w, r: {"json": {"url": "https://tools.example/h"}},
    ),
    ("POST", "/productions/{production_id}/webhooks/{hook_id}/resume"): (
        "SA",
        lambda w, r: {"path": {"hook_id": _webhook(w)}},
    ),
    ("DELETE", "/productions/{production_id}/webhooks/{hook_id}"): (
        "SA",
        lambda w, r: {"path": {"hook_id": _webhook(w)}},
    ),
    ("GET", "/productions/{production_id}/shares"): (EVERYONE, lambda w, r: {}),
    ("POST", "/productions/{production_id}/shares"): (
        "SA",
        lambda w, r: {"json": {"target_type": "task", "target": w.new_task()}},
    ),
    ("DELETE", "/productions/{production_id}/shares/{share_id}"): (
        "SA",
        lambda w, r: {"path": {"share_id": _share(w)}},
    ),
    ("GET", "/productions/{production_id}/export"): ("SDA", lambda w, r: {}),
    ("POST", "/productions/{production_id}/export-jobs"): ("SDA", lambda w, r: {}),
    ("POST", "/productions/import"): ("SA", lambda w, r: {"json": _export(w), "params": {"title": f"Copy {w.next()}"}}),
    ("GET", "/productions/{production_id}/tasks"): (EVERYONE, lambda w, r: {"params": {"limit": 5}}),
    # a parameter that changes what a route answers has its own row: the path, then ? and the parameter
    ("GET", "/productions/{production_id}/tasks?all=true"): (EVERYONE, lambda w, r: {"params": {"all": "true"}}),
    ("POST", "/productions/{production_id}/tasks"): (
        "SLA",
        lambda w, r: {"json": {"key": f"N-{w.next()}", "name": "New", "department": "picture-editing"}},
    ),
    ("GET", "/productions/{production_id}/tasks/{task_ref}"): (
        EVERYONE,
        lambda w, r: {"path": {"task_ref": "PIC-EDITORS-CUT"}},
    ),
    ("PATCH", "/productions/{production_id}/tasks/{task_ref}"): (
        "SLTA",
        lambda w, r: {"path": {"task_ref": "PIC-EDITORS-CUT"}} | _editors_cut(w),
    ),
    ("DELETE", "/productions/{production_id}/tasks/{task_ref}"): (
        "SLA",
        lambda w, r: {"path": {"task_ref": w.new_task()}},
    ),
    ("POST", "/productions/{production_id}/tasks/{task_ref}/dependencies"): (
        "SLA",
        lambda w, r: {"path": {"task_ref": w.new_task()}, "json": {"on": w.new_task()}},
    ),
    ("DELETE", "/productions/{production_id}/tasks/{task_ref}/dependencies/{on}"): (
        "SLA",
        lambda w, r: {"path": dict(zip(["task_ref", "on"], _dependency(w), strict=True))},
    ),
    ("GET", "/productions/{production_id}/people"): ("SDLTA", lambda w, r: {}),
    ("POST", "/productions/{production_id}/people"): ("SA", lambda w, r: {"json": {"name": f"Person {w.next()}"}}),
    ("GET", "/productions/{production_id}/people/{person_ref}"): (
        "SDLTA",
        lambda w, r: {"path": {"person_ref": "Claire Moreau"}},
    ),
    ("PATCH", "/productions/{production_id}/people/{person_ref}"): (
        "SA",
        lambda w, r: {"path": {"person_ref": "Claire Moreau"}, "json": {"phone": "+33 1"}},
    ),
    ("GET", "/productions/{production_id}/rooms"): ("SDLTA", lambda w, r: {}),
    ("POST", "/productions/{production_id}/rooms"): (
        "SA",
        lambda w, r: {"json": {"name": f"Room {w.next()}", "kind": "mix-stage"}},
    ),
    ("GET", "/productions/{production_id}/absences"): ("SDLTA", lambda w, r: {}),
    ("POST", "/productions/{production_id}/absences"): (
        "SA",
        lambda w, r: {"json": {"person": _new_person(w), "start": "2032-02-02", "end": "2032-02-03"}},
    ),
    ("DELETE", "/productions/{production_id}/absences/{absence_id}"): (
        "SA",
        lambda w, r: {"path": {"absence_id": _absence(w)}},
    ),
    ("PATCH", "/productions/{production_id}/absences/{absence_id}"): (
        "SA",
        lambda w, r: {"path": {"absence_id": _absence(w)}, "json": {"reason": "Festival jury"}},
    ),
    ("GET", "/productions/{production_id}/notes"): (EVERYONE, lambda w, r: {}),
    ("POST", "/productions/{production_id}/tasks/{task_ref}/notes"): (
        "SDLTA",
        lambda w, r: {"path": {"task_ref": "PIC-EDITORS-CUT"}, "json": {"body": "Looks good"}},
    ),
    ("GET", "/productions/{production_id}/history"): ("SDLTA", lambda w, r: {}),
    ("GET", "/productions/{production_id}/approvals"): (EVERYONE, lambda w, r: {}),
    ("POST", "/productions/{production_id}/approvals"): (
        "SDLA",
        lambda w, r: {"json": {"target_type": "task", "target": w.new_task(), "reviewers": ["director"]}},
    ),
    ("GET", "/approvals/{request_id}"): (EVERYONE, lambda w, r: {"path": {"request_id": _approval(w)}}),
    ("POST", "/approvals/{request_id}/decision"): (
        "DC",
        lambda w, r: {"path": {"request_id": _approval(w)}, "json": {"decision": "approved"}},
    ),
    ("POST", "/approvals/{request_id}/cancel"): ("SDLA", lambda w, r: {"path": {"request_id": _approval(w)}}),
    ("GET", "/jobs/{job_id}"): ("SA", lambda w, r: {"path": {"job_id": _job(w)}}),
    ("GET", "/jobs/{job_id}/result"): ("SA", lambda w, r: {"path": {"job_id": _job(w)}}),
    ("GET", "/events/recent"): ("SDLTA", lambda w, r: {"params": {"after": 0, "limit": 3}}),
    ("GET", "/events"): ("SDLTA", lambda w, r: {"params": {"after": 0, "limit": 1}}),
    ("GET", "/productions/{production_id}/registers"): (EVERYONE, lambda w, r: {}),
    ("GET", "/productions/{production_id}/registers/{kind}"): ("SDLTA", lambda w, r: {"path": {"kind": "vfx"}}),
    ("POST", "/productions/{production_id}/registers/{kind}"): (
        "SA",
        lambda w, r: {"path": {"kind": "vfx"}, "json": {"values": {"shot_id": f"{500 + w.next()}_NEW_0010"}}},
    ),
    ("GET", "/productions/{production_id}/registers/{kind}/{key}"): (
        "SDLTA",
        lambda w, r: {"path": {"kind": "vfx", "key": new_entry(w)}},
    ),
    ("PATCH", "/productions/{production_id}/registers/{kind}/{key}"): ("SA", lambda w, r: _entry_patch(w)),
    ("DELETE", "/productions/{production_id}/registers/{kind}/{key}"): (
        "SA",
        lambda w, r: {"path": {"kind": "vfx", "key": new_entry(w)}},
    ),
    ("POST", "/productions/{production_id}/registers/{kind}/{key}/notes"): (
        "SA",
        lambda w, r: {"path": {"kind": "vfx", "key": new_entry(w)}, "json": {"body": "Comp notes"}},
    ),
    ("GET", "/productions/{production_id}/deliverables"): (EVERYONE, lambda w, r: {}),
    ("POST", "/productions/{production_id}/deliverables"): ("SA", lambda w, r: {"json": {"name": f"DCP {w.next()}"}}),
    ("GET", "/productions/{production_id}/deliverables/{ref}"): (
        "SDLTA",
        lambda w, r: {"path": {"ref": new_deliverable(w)[0]}},
    ),
    ("PATCH", "/productions/{production_id}/deliverables/{ref}"): ("SA", lambda w, r: _deliverable_patch(w)),
    ("POST", "/productions/{production_id}/deliverables/{ref}/qc-jobs"): (
        "SA",
        lambda w, r: {"path": {"ref": qc_ready_deliverable(w)}},
    ),
    ("GET", "/productions/{production_id}/plans"): ("SDLTA", lambda w, r: {}),
    ("GET", "/productions/{production_id}/plans/compare"): ("SDLTA", lambda w, r: _planned(w, {})),
    ("GET", "/productions/{production_id}/plans/{name}"): (
        "SDLTA",
        lambda w, r: _planned(w, {"path": {"name": "current"}}),
    ),
    ("POST", "/productions/{production_id}/plans/baseline"): ("SA", lambda w, r: _planned(w, {})),
    ("POST", "/productions/{production_id}/plan-jobs"): ("SA", lambda w, r: {"json": {"time_limit": 0.2}}),
    ("GET", "/productions/{production_id}/cuts"): ("SDLTA", lambda w, r: {}),
    ("GET", "/productions/{production_id}/cuts/{reel}/changes"): (
        "SDLTA",
        lambda w, r: import_two_cuts(w) or {"path": {"reel": "R1"}},
    ),
    ("GET", "/productions/{production_id}/cuts/{reel}/cost"): (
        "SDA",  # money: the budget right
        lambda w, r: import_two_cuts(w) or {"path": {"reel": "R1"}},
    ),
    ("POST", "/productions/{production_id}/cuts/{reel}/import-jobs"): (
        "SLA",
        lambda w, r: {"path": {"reel": f"R{w.next()}"}, "json": {"text": cut_edl_text(), "filename": "r.edl"}},
    ),
    ("GET", "/health"): (EVERYONE + "N", lambda w, r: {}),
    ("GET", "/calendar-feeds"): (EVERYONE, lambda w, r: {}),
    ("POST", "/productions/{production_id}/calendar-feeds"): ("SDLTA", lambda w, r: {"json": {"scope": "production"}}),
    ("DELETE", "/calendar-feeds/{feed_id}"): (EVERYONE, lambda w, r: {"path": {"feed_id": _feed(w, r)}}),
    ("GET", "/ical/{token}.ics"): (EVERYONE + "N", lambda w, r: {"path": {"token": _feed_token(w)}}),
    ("GET", "/productions/{production_id}/reports/weekly"): ("SDA", lambda w, r: {}),
    ("GET", "/productions/{production_id}/reports/weekly/current"): ("SDA", lambda w, r: {}),
    ("GET", "/productions/{production_id}/reports/weekly/{report_id}"): (
        "SDA",
        lambda w, r: {"path": {"report_id": _weekly(w)}},
    ),
    ("GET", "/productions/{production_id}/reports/weekly/{report_id}/pdf"): (
        "SDA",
        lambda w, r: {"path": {"report_id": _weekly(w)}},
    ),
}
NO_SIGN_IN = {("POST", "/auth/login"), ("GET", "/health"), ("GET", "/ical/{token}.ics")}


def _entry_patch(w: World) -> Req:
    key = new_entry(w)
    return {
        "path": {"kind": "vfx", "key": key},
        "json": {"values": {"vendor": "Mikros"}, "version": entry_version(w, key)},
    }


def _deliverable_patch(w: World) -> Req:
    name, version = new_deliverable(w)
    return {"path": {"ref": name}, "json": {"due": "2031-03-01"}, "headers": {"If-Match": f'"{version}"'}}


def _planned(w: World, req: Req) -> Req:
    """The world's production planned once (current plan and baseline), then the request unchanged."""
    if not getattr(w, "planned", False):
        from postprod.services import planning as planning_ops

        with session_scope(w.engine, actor="fixture") as s:
            prod = get_production(s, w.production_id)
            planning_ops.plan_production(s, prod, time_limit=0.3)
            planning_ops.set_baseline(s, prod)
        w.planned = True  # type: ignore[attr-defined]
    return req


def _new_user(w: World) -> str:
    with session_scope(w.engine, actor="fixture") as s:
        return users.create_user(s, username=f"granted{w.next()}", password="password1").username


def _new_person(w: World) -> str:
    with session_scope(w.engine, actor="fixture") as s:
        from postprod.services import people

        return people.add_person(s, get_production(s, w.production_id), name=f"Crew {w.next()}").name


def _export(w: World) -> dict[str, Any]:
    with session_scope(w.engine, actor="fixture") as s:
        from postprod.services import transfer

        return transfer.export_production(s, get_production(s, w.production_id))


def api_endpoints() -> set[tuple[str, str]]:
    """Every operation of the app's OpenAPI document, as (method, path under /api/v1)."""
    app = create_app("sqlite://", web=False)
    out = set()
    for path, ops in app.openapi()["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method in ops:
            out.add((method.upper(), path.removeprefix("/api/v1")))
    return out


def test_every_endpoint_has_a_row_in_the_role_table() -> None:
    endpoints = api_endpoints()
    rows = {(method, path.partition("?")[0]) for method, path in TABLE}
    missing = sorted(endpoints - rows)
    assert not missing, f"endpoints without a row in the role table: {missing}"
    stale = sorted(rows - endpoints)
    assert not stale, f"rows for endpoints that no longer exist: {stale}"


def _call(w: World, role: str, method: str, path: str, req: Req) -> int:
    url = path.partition("?")[0]  # a parameter's row: the builder sends the parameter
    for name, value in {"production_id": w.production_id, **req.get("path", {})}.items():
        url = url.replace("{" + name + "}", str(value))
    for leftover in ("{token_id}", "{request_id}", "{job_id}", "{membership_id}", "{share_id}", "{absence_id}"):
        url = url.replace(leftover, "1")
    url = url.replace("{task_ref}", "PIC-LOCK").replace("{person_ref}", "1").replace("{on}", "PIC-LOCK")
    client = w.client(role)
    resp = client.request(
        method, "/api/v1" + url, json=req.get("json"), params=req.get("params"), headers=req.get("headers")
    )
    return resp.status_code


def test_role_table_holds_for_every_endpoint(world: World) -> None:
    """Allowed roles get 2xx, the others 403, and a request without credentials 401."""
    wrong = []
    for (method, path), (allowed, build) in sorted(TABLE.items()):
        refused: Req | None = None  # a refused request changes nothing, so the next refusal can reuse it
        for role in "SDLTCAN":
            if role == "N" and (method, path) in NO_SIGN_IN:
                continue
            may = role in allowed or (method, path) in NO_SIGN_IN
            if may or refused is None:
                req = build(world, role) if role != "N" else {}
                if not may:
                    refused = req
            else:
                req = refused
            status = _call(world, role, method, path, req)
            if may:
                ok = 200 <= status < 300
                want = "2xx"
            elif role == "N":
                ok, want = status == 401, "401"
            else:
                ok, want = status == 403, "403"
            if not ok:
                wrong.append(f"{role} {method} {path}: {status}, expected {want}")
    assert not wrong, "\n".join(wrong)
