"""Every refusal the services raise is a template with its values (`N_("... %(x)s")`, `params=`), so a page can
say it in its reader's language: no message of ours is built with an f-string, read statically from the source."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from postprod import errors
from postprod.errors import N_, FileFormatError, InvalidInput, PostprodError

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "postprod"


def error_classes(root: Path = PACKAGE) -> set[str]:
    """The names of PostprodError and its subclasses: those of postprod.errors and those defined elsewhere."""
    names = {n for n, v in vars(errors).items() if isinstance(v, type) and issubclass(v, PostprodError)}
    trees = [ast.parse(p.read_text(encoding="utf-8")) for p in sorted(root.rglob("*.py"))]
    grew = True
    while grew:
        grew = False
        for tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in names:
                    if any(isinstance(b, ast.Name) and b.id in names for b in node.bases):
                        names.add(node.name)
                        grew = True
    return names


def formatted_raises(source: str, classes: set[str], where: str = "") -> list[str]:
    """`raise X(f"...")` of an error class (the message: the first argument, a FileFormatError's second)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
            continue
        func = node.exc.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name not in classes:
            continue
        at = 1 if name == "FileFormatError" else 0
        args = node.exc.args
        if len(args) > at and isinstance(args[at], ast.JoinedStr):
            found.append(f"{where}:{node.lineno}: {name}({ast.unparse(args[at])[:80]})")
    return found


def test_no_error_message_is_an_f_string() -> None:
    classes = error_classes()
    assert {"InvalidInput", "FileFormatError", "Conflict", "StaleWrite", "Forbidden", "BadRows"} <= classes
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        found += formatted_raises(path.read_text(encoding="utf-8"), classes, str(path.relative_to(PACKAGE)))
    assert found == [], "\n".join(found)


@pytest.mark.parametrize(
    "source",
    [
        'raise InvalidInput(f"invalid rate {x!r}", field="fps")\n',
        'raise errors.NotFound(\n    f"no task {key}"\n)\n',
        'raise FileFormatError(path, f"bad line {n}", line=n)\n',
        'def f():\n    if x:\n        raise Forbidden(f"{who} may not")\n',
    ],
)
def test_the_check_sees_an_f_string_message(source: str) -> None:
    assert len(formatted_raises(source, error_classes())) == 1


def test_templates_are_not_f_strings() -> None:
    source = 'raise InvalidInput(N_("invalid rate %(x)r"), params={"x": x})\nraise ValueError(f"{x}")\n'
    assert formatted_raises(source, error_classes()) == []


def test_a_message_wrapping_another_says_both_in_the_reader_language() -> None:
    inner = InvalidInput(N_("invalid timecode %(tc)r: expected HH:MM:SS:FF"), params={"tc": "1:2"})
    outer = InvalidInput(N_("production.record_start_tc: %(exc)s"), params={"exc": inner})
    assert str(outer) == "production.record_start_tc: invalid timecode '1:2': expected HH:MM:SS:FF"
    french = {
        "invalid timecode %(tc)r: expected HH:MM:SS:FF": "timecode %(tc)r invalide : HH:MM:SS:II attendu",
        "production.record_start_tc: %(exc)s": "production.record_start_tc : %(exc)s",
    }
    said = outer.said(lambda t: french.get(t, t))
    assert said == "production.record_start_tc : timecode '1:2' invalide : HH:MM:SS:II attendu"
    bad = FileFormatError("a.toml", N_("invalid TOML: %(exc)s"), params={"exc": inner}, line=3)
    assert (
        bad.said(lambda t: french.get(t, t)) == "a.toml:3: invalid TOML: timecode '1:2' invalide : HH:MM:SS:II attendu"
    )


def test_a_kept_message_wrapping_another_is_said_later_in_the_reader_language() -> None:
    from postprod.errors import said_from

    inner = InvalidInput(N_("invalid frame rate %(value)r"), params={"value": "fast"})
    kept = FileFormatError("cut.edl", N_("%(where)s: %(exc)s"), params={"where": "rate", "exc": inner}).record()
    french = {"invalid frame rate %(value)r": "cadence %(value)r invalide"}
    assert said_from(kept, lambda t: french.get(t, t)) == "cut.edl: rate: cadence 'fast' invalide"
    assert said_from(kept, lambda t: t) == kept["message"] == "cut.edl: rate: invalid frame rate 'fast'"
