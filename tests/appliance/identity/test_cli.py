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


def _box_toml(tmp_path: Path, *, key: bool = True) -> Path:
    lines = ['site = "minhou"', 'device = "desk-1"', f'data_dir = "{tmp_path / "box"}"']
    if key:
        k = tmp_path / "template.key"
        k.write_bytes(b"t" * 32)
        k.chmod(0o600)
        lines.append('template_key_path = "template.key"')
    lines += ["[officer]", 'default_id = "officer-3"']
    f = tmp_path / "box.toml"
    f.write_text("\n".join(lines) + "\n", "utf-8")
    return f


def test_enrol_officer_from_photos_after_their_consent(
    face_engine, faces_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from appliance.config import load_config
    from appliance.identity.templates import TemplateStore
    from appliance.officers import badge_person_id
    from appliance.outbox import Outbox
    from protocol import keys

    box = _box_toml(tmp_path)
    photos = [str(faces_dir / "s3" / f"{i}.pgm") for i in (1, 6, 9)]
    base = ["enrol-officer", "--config", str(box), "--images", *photos]
    code, out = run(["identity", *base, "--officer", "officer-3"], capsys)
    assert code == 2 and "consent" in out["error"]  # not without the officer's own yes
    code, out = run(["identity", *base, "--officer", "officer-9"], capsys)
    assert code == 2 and "officer list" in out["error"]
    code, out = run(["identity", *base, "--officer", "officer-3", "--officer-consents"], capsys)
    assert code == 0 and out == {
        "enrolled": "officer:officer-3",
        "modality": "face",
        "from": "3 photos",
    }

    cfg = load_config(box)
    store = TemplateStore(cfg.templates_file, key=b"t" * 32, clock=lambda: 1)
    assert store.get(badge_person_id("officer-3"), "face") is not None
    outbox = Outbox(
        cfg.outbox_file, device="desk-1", key=keys.load_or_create_private_key(cfg.key_file)
    )
    assert [e.type for e in outbox.all_events()] == ["consent.recorded"]  # waits for the box


def test_enrol_officer_needs_the_template_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    box = _box_toml(tmp_path, key=False)
    argv = ["identity", "enrol-officer", "--config", str(box), "--officer", "officer-3"]
    code, out = run([*argv, "--officer-consents", "--images", "x.png"], capsys)
    assert code == 2 and "template_key_path" in out["error"]
