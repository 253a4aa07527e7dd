"""Fictitious petitioners for the journeys: valid GB 11643 ID numbers, made fresh per
journey so that journeys sharing one central never meet each other's people."""

from __future__ import annotations

import itertools
import random

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_serial = itertools.count(random.randrange(100, 800))


def id_number(birth: str = "19800101", area: str = "350121") -> str:
    """A new ID number with a correct check digit (odd sequence digit: a man's)."""
    body = f"{area}{birth}{next(_serial) % 1000:03d}"
    return body + _CHECK[sum(int(c) * w for c, w in zip(body, _WEIGHTS, strict=True)) % 11]
