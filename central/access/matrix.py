"""The access matrix as a reviewer reads it, made from the routes' own declarations
(``zhifang central access-matrix``; docs/security.md holds a copy a test keeps fresh).
"""

from __future__ import annotations

from collections.abc import Iterable

from .gates import ROLES, Gate, Kind
from .routes import Declared

COLUMNS = ("anonymous", *ROLES, "box", "organ", "provisioner")


def admits(gate: Gate, column: str) -> bool:
    if Kind.public in gate.kinds:
        return True
    if column in ROLES:
        return Kind.staff in gate.kinds and column in gate.roles
    return column != "anonymous" and Kind(column) in gate.kinds


def group(path: str) -> str:
    """The route group a path belongs to: its first two segments (``/api/matters``)."""
    parts = [p for p in path.split("/") if p and not p.startswith("{")]
    return "/" + "/".join(parts[:2]) if parts else "/"


def rows(table: Iterable[Declared]) -> list[tuple[str, str, Gate]]:
    return sorted(((" ".join(r.methods), r.path, r.gate) for r in table), key=lambda x: x[1])


def markdown(table: list[Declared]) -> str:
    head = ["| method | path | " + " | ".join(COLUMNS) + " | site rule |"]
    head.append("|" + "---|" * (len(COLUMNS) + 3))
    lines = []
    for methods, path, gate in rows(table):
        marks = " | ".join("✓" if admits(gate, c) else "·" for c in COLUMNS)
        lines.append(f"| {methods} | `{path}` | {marks} | {gate.note} |")
    public = sum(1 for r in table if Kind.public in r.gate.kinds)
    summary = (
        f"{len(table)} routes; {public} public, {len(table) - public} for named callers only. "
        "✓ = admitted by the route's gate (then the site rule applies), · = refused "
        "(401 without credentials, 403 with the wrong ones)."
    )
    return "\n".join([summary, "", *head, *lines])
