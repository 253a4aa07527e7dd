"""The device key: made on first start, mode 0600, never silently replaced."""

from __future__ import annotations

import os
import stat

import pytest

from appliance.box import Box
from appliance.transport import MemoryTransport
from protocol import keys


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_first_start_makes_a_0600_key_and_later_starts_load_the_same(tmp_path):
    path = tmp_path / "state" / "device.key"
    first = keys.load_or_create_private_key(path)
    assert mode(path) == 0o600
    assert path.stat().st_size == 32
    again = keys.load_or_create_private_key(path)
    assert keys.public_key_b64(again) == keys.public_key_b64(first)


def test_the_key_is_0600_even_with_a_permissive_umask(tmp_path):
    old = os.umask(0)
    try:
        keys.load_or_create_private_key(tmp_path / "device.key")
    finally:
        os.umask(old)
    assert mode(tmp_path / "device.key") == 0o600


@pytest.mark.parametrize("bad_mode", [0o644, 0o640, 0o604])
def test_a_key_others_can_read_is_refused(tmp_path, bad_mode):
    path = tmp_path / "device.key"
    keys.load_or_create_private_key(path)
    path.chmod(bad_mode)
    with pytest.raises(PermissionError, match="readable by others"):
        keys.load_or_create_private_key(path)


def test_power_cut_before_the_rename_leaves_no_key_and_the_next_start_makes_one(tmp_path):
    # the crash happened after the temp file was written, before os.replace
    path = tmp_path / "device.key"
    (tmp_path / "device.key.tmp").write_bytes(b"\x01" * 10)
    key = keys.load_or_create_private_key(path)
    assert not (tmp_path / "device.key.tmp").exists()
    assert mode(path) == 0o600
    assert keys.private_raw(key) != b"\x01" * 10


def test_a_damaged_key_is_reported_and_left_alone(tmp_path):
    path = tmp_path / "device.key"
    path.write_bytes(b"\x00" * 7)
    path.chmod(0o600)
    with pytest.raises(ValueError, match="not a 32-byte"):
        keys.load_or_create_private_key(path)
    assert path.read_bytes() == b"\x00" * 7  # not replaced: the registered key may be recoverable


def test_the_box_makes_its_key_on_first_start(box_config):
    box = Box(box_config, transport=MemoryTransport())
    try:
        assert mode(box_config.key_file) == 0o600
        assert box.public_key_b64 == keys.public_key_b64(
            keys.load_or_create_private_key(box_config.key_file)
        )
    finally:
        box.stop()
