"""DESIGN.md's import rules, checked on the source with the ast module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = {"protocol", "firmware_glue", "appliance", "central", "models", "provisioning", "zhifang"}
ALLOWED = {
    "protocol": {"protocol"},
    "firmware_glue": {"firmware_glue", "protocol"},
    "appliance": {"appliance", "protocol", "firmware_glue", "models"},
    "central": {"central", "protocol"},
    "models": {"models"},
    "provisioning": {"provisioning", "protocol"},
}
THIRD_PARTY_IN_PROTOCOL = {"pydantic", "cryptography"}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_what_design_allows(package):
    bad = []
    for path in sorted((ROOT / package).rglob("*.py")):
        ours = imported_roots(path) & OURS
        for name in ours - ALLOWED[package]:
            bad.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not bad, "import rules of DESIGN.md broken:\n" + "\n".join(bad)


def test_protocol_needs_only_pydantic_and_cryptography():
    import sys

    stdlib = set(sys.stdlib_module_names)
    bad = []
    for path in sorted((ROOT / "protocol").rglob("*.py")):
        for name in imported_roots(path) - stdlib - OURS - THIRD_PARTY_IN_PROTOCOL:
            bad.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not bad, "\n".join(bad)


# --- central's layers (docs/architecture.md) ----------------------------------------
# A module's layer is its package's. The web edge is two packages of its own,
# central/api (JSON routers) and central/console (pages); the runners (CLI, background
# loops) sit on top, inside their packages. Imports run downward only, and central's
# packages import each other without a loop.
BASE, RECORDS, ACROSS, WEB, RUN = range(5)
LAYER_NAMES = ("base", "records", "across", "web", "run")
PACKAGE_LAYER = {
    **dict.fromkeys(
        ("db", "database", "settings", "labels", "publisher", "broker", "bm25", "params", "audit",
         "accounts", "devices", "access", "deps", "__init__"),
        BASE,
    ),
    **dict.fromkeys(
        ("dossier", "workflow", "evidence", "identity", "legal", "hearings"), RECORDS
    ),
    **dict.fromkeys(
        ("casefile", "alerts", "awareness", "similar", "plans", "sharing", "ingest", "intake",
         "imports", "progress", "admin", "documents"),
        ACROSS,
    ),
    **dict.fromkeys(("api", "console", "openapi"), WEB),
    **dict.fromkeys(("app", "cli"), RUN),
}  # fmt: skip
RUN_MODULES = {"cli", "scanner", "scheduler", "runner", "__main__"}


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> int:
    parts = module.split(".")
    package = parts[1] if len(parts) > 1 else "__init__"
    last = parts[-1]
    if package in ("app", "cli") or (len(parts) > 2 and last in RUN_MODULES):
        return RUN
    return PACKAGE_LAYER[package]


def central_imports() -> list[tuple[str, str, int, bool]]:
    """(module, imported module, line, inside a function) for every import of central
    by central, TYPE_CHECKING blocks left out (annotations do not run)."""
    out: list[tuple[str, str, int, bool]] = []
    for path in sorted((ROOT / "central").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        module = _module(path)
        is_pkg = path.name == "__init__.py"
        tree = ast.parse(path.read_text("utf-8"), filename=str(path))

        def visit(
            node: ast.AST, in_func: bool, module: str = module, is_pkg: bool = is_pkg
        ) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                    continue
                if isinstance(child, ast.Import):
                    for a in child.names:
                        if a.name.startswith("central."):
                            out.append((module, a.name, child.lineno, in_func))
                elif isinstance(child, ast.ImportFrom):
                    if child.level:
                        base = module.split(".")
                        base = base[: len(base) - child.level + (1 if is_pkg else 0)]
                        target = ".".join(base + ([child.module] if child.module else []))
                    else:
                        target = child.module or ""
                    if target.startswith("central"):
                        # "from central.x import y": y may be a module of x
                        for a in child.names:
                            full = f"{target}.{a.name}"
                            exists = (ROOT / (full.replace(".", "/") + ".py")).exists() or (
                                ROOT / full.replace(".", "/")
                            ).is_dir()
                            out.append((module, full if exists else target, child.lineno, in_func))
                fn = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
                visit(child, in_func or fn)

        visit(tree, False)
    return out


def test_central_imports_run_downward_only():
    bad = sorted(
        {
            f"{m} ({LAYER_NAMES[layer_of(m)]}) imports {t} ({LAYER_NAMES[layer_of(t)]}), line {n}"
            for m, t, n, _ in central_imports()
            if t != "central" and layer_of(t) > layer_of(m)
        }
    )
    assert not bad, "upward imports (docs/architecture.md):\n" + "\n".join(bad)


def _optional(tree: ast.AST) -> set[int]:
    """Lines of imports inside a ``try`` that catches ImportError: an optional dependency."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
            h.type is not None and "ImportError" in ast.unparse(h.type) for h in node.handlers
        ):
            for stmt in node.body:
                for sub in ast.walk(stmt):
                    if isinstance(sub, ast.Import | ast.ImportFrom):
                        lines.add(sub.lineno)
    return lines


def test_no_project_import_hides_inside_a_function():
    """Imports go at the top of the module, where a reader sees what it needs; the one
    exception is an optional dependency, imported in a ``try`` that handles its absence
    (hearings' solver needs scipy)."""
    optional: dict[str, set[int]] = {}
    bad = []
    for m, t, n, inside in central_imports():
        if not inside:
            continue
        path = ROOT / (m.replace(".", "/") + ".py")
        if not path.exists():
            path = ROOT / m.replace(".", "/") / "__init__.py"
        if m not in optional:
            optional[m] = _optional(ast.parse(path.read_text("utf-8")))
        if n not in optional[m]:
            bad.append(f"{m}:{n} imports {t} inside a function")
    assert not bad, "move them to the top of the module:\n" + "\n".join(sorted(set(bad)))


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp: list[str] = []
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            strong(v)
    return out


def test_centrals_packages_import_each_other_without_a_loop():
    """Whole packages, every module counted (routers, pages and runners included, imports
    inside functions too): no cycle, so each package can be read after those it uses."""
    edges: dict[str, set[str]] = {}
    for m, t, _, _ in central_imports():
        if t.count(".") < 1:
            continue
        a, b = m.split(".")[1], t.split(".")[1]
        if a != b:
            edges.setdefault(a, set()).add(b)
    assert _cycles(edges) == []


EDGE = {"api", "console", "app"}  # where routers and pages may be made


def test_routers_and_pages_live_in_api_and_console():
    """A package outside the web edge makes no router and renders no page."""
    bad = []
    for path in sorted((ROOT / "central").rglob("*.py")):
        rel = path.relative_to(ROOT / "central")
        if rel.parts[0].removesuffix(".py") in EDGE or "migrations" in rel.parts:
            continue
        text = path.read_text("utf-8")
        for marker in ("APIRouter(", "Jinja2Templates(", "TemplateResponse("):
            if marker in text:
                bad.append(f"central/{rel} uses {marker[:-1]}")
    assert not bad, "put it in central/api or central/console:\n" + "\n".join(bad)


def test_a_new_package_has_a_layer():
    packages = {p.stem for p in (ROOT / "central").iterdir() if p.suffix == ".py"} | {
        p.name
        for p in (ROOT / "central").iterdir()
        if p.is_dir() and (p / "__init__.py").exists() and p.name != "migrations"
    }
    assert packages - set(PACKAGE_LAYER) == set(), "add it to PACKAGE_LAYER and the docs"
