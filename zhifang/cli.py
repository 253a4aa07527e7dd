"""``zhifang`` console script.

Each owning package exposes ``register(subparsers)`` in its ``cli`` module, adding
its parsers with ``set_defaults(func=...)``; ``func(args) -> int`` is the exit code.
Those modules import heavy dependencies inside their functions, so ``zhifang --help``
stays fast and needs no hardware.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# modules whose register(sub) adds one or more command groups
COMMAND_GROUPS = [
    "central.cli",
    "central.evidence.cli",
    "central.legal.cli",
    "central.hearings.cli",
    "central.imports.cli",
    "central.awareness.cli",
    "appliance.cli",
    "appliance.identity.cli",
    "provisioning.cli",
    "zhifang.demo",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="zhifang", description="智访 Zhifang")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_GROUPS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name != name:
                raise
            continue  # group not built yet
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
