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
