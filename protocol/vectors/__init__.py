"""Golden test vectors for the wire contract, shipped with the package.

Both sides' tests load them (and so can a third-party implementation): if either
side's encoding drifts, its tests fail against the same files.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def load(name: str) -> Any:
    """Load ``protocol/vectors/{name}.json``."""
    return json.loads(resources.files(__package__).joinpath(f"{name}.json").read_text("utf-8"))
