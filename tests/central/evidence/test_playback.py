"""Playable copies of video segments: H.264 remuxed into MP4 (never re-encoded), Y4M
encoded into WebM, cached by the original's hash, bounded, and played only by staff
with every playback audited. The stored segment is evidence and is never touched."""

from __future__ import annotations

import hashlib
import io
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy import select

from appliance.recording.recorder import Recorder, write_y4m
from appliance.recording.spool import Spool
from appliance.recording.upload import HttpEvidenceClient, Uploader
from central.audit.models import AuditLog
from central.evidence import playback
from central.evidence.playback import (
    MalformedSegment,
    PlaybackCache,
    PlaybackUnavailable,
    SegmentTooLarge,
)
from firmware_glue.camera import FakeCamera, synthetic_stream
from firmware_glue.media import SyntheticAudioSource, SyntheticVideoSource
from tests.auth import box_client

from .test_central_log import RID, box_http, make_app, staff_http

av = pytest.importorskip("av")
np = pytest.importorskip("numpy")


def take(src: Any, n: int) -> list[Any]:
    return [x for x in (src.read() for _ in range(n)) if x is not None]


def h264_annexb(frames: int = 30, *, fps: int = 25, bframes: int = 0) -> bytes:
    """An Annex-B elementary stream like the Pi encoder's: keyframe first, SPS/PPS inline."""
    buf = io.BytesIO()
    with av.open(buf, "w", format="h264") as out:
        s = out.add_stream("libx264", rate=fps, options={"bf": str(bframes), "g": "10"})
        s.width, s.height, s.pix_fmt = 160, 120, "yuv420p"
        for i in range(frames):
            img = np.zeros((120, 160, 3), np.uint8)
            img[:, (i * 5) % 160 :] = (200, 40, 40)  # a moving edge
            out.mux(s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")))
        out.mux(s.encode(None))
    return buf.getvalue()


def y4m(tmp_path: Path, frames: int = 20, fps: int = 10) -> Path:
    src = SyntheticVideoSource(fps=fps)
    p = tmp_path / "seg.y4m"
    with p.open("wb") as f:
        write_y4m(f, take(src, frames), fps)  # type: ignore[arg-type]  # a file is a sink
    return p


def stored(tmp_path: Path, name: str, data: bytes) -> tuple[Path, str]:
    p = tmp_path / name
    p.write_bytes(data)
    p.chmod(0o444)  # as the blob store keeps it
    return p, hashlib.sha256(data).hexdigest()


def decoded(path: Path, fmt: str | None = None) -> list[bytes]:
    with av.open(str(path), format=fmt) as c:
        return [bytes(f.planes[0]) for f in c.decode(c.streams.video[0])]


def test_h264_is_remuxed_into_mp4_with_the_recorded_pictures_and_duration(tmp_path):
    src, sha = stored(tmp_path, "seg.h264", h264_annexb(30))
    cache = PlaybackCache(tmp_path / "playable")
    copy = cache.playable(src, sha256=sha, container="h264", duration_ms=1200)
    assert (copy.media_type, copy.path.suffix) == ("video/mp4", ".mp4")
    assert "播放副本" in copy.filename
    with av.open(str(copy.path)) as c:
        v = c.streams.video[0]
        assert c.format.name.startswith("mov") and v.codec_context.name == "h264"
        assert v.frames == 30 and v.duration is not None
        assert float(v.duration * v.time_base) == pytest.approx(1.2)
        assert f"sha256={sha}" in c.metadata["comment"] and "not evidence" in c.metadata["comment"]
    # not re-encoded: the copy decodes to exactly the recorded pictures
    assert decoded(copy.path) == decoded(src, "h264")
    assert hashlib.sha256(src.read_bytes()).hexdigest() == sha  # the original is untouched
    assert list((tmp_path / "playable").rglob("*.tmp")) == []


def test_the_box_cameras_segments_are_remuxed_too(tmp_path):
    raw = tmp_path / "camera.h264"
    raw.write_bytes(h264_annexb(40))
    spool = Spool(tmp_path / "spool", limit_bytes=10**8)
    rec = Recorder(spool, key=Ed25519PrivateKey.generate(), device="desk-01", clock=lambda: 0)
    cam = FakeCamera.from_h264(raw, fps=25)
    rec.start(RID)
    rec.write_segment("video", "h264", lambda o: cam.record(o, 0.8), start_ms=0, end_ms=800)
    rec.stop()
    [sm] = spool.manifests(RID)
    copy = PlaybackCache(tmp_path / "playable").playable(
        spool.media_path(sm), sha256=sm.manifest.sha256, container="h264", duration_ms=800
    )
    with av.open(str(copy.path)) as c:
        assert c.streams.video[0].frames == len(decoded(spool.media_path(sm), "h264")) > 0


def test_y4m_is_encoded_into_webm_vp8_at_its_frame_rate(tmp_path):
    src = y4m(tmp_path, frames=20, fps=10)
    sha = hashlib.sha256(src.read_bytes()).hexdigest()
    copy = PlaybackCache(tmp_path / "playable").playable(src, sha256=sha, container="y4m")
    assert (copy.media_type, copy.path.suffix) == ("video/webm", ".webm")
    with av.open(str(copy.path)) as c:
        v = c.streams.video[0]
        assert v.codec_context.name == "vp8" and v.average_rate == Fraction(10)
        assert (v.codec_context.width, v.codec_context.height) == (160, 120)
        assert c.duration is not None and c.duration / 1e6 == pytest.approx(2.0, abs=0.11)
        assert f"sha256={sha}" in c.metadata["COMMENT"]
    assert len(decoded(copy.path)) == 20


def test_a_cached_copy_is_served_without_converting_again(tmp_path, monkeypatch):
    src, sha = stored(tmp_path, "seg.h264", h264_annexb(10))
    cache = PlaybackCache(tmp_path / "playable")
    first = cache.playable(src, sha256=sha, container="h264", duration_ms=400)

    def boom(*a, **k):
        raise AssertionError("converted twice")

    monkeypatch.setattr(playback, "remux_h264", boom)
    again = PlaybackCache(tmp_path / "playable").playable(
        src, sha256=sha, container="h264", duration_ms=400
    )  # a restarted server finds it too
    assert again == first


def test_a_segment_over_the_limit_is_refused_with_the_reason(tmp_path):
    src = y4m(tmp_path, frames=5)
    cache = PlaybackCache(tmp_path / "playable", max_bytes=10_000)
    with pytest.raises(SegmentTooLarge, match="超过在线播放上限") as e:
        cache.playable(src, sha256="a" * 64, container="y4m")
    assert (e.value.status, e.value.reason) == (413, "too_large")
    assert not (tmp_path / "playable").exists()
    assert "超过在线播放上限" in (playback.offer("y4m", 20_000, max_bytes=10_000) or "")


@pytest.mark.parametrize(
    ("container", "data"),
    [
        ("h264", b"\x00\x00\x00\x01" + bytes(range(256)) * 20),  # noise after a start code
        ("h264", b"".join(f.data for f in synthetic_stream(frames=20))),  # no SPS
        ("h264", b""),
        ("y4m", b"YUV4MPEG2 W160 H120 F10:1 Ip A1:1 C420jpeg\nFRAME\n" + b"\x80" * 100),
        ("y4m", b"not a y4m file at all\n" * 50),
    ],
    ids=["h264-noise", "h264-undecodable-camera", "empty", "y4m-truncated", "y4m-garbage"],
)
def test_a_malformed_segment_gives_a_clear_error_and_leaves_nothing(tmp_path, container, data):
    src, sha = stored(tmp_path, f"seg.{container}", data)
    with pytest.raises(MalformedSegment, match="请下载原始片段") as e:
        PlaybackCache(tmp_path / "playable").playable(src, sha256=sha, container=container)
    assert e.value.status == 422
    assert [p for p in (tmp_path / "playable").rglob("*") if p.is_file()] == []


def test_b_frames_are_refused_rather_than_shown_out_of_order(tmp_path):
    src, sha = stored(tmp_path, "seg.h264", h264_annexb(20, bframes=2))
    with pytest.raises(MalformedSegment, match="B 帧") as e:
        PlaybackCache(tmp_path / "playable").playable(src, sha256=sha, container="h264")
    assert e.value.reason == "b_frames"


def test_without_pyav_the_console_says_so(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "av", None)  # import av → ImportError
    assert "PyAV" in (playback.offer("y4m", 1000) or "")
    src, sha = stored(tmp_path, "seg.y4m", b"YUV4MPEG2 ")
    with pytest.raises(PlaybackUnavailable, match="PyAV") as e:
        PlaybackCache(tmp_path / "playable").playable(src, sha256=sha, container="y4m")
    assert e.value.status == 503
    assert playback.offer("wav", 1000) is not None and playback.offer("mp4", 10**12) is None


# --- over HTTP: the console's route ---------------------------------------------------


def uploaded(sessions, tmp_path):
    """A Y4M (synthetic camera) + WAV + H.264 (box camera) reception, uploaded."""
    key = Ed25519PrivateKey.generate()
    app = make_app(sessions, tmp_path, key.public_key())
    raw = tmp_path / "camera.h264"
    raw.write_bytes(h264_annexb(25))
    spool = Spool(tmp_path / "spool", limit_bytes=10**8)
    rec = Recorder(spool, key=key, device="desk-01", clock=lambda: 0)
    rec.start(RID)
    v, a = SyntheticVideoSource(t0_ms=1000), SyntheticAudioSource(t0_ms=1000)
    rec.record_video(take(v, 10), 10)
    rec.record_audio(take(a, 10))
    cam = FakeCamera.from_h264(raw, fps=25)
    rec.write_segment("video", "h264", lambda o: cam.record(o, 10), start_ms=2000, end_ms=3000)
    rec.stop()
    with box_http(app) as box:
        Uploader(spool, HttpEvidenceClient(box)).run_once()
    http = staff_http(app, sessions)
    return app, http, [sm.manifest for sm in spool.manifests(RID)]


def plays(sessions) -> list[tuple[str, str, str]]:
    with sessions() as s:
        rows = s.scalars(select(AuditLog).where(AuditLog.action == "recording.play"))
        return [(a.actor, a.target, a.reason) for a in rows]


def test_console_plays_both_kinds_and_every_playback_is_audited(sessions, tmp_path):
    app, http, (y4m_m, wav_m, h264_m) = uploaded(sessions, tmp_path)
    for m, media_type in ((y4m_m, "video/webm"), (h264_m, "video/mp4")):
        url = f"/api/evidence/blobs/{m.sha256}/playable"
        r = http.get(url, params={"reception": RID})
        assert r.status_code == 200 and r.headers["content-type"] == media_type
        assert r.headers["x-derived-from-sha256"] == m.sha256
        assert r.headers["content-disposition"].startswith("inline")
        assert hashlib.sha256(r.content).hexdigest() != m.sha256  # a copy, not the evidence
        ranged = http.get(url, params={"reception": RID}, headers={"Range": "bytes=0-9"})
        assert ranged.status_code == 206 and len(ranged.content) == 10  # the browser seeks
    blob = app.state.evidence.blobs.path(y4m_m.sha256)
    assert hashlib.sha256(blob.read_bytes()).hexdigest() == y4m_m.sha256
    got = plays(sessions)
    assert len(got) == 4 and got[0][:2] == ("zhang", f"segment:{y4m_m.sha256}")
    assert got[0][2] == f"reception {RID} (playable copy)"
    # audio has no video copy; a segment of another reception is not found; no reception: 422
    wav = http.get(f"/api/evidence/blobs/{wav_m.sha256}/playable", params={"reception": RID})
    assert wav.status_code == 404
    other = http.get(f"/api/evidence/blobs/{y4m_m.sha256}/playable", params={"reception": "x" * 36})
    assert other.status_code == 404
    assert http.get(f"/api/evidence/blobs/{y4m_m.sha256}/playable").status_code == 422
    assert http.get("/api/evidence/blobs/nothex/playable?reception=r").status_code == 422
    assert len(plays(sessions)) == 4  # refusals played nothing


def test_a_malformed_or_oversized_segment_is_a_clear_error_and_the_download_stays(
    sessions, tmp_path
):
    app, http, (y4m_m, _wav, h264_m) = uploaded(sessions, tmp_path)
    app.state.evidence.playback.max_bytes = y4m_m.size - 1
    r = http.get(f"/api/evidence/blobs/{y4m_m.sha256}/playable", params={"reception": RID})
    assert r.status_code == 413 and r.json()["detail"]["reason"] == "too_large"
    assert "超过在线播放上限" in r.json()["detail"]["message"]
    # an H.264 segment the decoder cannot read (stored as evidence all the same)
    app.state.evidence.playback.max_bytes = 10**9
    blob = app.state.evidence.blobs.path(h264_m.sha256)
    blob.chmod(0o644)
    blob.write_bytes(b"\x00\x00\x00\x01\x09" + b"\xff" * (h264_m.size - 5))  # test-only damage
    r = http.get(f"/api/evidence/blobs/{h264_m.sha256}/playable", params={"reception": RID})
    assert r.status_code == 422 and r.json()["detail"]["reason"] == "malformed"
    assert "请下载原始片段" in r.json()["detail"]["message"]
    assert str(tmp_path) not in r.text  # no server path in the message
    original = http.get(f"/api/evidence/blobs/{h264_m.sha256}", params={"reception": RID})
    assert original.status_code == 200  # still offered
    assert plays(sessions) == [("zhang", f"segment:{h264_m.sha256}", f"reception {RID}")]


def test_playback_is_for_staff_only(sessions, tmp_path):
    app, _http, (y4m_m, _wav, _h264) = uploaded(sessions, tmp_path)
    url = f"/api/evidence/blobs/{y4m_m.sha256}/playable"
    r = TestClient(app).get(url, params={"reception": RID}, follow_redirects=False)
    assert r.status_code == 401  # nobody
    with box_http(app) as box:  # the box that recorded it: not a console user
        assert box.get(url, params={"reception": RID}).status_code == 403
    assert plays(sessions) == []
    assert not app.state.evidence.playback.path(y4m_m.sha256, "y4m").exists()  # no work done


def test_the_reception_page_offers_video_or_says_why_not(app, engine, settings, monkeypatch):
    from central.database import make_session_factory
    from central.devices import service as devices
    from central.devices.schemas import DeviceCreate
    from protocol import keys
    from tests.central.accounts.helpers import add_user, login
    from tests.central.dossier.helpers import add_person, add_reception

    full = make_session_factory(engine)
    key = Ed25519PrivateKey.generate()
    with full.begin() as s:
        devices.register(
            s, data=DeviceCreate(name="desk-1", site="minhou", public_key=keys.public_key_b64(key))
        )
    add_user(full, "zhang", "officer")
    rid = add_reception(full, add_person(full, settings, "李明"))
    rec = Recorder(Spool(settings.data_dir / "spool", limit_bytes=10**8), key=key, device="desk-1")
    rec.start(rid)
    rec.record_video(take(SyntheticVideoSource(t0_ms=0), 10), 10)
    rec.stop()
    [sm] = rec.spool.manifests(rid)
    with box_client(app, "desk-1", key) as box:
        Uploader(rec.spool, HttpEvidenceClient(box)).run_once()
    with TestClient(app) as http:
        login(http, "zhang")
        page = http.get(f"/console/receptions/{rid}").text
        assert 'data-testid="segment-video"' in page
        assert f"/api/evidence/blobs/{sm.manifest.sha256}/playable?reception={rid}" in page
        assert "下载原始片段" in page and "不是证据" in page
        monkeypatch.setitem(sys.modules, "av", None)
        page = http.get(f"/console/receptions/{rid}").text
        assert 'data-testid="segment-video"' not in page
        assert "服务器未安装 PyAV" in page and "下载原始片段" in page


def test_prune_keeps_the_recently_watched_copies_within_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import os

    cache = playback.PlaybackCache(tmp_path / "evidence" / "playable")
    copies = []
    for i, age in enumerate((500, 300, 100)):  # seconds since last made or watched
        p = cache.path(f"{i:02x}" * 32, "y4m")
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"x" * 1000)
        os.utime(p, (1_000_000 - age, 1_000_000 - age))
        copies.append(p)
    dead = copies[0].parent / "half.webm.tmp"  # a conversion that died two hours ago
    dead.write_bytes(b"x")
    os.utime(dead, (1_000_000 - 7200, 1_000_000 - 7200))
    removed, kept = cache.prune(2000, now=1_000_000)
    assert (removed, kept) == (2, 2000)  # the oldest copy and the dead temporary
    assert [p.exists() for p in copies] == [False, True, True] and not dead.exists()
    assert cache.prune(10**9, now=1_000_000) == (0, 2000)  # nothing more to do

    import argparse

    from central.evidence.cli import register

    ap = argparse.ArgumentParser()
    register(ap.add_subparsers(dest="c", required=True))
    monkeypatch.setenv("ZHIFANG_ENVIRONMENT", "development")
    monkeypatch.setenv("ZHIFANG_DATA_DIR", str(tmp_path))
    args = ap.parse_args(["evidence", "prune-playable", "--max-mb", "0"])
    assert args.func(args) == 0
    assert "删除 2 个播放副本" in capsys.readouterr().out
    assert not any(p.exists() for p in copies)
