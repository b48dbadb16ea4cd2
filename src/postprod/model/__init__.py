"""The data model: SQLAlchemy 2 typed ORM, one module per area."""

from postprod.model.audit import AuditEntry
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
from postprod.model.editorial import AdrCue, CutVersion, CutVersionContent, DubbingVersion, FoleyCue, MusicCue, VfxShot
from postprod.model.notifications import Notification
from postprod.model.people import Absence, Calendar, Holiday, Person, Room, RoomKind
from postprod.model.planning import Plan, PlanKind, PlanTask
from postprod.model.production import (
    STANDARD_DEPARTMENT_NAMES,
    DeliveryDate,
    Department,
    DepartmentCode,
    Production,
    ProductionKind,
    ProductionStatus,
)
from postprod.model.search import SearchEntry
from postprod.model.settings import Setting
from postprod.model.tasks import TRANSITIONS, Dependency, Note, Task, TaskAssignment, TaskStatus
from postprod.model.users import (
    ApiToken,
    ApprovalDecision,
    ApprovalRequest,
    ApprovalReview,
    ApprovalStatus,
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

__all__ = [
    "CostSnapshot",
    "EtcOverride",
    "Invoice",
    "OrderStatus",
    "PurchaseOrder",
    "TimeEntry",
    "Vendor",
    "BudgetAccount",
    "BudgetChapter",
    "BudgetLine",
    "BudgetPercentLine",
    "BudgetStatus",
    "BudgetVersion",
    "FringeGroup",
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
    "Notification",
    "Person",
    "Production",
    "ProductionKind",
    "ProductionStatus",
    "QcFinding",
    "QcRun",
    "Room",
    "SearchEntry",
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
]
