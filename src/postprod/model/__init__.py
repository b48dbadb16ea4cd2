"""The data model: SQLAlchemy 2 typed ORM, one module per area.

The core areas (productions and departments, people, rooms and calendars, tasks and notes, the
audit trail, settings) load with the package: their classes refer to one another, and the audit
listeners must be in place before anything is written. The other areas (deliverables, cut versions
and registers, plans, users and review, webhooks, the budget and its costs, notifications) load when one of their names is first taken from
this package, or their module is imported: `postprod task list` does not pay for ~20 mappers it
never uses (their import and configuration are about 0.1 s).

`Base` taken from this package loads every area first, so that its metadata is the whole schema
(migrations and tests rely on it); the core modules take Base from model.base.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from postprod.model.audit import AuditEntry
from postprod.model.base import Base as _Base
from postprod.model.people import Absence, Calendar, Holiday, Person, Room, RoomKind
from postprod.model.production import (
    STANDARD_DEPARTMENT_NAMES,
    DeliveryDate,
    Department,
    DepartmentCode,
    Production,
    ProductionKind,
    ProductionStatus,
)
from postprod.model.search import SearchEntry  # core: its flush listener indexes every write
from postprod.model.settings import Setting
from postprod.model.tasks import TRANSITIONS, Dependency, Note, Task, TaskAssignment, TaskStatus

if TYPE_CHECKING:
    from postprod.model.base import Base
    from postprod.model.budget import (
        BudgetAccount,
        BudgetChapter,
        BudgetLine,
        BudgetPercentLine,
        BudgetStatus,
        BudgetVersion,
        FringeGroup,
    )
    from postprod.model.costs import CostSnapshot, EtcOverride, Invoice, OrderStatus, PurchaseOrder, TimeEntry, Vendor
    from postprod.model.deliverables import Deliverable, DeliverableStatus, QcFinding, QcRun
    from postprod.model.editorial import (
        AdrCue,
        CutVersion,
        CutVersionContent,
        DubbingVersion,
        FoleyCue,
        MusicCue,
        VfxShot,
    )
    from postprod.model.notifications import Notification
    from postprod.model.planning import Plan, PlanKind, PlanTask
    from postprod.model.reports import WeeklyReport, WeeklyReportContent
    from postprod.model.users import (
        ApiToken,
        ApprovalDecision,
        ApprovalRequest,
        ApprovalReview,
        ApprovalStatus,
        CalendarFeed,
        Job,
        JobStatus,
        Membership,
        Role,
        SharedItem,
        SignInFailure,
        User,
        WebSession,
    )
    from postprod.model.webhooks import Webhook

# The areas loaded on first use, by the names this package gives them.
LAZY_AREAS: dict[str, tuple[str, ...]] = {
    "budget": (
        "BudgetAccount",
        "BudgetChapter",
        "BudgetLine",
        "BudgetPercentLine",
        "BudgetStatus",
        "BudgetVersion",
        "FringeGroup",
    ),
    "costs": ("CostSnapshot", "EtcOverride", "Invoice", "OrderStatus", "PurchaseOrder", "TimeEntry", "Vendor"),
    "notifications": ("Notification",),
    "deliverables": ("Deliverable", "DeliverableStatus", "QcFinding", "QcRun"),
    "editorial": ("AdrCue", "CutVersion", "CutVersionContent", "DubbingVersion", "FoleyCue", "MusicCue", "VfxShot"),
    "planning": ("Plan", "PlanKind", "PlanTask"),
    # users.py imports review.py and jobs.py and names their classes too
    "users": (
        "ApiToken",
        "CalendarFeed",
        "ApprovalDecision",
        "ApprovalRequest",
        "ApprovalReview",
        "ApprovalStatus",
        "Job",
        "JobStatus",
        "Membership",
        "Role",
        "SharedItem",
        "SignInFailure",
        "User",
        "WebSession",
    ),
    "webhooks": ("Webhook",),
    "reports": ("WeeklyReport", "WeeklyReportContent"),
}
_AREA_OF = {name: area for area, names in LAZY_AREAS.items() for name in names}


def load_all() -> None:
    """Import every area of the model (the core is loaded already)."""
    for area in LAZY_AREAS:
        importlib.import_module(f"postprod.model.{area}")


def __getattr__(name: str) -> Any:
    if name == "Base":
        load_all()
        globals()["Base"] = _Base
        return _Base
    area = _AREA_OF.get(name)
    if area is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"postprod.model.{area}"), name)
    globals()[name] = value
    return value


__all__ = [
    "BudgetAccount",
    "BudgetChapter",
    "BudgetLine",
    "BudgetPercentLine",
    "BudgetStatus",
    "BudgetVersion",
    "FringeGroup",
    "CostSnapshot",
    "EtcOverride",
    "Invoice",
    "OrderStatus",
    "PurchaseOrder",
    "TimeEntry",
    "Vendor",
    "Notification",
    "SearchEntry",
    "SignInFailure",
    "Webhook",
    "Plan",
    "PlanKind",
    "PlanTask",
    "STANDARD_DEPARTMENT_NAMES",
    "TRANSITIONS",
    "Absence",
    "AuditEntry",
    "Base",
    "Calendar",
    "DeliveryDate",
    "Department",
    "DepartmentCode",
    "Deliverable",
    "DeliverableStatus",
    "Dependency",
    "Holiday",
    "Note",
    "Person",
    "Production",
    "ProductionKind",
    "ProductionStatus",
    "QcFinding",
    "QcRun",
    "Room",
    "Setting",
    "RoomKind",
    "Task",
    "TaskAssignment",
    "TaskStatus",
    "AdrCue",
    "CutVersion",
    "CutVersionContent",
    "DubbingVersion",
    "FoleyCue",
    "MusicCue",
    "VfxShot",
    "ApiToken",
    "CalendarFeed",
    "ApprovalDecision",
    "ApprovalRequest",
    "ApprovalReview",
    "ApprovalStatus",
    "Job",
    "JobStatus",
    "Membership",
    "Role",
    "SharedItem",
    "User",
    "WebSession",
    "WeeklyReport",
    "WeeklyReportContent",
]
