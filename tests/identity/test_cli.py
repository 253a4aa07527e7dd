"""``zhifang identity eval faces|voices DIR`` prints one JSON line (small real subsets)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest

from appliance.identity.cli import register


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code = args.func(args)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    return code, json.loads(lines[0])


def test_eval_faces(
    face_engine, faces_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for person in ("s2", "s7", "s14", "s21"):
        (tmp_path / person).mkdir()
        for i in range(1, 11):
            (tmp_path / person / f"{i}.pgm").symlink_to(faces_dir / person / f"{i}.pgm")
    (tmp_path / "s2" / "1.pgm.png").symlink_to(faces_dir / "s2" / "1.pgm")  # same pixels
    (tmp_path / "s2" / "notes.txt").write_text("not an image")
    code, out = run(["identity", "eval", "faces", str(tmp_path)], capsys)
    assert code == 0
    assert out["genuine_pairs"] == 4 * 45 and out["impostor_pairs"] == 6 * 100
    assert out["duplicates_skipped"] == 1 and out["no_face"] == 0
    assert out["tar_at_far_0.1pct"] is None  # 600 impostor pairs cannot resolve 0.1%
    assert out["tar_at_far_1pct"] == 1.0
    assert out["threshold"] == pytest.approx(0.38)
    for key in ("eer", "tar_at_threshold", "far_at_threshold"):
        assert key in out


def test_eval_voices(
    speaker_encoder, voices_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for spk in ("george", "jackson", "nicolas"):
        for i in range(10):
            for d in range(10):
                name = f"{d}_{spk}_{i}.wav"
                (tmp_path / name).symlink_to(voices_dir / name)
    code, out = run(["identity", "eval", "voices", str(tmp_path), "--probe-s", "3"], capsys)
    assert code == 0
    assert out["speakers"] == 3 and out["enrol_clips"] == 5
    assert out["genuine_pairs"] > 0 and out["impostor_pairs"] > 0
    assert out["eer"] is not None and out["eer"] < 0.2


def test_eval_on_a_wrong_folder_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("cv2", reason="opencv not installed")
    code, out = run(["identity", "eval", "faces", str(tmp_path / "absent")], capsys)
    assert code == 2 and "not a folder" in str(out["error"])
    code, out = run(["identity", "eval", "voices", str(tmp_path)], capsys)
    assert code == 2 and "error" in out
