"""One root error per package, in the way of gpiozero's ``exc.py``: every exception a
package of central defines derives from a root in its own ``errors.py`` (whose docstring
draws the tree), so a caller can catch one package's errors and nothing else."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

CENTRAL = Path(__file__).resolve().parents[2] / "central"
PACKAGES = sorted(
    p.name for p in CENTRAL.iterdir() if (p / "__init__.py").exists() and p.name != "migrations"
)


def _defined(module: str) -> list[type[BaseException]]:
    mod = importlib.import_module(module)
    return [
        c for c in vars(mod).values()
        if inspect.isclass(c) and issubclass(c, BaseException) and c.__module__ == module
    ]  # fmt: skip


def test_every_exception_of_a_package_derives_from_its_root() -> None:
    strays: list[str] = []
    for pkg in PACKAGES:
        names = [m.name for m in pkgutil.iter_modules([str(CENTRAL / pkg)])]
        roots = tuple(_defined(f"central.{pkg}.errors")) if "errors" in names else ()
        for name in names:
            for kind in _defined(f"central.{pkg}.{name}"):
                if not (roots and issubclass(kind, roots)):
                    strays.append(f"central.{pkg}.{name}.{kind.__name__}")
    assert strays == [], "each package's errors derive from the root in its errors.py"


def test_each_root_is_drawn_in_its_docstring() -> None:
    for pkg in PACKAGES:
        try:
            errors = importlib.import_module(f"central.{pkg}.errors")
        except ModuleNotFoundError:
            continue
        for root in _defined(errors.__name__):
            if all(b.__module__ == "builtins" for b in root.__bases__):
                assert root.__name__ in (errors.__doc__ or ""), f"{pkg}: {root.__name__}"
