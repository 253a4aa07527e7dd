"""Reports, rather than hides, a missing numpy (the identity tests need it)."""

from __future__ import annotations

import importlib.util

import pytest


def test_numpy_present_for_identity_tests() -> None:
    if importlib.util.find_spec("numpy") is None:
        pytest.skip(
            "numpy not installed: tests/appliance/identity not collected (pip install numpy)"
        )
