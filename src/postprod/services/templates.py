"""Production templates: the standard pipeline per kind of work, read from data files in the package."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from typing import Any

import yaml

from postprod.errors import N_, FileFormatError, NotFound
from postprod.model import STANDARD_DEPARTMENT_NAMES, RoomKind

_TASK_FIELDS = {"key", "department", "name", "days", "scale", "skills", "room", "after", "per_language", "lag"}
_TOP_FIELDS = {"kind", "name", "reference_runtime", "departments", "tasks", "crew", "rooms"}


@dataclass(frozen=True)
class TemplateTask:
    """A task of a template, before expansion per language and scaling by runtime."""

    key: str
    department: str
    name: str
    days: float
    scale: str
    skills: tuple[str, ...]
    room: str | None
    after: tuple[tuple[str, int], ...]
    per_language: bool


@dataclass(frozen=True)
class TaskSpec:
    """A concrete task to create: key, department, estimate and dependencies (key, lag)."""

    key: str
    department: str
    name: str
    estimate_days: Decimal
    skills: list[str]
    room: str | None
    after: list[tuple[str, int]]
    language: str | None
    position: int


@dataclass
class Template:
    """A production template: departments, tasks, and the crew and rooms a demo is staffed with."""

    name: str
    kind: str
    title: str
    reference_runtime: int
    departments: list[str]
    tasks: list[TemplateTask]
    crew: list[dict[str, Any]] = field(default_factory=list)
    rooms: list[dict[str, Any]] = field(default_factory=list)

    def expand(self, runtime_minutes: int, languages: list[str]) -> list[TaskSpec]:
        """Concrete tasks for a runtime and dubbed languages, durations scaled to the runtime."""
        langs = [lang.upper() for lang in languages]
        ratio = runtime_minutes / self.reference_runtime
        specs: list[TaskSpec] = []
        pos = 0
        for t in self.tasks:
            for lang in langs if t.per_language else [None]:
                days = t.days * ratio if t.scale == "runtime" else t.days
                days = max(0.5, math.ceil(days * 2) / 2)  # half-day resolution, never below half a day
                after: list[tuple[str, int]] = []
                for dep, lag in t.after:
                    if "{LANG}" in dep:
                        if lang is not None:
                            after.append((dep.replace("{LANG}", lang), lag))
                        else:  # a common task waits for every language's version
                            after.extend((dep.replace("{LANG}", x), lag) for x in langs)
                    else:
                        after.append((dep, lag))
                key = t.key.replace("{LANG}", lang) if lang else t.key
                name = t.name.replace("{lang}", lang.lower()) if lang else t.name
                pos += 1
                specs.append(
                    TaskSpec(
                        key=key,
                        department=t.department,
                        name=name,
                        estimate_days=Decimal(str(days)),
                        skills=list(t.skills),
                        room=t.room,
                        after=after,
                        language=lang.lower() if lang else None,
                        position=pos,
                    )
                )
        return specs


def template_names() -> list[str]:
    """The templates shipped in the package."""
    root = resources.files("postprod") / "templates"
    return sorted(p.name.removesuffix(".yaml") for p in root.iterdir() if p.name.endswith(".yaml"))


def load_template(name: str) -> Template:
    """Read and validate a packaged template by name (e.g. "feature-film")."""
    if name not in template_names():
        raise NotFound(
            N_("unknown template %(name)r; templates: %(template_names)s"),
            params={"name": name, "template_names": ", ".join(template_names())},
        )
    res = resources.files("postprod") / "templates" / f"{name}.yaml"
    return parse_template(res.read_text(encoding="utf-8"), f"templates/{name}.yaml", name)


def parse_template(text: str, path: str, name: str) -> Template:
    """Validate a template document; errors name the file and the task."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise FileFormatError(
            path, N_("not valid YAML: %(exc)s"), line=None if line is None else line + 1, params={"exc": exc}
        ) from None
    if not isinstance(doc, dict):
        raise FileFormatError(path, "expected a mapping at the top")
    unknown = set(doc) - _TOP_FIELDS
    if unknown:
        raise FileFormatError(path, N_("unknown fields: %(unknown)s"), params={"unknown": ", ".join(sorted(unknown))})
    departments = list(doc.get("departments") or [])
    ref = doc.get("reference_runtime")
    if not isinstance(ref, int) or ref <= 0:
        raise FileFormatError(path, "reference_runtime: expected a positive number of minutes")
    tasks: list[TemplateTask] = []
    keys: set[str] = set()
    for i, raw in enumerate(doc.get("tasks") or []):
        where = f"tasks[{i}]"
        if not isinstance(raw, dict):
            raise FileFormatError(path, N_("%(where)s: expected a mapping"), params={"where": where})
        bad = set(raw) - _TASK_FIELDS
        if bad:
            raise FileFormatError(
                path,
                N_("%(where)s (%(key)s): unknown fields %(bad)s"),
                params={"where": where, "key": raw.get("key"), "bad": ", ".join(sorted(bad))},
            )
        key = raw.get("key")
        if not isinstance(key, str) or not key:
            raise FileFormatError(path, N_("%(where)s: key missing"), params={"where": where})
        if key in keys:
            raise FileFormatError(path, N_("%(where)s: duplicate key %(key)s"), params={"where": where, "key": key})
        keys.add(key)
        dept = raw.get("department")
        if dept not in departments:
            raise FileFormatError(
                path,
                N_("%(key)s: department %(dept)r is not in the template's departments"),
                params={"key": key, "dept": dept},
            )
        days = raw.get("days")
        if not isinstance(days, int | float) or days < 0:
            raise FileFormatError(path, N_("%(key)s: days must be a number >= 0"), params={"key": key})
        scale = raw.get("scale", "runtime")
        if scale not in ("runtime", "fixed"):
            raise FileFormatError(path, N_("%(key)s: scale must be 'runtime' or 'fixed'"), params={"key": key})
        room = raw.get("room")
        if room is not None and room not in {r.value for r in RoomKind}:
            raise FileFormatError(path, N_("%(key)s: unknown room kind %(room)r"), params={"key": key, "room": room})
        per_language = bool(raw.get("per_language", False))
        if per_language != ("{LANG}" in key):
            raise FileFormatError(
                path, N_("%(key)s: per-language tasks and only they have {LANG} in their key"), params={"key": key}
            )
        after: list[tuple[str, int]] = []
        for dep in raw.get("after") or []:
            if isinstance(dep, dict):
                after.append((str(dep.get("task")), int(dep.get("lag", 0))))
            else:
                after.append((str(dep), int(raw.get("lag", 0))))
        tasks.append(
            TemplateTask(
                key=key,
                department=str(dept),
                name=str(raw.get("name") or key),
                days=float(days),
                scale=scale,
                skills=tuple(str(s) for s in raw.get("skills") or []),
                room=room,
                after=tuple(after),
                per_language=per_language,
            )
        )
    for t in tasks:
        for dep, _lag in t.after:
            if dep not in keys:
                raise FileFormatError(
                    path, N_("%(key)s: depends on unknown task %(dep)s"), params={"key": t.key, "dep": dep}
                )
    for d in departments:
        if d not in STANDARD_DEPARTMENT_NAMES:
            raise FileFormatError(path, N_("unknown department %(d)r"), params={"d": d})
    return Template(
        name=name,
        kind=str(doc.get("kind", name)),
        title=str(doc.get("name", name)),
        reference_runtime=ref,
        departments=departments,
        tasks=tasks,
        crew=list(doc.get("crew") or []),
        rooms=list(doc.get("rooms") or []),
    )
