"""``zhifang central command-key show | stage | activate``: central's command key.

Central signs every command to the boxes with one Ed25519 key (``control.py``); each
box pins its public key from the provisioning bundle and refuses commands signed by any
other. Rotation never leaves a box unable to take a command:

1. ``stage``: make the next key beside the current one (``command.next.key``) and print
   its public key. Central still signs with the current key.
2. Pin it at every box: ``zhifang provision pin-central-key NEXT_KEY``, then make and
   push the bundles again. Each box now accepts both keys.
3. ``activate``: the next key becomes the current one; the old one is kept as
   ``command.retired-<time>.key``. Restart central's serve and ingest workers.
4. Unpin the old key (``zhifang provision pin-central-key --remove OLD_KEY``) and push
   the bundles once more.

docs/operate.md walks through it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from central.devices.control import command_key_path
from central.settings import settings_or_exit as _settings
from protocol import keys


def register(sub: Any) -> None:
    p = sub.add_parser("command-key", help="central's key that signs commands to the boxes")
    ksub = p.add_subparsers(dest="command_key_command", required=True)
    ksub.add_parser("show", help="print the public key (made on first use)").set_defaults(
        func=_show
    )
    ksub.add_parser("stage", help="make the next key (rotation step 1)").set_defaults(func=_stage)
    ksub.add_parser("activate", help="sign with the staged key from now on (step 3)").set_defaults(
        func=_activate
    )


def _paths() -> tuple[Path, Path]:

    current = command_key_path(_settings())
    return current, current.with_name(current.stem + ".next" + current.suffix)


def _show(_args: argparse.Namespace) -> int:
    current, staged = _paths()
    key = keys.load_or_create_private_key(current)
    print(f"current {keys.key_id(key)} ({current})", file=sys.stderr)
    if staged.exists():
        nxt = keys.load_or_create_private_key(staged)
        print(f"staged  {keys.key_id(nxt)} {keys.public_key_b64(nxt)}", file=sys.stderr)
    print(keys.public_key_b64(key))
    return 0


def _stage(_args: argparse.Namespace) -> int:
    current, staged = _paths()
    keys.load_or_create_private_key(current)  # there is a current key to rotate from
    existed = staged.exists()
    nxt = keys.load_or_create_private_key(staged)
    what = "already staged" if existed else "staged"
    print(f"{what}: {keys.key_id(nxt)} ({staged}); pin it at every box, then activate",
          file=sys.stderr)  # fmt: skip
    print(keys.public_key_b64(nxt))
    return 0


def _activate(_args: argparse.Namespace) -> int:
    current, staged = _paths()
    if not staged.exists():
        print(f"no staged key at {staged}: run `zhifang central command-key stage` first",
              file=sys.stderr)  # fmt: skip
        return 1
    nxt = keys.load_or_create_private_key(staged)  # checks mode and length
    if current.exists():
        old = keys.load_or_create_private_key(current)
        retired = current.with_name(
            f"{current.stem}.retired-{time.strftime('%Y%m%dT%H%M%S')}{current.suffix}"
        )
        current.rename(retired)
        print(f"retired {keys.key_id(old)} → {retired}", file=sys.stderr)
    staged.rename(current)
    print(
        f"central now signs commands with {keys.key_id(nxt)}; restart `zhifang central serve` "
        "and every ingest worker, then unpin the old key at the boxes",
        file=sys.stderr,
    )
    print(keys.public_key_b64(nxt))
    return 0
