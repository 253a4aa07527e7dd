"""The box turns biometrics on only with the site's template key, and then serves
central's ``biometric_delete`` command."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from appliance.box import Box
from appliance.config import parse_config
from appliance.transport import MemoryTransport

from .conftest import unique


def config(tmp_path: Path, **extra: object):
    return parse_config(
        {"site": unique("site"), "device": unique("box"), "data_dir": "data", **extra},
        base_dir=tmp_path,
    )


def test_without_a_template_key_the_desk_has_no_biometrics(tmp_path: Path) -> None:
    box = Box(config(tmp_path), transport=MemoryTransport())
    assert box.identity is None
    box.stop()


def test_with_the_site_key_the_desk_serves_biometric_delete(tmp_path: Path) -> None:
    key = tmp_path / "template.key"
    key.write_bytes(os.urandom(32))
    key.chmod(0o600)
    box = Box(config(tmp_path, template_key_path="template.key"), transport=MemoryTransport())
    try:
        assert box.identity is not None
        assert "biometric_delete" in box.forwarder._handlers
    finally:
        box.stop()


def test_a_template_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    key = tmp_path / "template.key"
    key.write_bytes(os.urandom(32))
    key.chmod(0o644)
    with pytest.raises(PermissionError, match="0600"):
        Box(config(tmp_path, template_key_path="template.key"), transport=MemoryTransport())
