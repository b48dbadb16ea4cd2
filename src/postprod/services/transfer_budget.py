"""The budget and the costs in the production export: accounts, versions and lines, vendors, orders, invoices, time.

Written column by column as the editorial registers are (services/transfer_editorial: values as JSON,
read back by each column's type, a mistake naming the field); what points elsewhere is named, never
a database ID: a version's parent by its number, an order's vendor by name, an invoice's order by its
number, a time entry's person by name and task by key, a line's item as the export names items.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from postprod.errors import N_, FileFormatError
from postprod.model import (
    BudgetAccount,
    BudgetChapter,
    BudgetLine,
    BudgetPercentLine,
    BudgetVersion,
    CostSnapshot,
    EtcOverride,
    FringeGroup,
    Invoice,
    Person,
    Production,
    PurchaseOrder,
    Room,
    Task,
    TimeEntry,
    Vendor,
)
from postprod.services import items
from postprod.services.transfer_editorial import decode_row, row_of

_SKIP = frozenset(
    {"id", "production_id", "created_at", "updated_at", "budget_id", "parent_id", "vendor_id", "order_id",
     "person_id", "task_id", "link_id", "link_type", "version"}
)  # fmt: skip
# The plain tables: (document list, model, order).
_PLAIN: tuple[tuple[str, type[Any], Any], ...] = (
    ("chapters", BudgetChapter, BudgetChapter.position),
    ("accounts", BudgetAccount, BudgetAccount.position),
    ("fringes", FringeGroup, FringeGroup.name),
    ("vendors", Vendor, Vendor.name),
    ("etc_overrides", EtcOverride, EtcOverride.account),
    ("snapshots", CostSnapshot, CostSnapshot.as_of),
)


def _rows(session: Session, model: type[Any], prod: Production, order: Any) -> list[Any]:
    return list(session.scalars(select(model).where(model.production_id == prod.id).order_by(order, model.id)))


def export_budget(session: Session, prod: Production) -> dict[str, Any] | None:
    """The production's budget and costs, or None when it has none."""
    out: dict[str, Any] = {name: [row_of(x, _SKIP) for x in _rows(session, m, prod, o)] for name, m, o in _PLAIN}
    versions = _rows(session, BudgetVersion, prod, BudgetVersion.number)
    if not versions and not any(out.values()):
        return None
    number = {v.id: v.number for v in versions}
    refs = items.export_refs(session, prod)
    names = {("person", p.id): p.name for p in prod.people} | {("room", r.id): r.name for r in prod.rooms}

    def link(line: BudgetLine) -> Any:
        if line.link_type is None or line.link_id is None:
            return None
        key = (line.link_type, line.link_id)
        ref = names.get(key, refs.get(key))
        return None if ref is None else {"type": line.link_type, "ref": ref}

    out["versions"] = [
        row_of(v, _SKIP)
        | {
            "parent": number.get(v.parent_id) if v.parent_id else None,
            "lines": [row_of(x, _SKIP) | {"link": link(x)} for x in v.lines],
            "percent_lines": [row_of(p, _SKIP) for p in v.percent_lines],
        }
        for v in versions
    ]
    vendors = {v.id: v.name for v in _rows(session, Vendor, prod, Vendor.name)}
    orders = _rows(session, PurchaseOrder, prod, PurchaseOrder.number)
    order_number = {po.id: po.number for po in orders}
    out["orders"] = [row_of(po, _SKIP) | {"vendor": vendors[po.vendor_id]} for po in orders]
    out["invoices"] = [
        row_of(i, _SKIP) | {"vendor": vendors[i.vendor_id], "order": order_number.get(i.order_id or -1)}
        for i in _rows(session, Invoice, prod, Invoice.day)
    ]
    people = {p.id: p.name for p in prod.people}
    keys = {t.id: t.key for t in prod.tasks}
    out["time"] = [
        row_of(e, _SKIP) | {"person": people[e.person_id], "task": keys.get(e.task_id or -1)}
        for e in _rows(session, TimeEntry, prod, TimeEntry.day)
    ]
    return out


def _list(doc: dict[str, Any], key: str, path: str) -> list[Any]:
    value = doc.get(key) or []
    if not isinstance(value, list):
        raise FileFormatError(path, N_("budget.%(key)s: expected a list"), params={"key": key})
    return value


