#!/usr/bin/env python3
"""The shape of central, measured from its source (issue 14's numbers, before and after).

Prints: central's sub-packages that sit in an import cycle (imports at any depth, the
ones inside functions included: a cycle hidden in a function is still a cycle); the
project imports written inside functions; SQL and commits inside route handlers; the
longest functions. ``--json`` prints the same as JSON.

    .venv/bin/python scripts/layers.py
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CENTRAL = ROOT / "central"
SQL_CALLS = {"execute", "scalar", "scalars", "query", "get", "get_one", "merge"}
ROUTE_DECOS = {"get", "post", "put", "patch", "delete", "api_route"}


def subpackage(module: str) -> str | None:
    """``central.dossier.models`` → ``dossier``; a top-level module is its own name."""
    parts = module.split(".")
    if parts[0] != "central" or len(parts) < 2:
        return None
    return parts[1]


def _module_of(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(node: ast.ImportFrom, module: str, is_pkg: bool) -> list[str]:
    if node.level == 0:
        base = node.module or ""
    else:
        parts = module.split(".")
        keep = len(parts) - node.level + (1 if is_pkg else 0)
        base = ".".join(parts[:keep] + ([node.module] if node.module else []))
    return [base] + [f"{base}.{a.name}" for a in node.names]


def _type_checking(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
        isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING"
    )


class Facts:
    def __init__(self) -> None:
        self.edges: dict[str, set[str]] = defaultdict(set)
        self.file_edges: dict[str, set[str]] = defaultdict(set)
        self.inner_imports: list[str] = []
        self.handler_sql: dict[str, int] = defaultdict(int)
        self.handler_commits: dict[str, int] = defaultdict(int)
        self.functions: list[tuple[int, str]] = []
        self.modules: set[str] = set()


def _scan(path: Path, facts: Facts) -> None:
    module = _module_of(path)
    is_pkg = path.name == "__init__.py"
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    src = subpackage(module)
    facts.modules.add(module)

    def visit(node: ast.AST, in_func: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking(child):
                continue  # annotations only: not an import at run time
            if isinstance(child, ast.Import | ast.ImportFrom):
                if isinstance(child, ast.Import):
                    targets = [a.name for a in child.names]
                else:
                    targets = _resolve(child, module, is_pkg)
                ours = [t for t in targets if t.split(".")[0] == "central"]
                for t in ours:
                    facts.file_edges[module].add(t)
                    dst = subpackage(t)
                    if src and dst and dst != src:
                        facts.edges[src].add(dst)
                if ours and in_func:
                    facts.inner_imports.append(f"{path.relative_to(ROOT)}:{child.lineno}")
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                end = child.end_lineno or child.lineno
                name = f"{path.relative_to(ROOT)}:{child.lineno} {child.name}"
                facts.functions.append((end - child.lineno + 1, name))
                if _is_route(child):
                    _count_handler(child, str(path.relative_to(ROOT)), facts)
                visit(child, True)
            else:
                visit(child, in_func)

    visit(tree, False)


def _is_route(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for d in fn.decorator_list:
        f = d.func if isinstance(d, ast.Call) else d
        if isinstance(f, ast.Attribute) and f.attr in ROUTE_DECOS:
            return True
    return False


def _count_handler(fn: ast.AST, where: str, facts: Facts) -> None:
    for n in ast.walk(fn):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute):
            owner = n.func.value
            if isinstance(owner, ast.Name) and owner.id in {"session", "s", "db"}:
                if n.func.attr in SQL_CALLS:
                    facts.handler_sql[where] += 1
                elif n.func.attr == "commit":
                    facts.handler_commits[where] += 1


def _sccs(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components of more than one node."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]
    nodes = set(graph) | {d for ds in graph.values() for d in ds}
    sys.setrecursionlimit(10_000)

    def strong(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(nodes):
        if v not in index:
            strong(v)
    return out


def measure() -> dict[str, object]:
    facts = Facts()
    for path in sorted(CENTRAL.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        _scan(path, facts)
    packages = sorted({m.split(".")[1] for m in facts.modules if m.count(".") >= 1})
    cycles = _sccs(facts.edges)
    mutual = sorted(
        f"{a} ↔ {b}"
        for a, bs in list(facts.edges.items())
        for b in bs
        if a < b and a in facts.edges.get(b, set())
    )
    # file-level cycles between modules (central.x.y resolved to a known module)
    fgraph: dict[str, set[str]] = defaultdict(set)
    for a, ts in facts.file_edges.items():
        for t in ts:
            while t and t not in facts.modules:
                t = t.rpartition(".")[0]
            if t and t != a:
                fgraph[a].add(t)
    file_cycles = _sccs(fgraph)
    longest = sorted(facts.functions, reverse=True)[:10]
    return {
        "subpackages": len(packages),
        "subpackages_in_cycles": sum(len(c) for c in cycles),
        "cycles": cycles,
        "mutual_pairs": mutual,
        "file_cycles": file_cycles,
        "function_level_imports": len(facts.inner_imports),
        "files_with_function_level_imports": len({i.split(":")[0] for i in facts.inner_imports}),
        "sql_calls_in_handlers": sum(facts.handler_sql.values()),
        "sql_by_file": dict(sorted(facts.handler_sql.items(), key=lambda kv: -kv[1])[:10]),
        "commits_in_handlers": sum(facts.handler_commits.values()),
        "longest_functions": [f"{n} lines  {name}" for n, name in longest],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    m = measure()
    if args.json:
        print(json.dumps(m, ensure_ascii=False, indent=2))
        return 0
    print(f"sub-packages: {m['subpackages']}, in import cycles: {m['subpackages_in_cycles']}")
    for c in m["cycles"]:  # type: ignore[attr-defined]
        print("  cycle:", " ".join(c))
    print(f"pairs importing each other: {len(m['mutual_pairs'])}")  # type: ignore[arg-type]
    for p in m["mutual_pairs"]:  # type: ignore[attr-defined]
        print("  ", p)
    print(f"module-level cycles (files): {len(m['file_cycles'])}")  # type: ignore[arg-type]
    for c in m["file_cycles"]:  # type: ignore[attr-defined]
        print("  ", " ".join(c))
    print(
        f"project imports inside functions: {m['function_level_imports']} "
        f"in {m['files_with_function_level_imports']} files"
    )
    print(f"SQL calls in route handlers: {m['sql_calls_in_handlers']}")
    for f, n in m["sql_by_file"].items():  # type: ignore[attr-defined]
        print(f"   {n:3d} {f}")
    print(f"commits in route handlers: {m['commits_in_handlers']}")
    print("longest functions:")
    for line in m["longest_functions"]:  # type: ignore[attr-defined]
        print("  ", line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