def import_budget(session: Session, prod: Production, doc: dict[str, Any] | None, path: str) -> None:
    """Create the budget and costs of a document, after its people, tasks and items exist."""
    if not doc:
        return
    if not isinstance(doc, dict):
        raise FileFormatError(path, "budget: expected an object")
    made: dict[str, dict[str, Any]] = {}
    for name, model, _order in _PLAIN:
        made[name] = {}
        for i, raw in enumerate(_list(doc, name, path)):
            obj = model(production_id=prod.id, **decode_row(model, raw, f"budget.{name}.{i}", path, set(), _SKIP))
            session.add(obj)
            made[name][str(getattr(obj, "name", getattr(obj, "code", i)))] = obj
    session.flush()
    people = {p.name.casefold(): p for p in session.scalars(select(Person).where(Person.production_id == prod.id))}
    rooms = {r.name.casefold(): r for r in session.scalars(select(Room).where(Room.production_id == prod.id))}
    tasks = {t.key.casefold(): t for t in session.scalars(select(Task).where(Task.production_id == prod.id))}
    new_ids = {(kind, items.ref_key(ref)): item_id for (kind, item_id), ref in items.export_refs(session, prod).items()}
    versions: dict[int, BudgetVersion] = {}
    for i, raw in enumerate(_list(doc, "versions", path)):
        where = f"budget.versions.{i}"
        values = decode_row(BudgetVersion, raw, where, path, {"parent", "lines", "percent_lines"}, _SKIP)
        v = BudgetVersion(production_id=prod.id, **values)
        for j, line in enumerate(raw.get("lines") or []):
            lv = decode_row(BudgetLine, line, f"{where}.lines.{j}", path, {"link"}, _SKIP)
            obj = BudgetLine(production_id=prod.id, **lv)
            link = line.get("link")
            if isinstance(link, dict):
                kind, ref = str(link.get("type")), link.get("ref")
                target = (
                    people.get(str(ref).casefold()) if kind == "person"
                    else rooms.get(str(ref).casefold()) if kind == "room"
                    else None
                )  # fmt: skip
                obj.link_type = kind
                obj.link_id = target.id if target is not None else new_ids.get((kind, items.ref_key(ref)))
            v.lines.append(obj)
        for j, p in enumerate(raw.get("percent_lines") or []):
            v.percent_lines.append(
                BudgetPercentLine(
                    production_id=prod.id,
                    **decode_row(BudgetPercentLine, p, f"{where}.percent_lines.{j}", path, set(), _SKIP),
                )
            )
        session.add(v)
        versions[v.number] = v
    session.flush()
    for raw in _list(doc, "versions", path):
        if raw.get("parent") is not None and raw["parent"] in versions:
            versions[raw["number"]].parent_id = versions[raw["parent"]].id
    vendors = {name.casefold(): v for name, v in made["vendors"].items()}

    def vendor_of(raw: dict[str, Any], where: str) -> Vendor:
        found = vendors.get(str(raw.get("vendor", "")).casefold())
        if found is None:
            raise FileFormatError(
                path,
                N_("%(where)s.vendor: unknown vendor %(vendor)r"),
                params={"where": where, "vendor": raw.get("vendor")},
            )
        return found

    orders: dict[str, PurchaseOrder] = {}
    for i, raw in enumerate(_list(doc, "orders", path)):
        where = f"budget.orders.{i}"
        po = PurchaseOrder(
            production_id=prod.id, vendor_id=vendor_of(raw, where).id,
            **decode_row(PurchaseOrder, raw, where, path, {"vendor"}, _SKIP),
        )  # fmt: skip
        session.add(po)
        orders[po.number] = po
    session.flush()
    for i, raw in enumerate(_list(doc, "invoices", path)):
        where = f"budget.invoices.{i}"
        order = raw.get("order")
        if order is not None and order not in orders:
            raise FileFormatError(
                path, N_("%(where)s.order: unknown purchase order %(order)r"), params={"where": where, "order": order}
            )
        session.add(
            Invoice(
                production_id=prod.id, vendor_id=vendor_of(raw, where).id,
                order_id=orders[order].id if order is not None else None,
                **decode_row(Invoice, raw, where, path, {"vendor", "order"}, _SKIP),
            )
        )  # fmt: skip
    for i, raw in enumerate(_list(doc, "time", path)):
        where = f"budget.time.{i}"
        person = people.get(str(raw.get("person", "")).casefold())
        if person is None:
            raise FileFormatError(
                path,
                N_("%(where)s.person: unknown person %(person)r"),
                params={"where": where, "person": raw.get("person")},
            )
        task = tasks.get(str(raw["task"]).casefold()) if raw.get("task") else None
        session.add(
            TimeEntry(
                production_id=prod.id, person_id=person.id, task_id=task.id if task else None,
                **decode_row(TimeEntry, raw, where, path, {"person", "task"}, _SKIP),
            )
        )  # fmt: skip
    session.flush()
