"""The box records: segments hashed while written, signed, chained, spooled safely."""

from __future__ import annotations

import hashlib
import itertools
import wave

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from appliance.recording.recorder import Recorder
from appliance.recording.spool import Spool, SpoolFull
from firmware_glue.media import SyntheticAudioSource, SyntheticVideoSource, WavFileAudioSource
from protocol.evidence import Participant

RID = "01937a2b-4c00-7d00-8e00-0000000000a1"


def take(src, n):
    return [src.read() for _ in range(n)]


def make(tmp_path, limit=50_000_000, alarm=None):
    spool = Spool(tmp_path / "spool", limit_bytes=limit, alarm=alarm)
    key = Ed25519PrivateKey.generate()
    return spool, key, Recorder(spool, key=key, device="desk-01", clock=lambda: 5)


def test_a_reception_records_a_signed_chain_of_real_media(tmp_path):
    spool, key, rec = make(tmp_path)
    video = SyntheticVideoSource(fps=10, t0_ms=1000)
    audio = SyntheticAudioSource(t0_ms=1000)
    rec.start(RID, [Participant(role="cppcc_member", name="张委员")])
    for _ in range(2):
        rec.record_video(take(video, 20), 10)
        rec.record_audio(take(audio, 20))
    rec.add_participant(Participant(role="legal_aid", name="法援赵"))
    rec.record_audio(take(audio, 5))
    last = rec.stop()
    ms = spool.manifests(RID)
    assert [m.manifest.index for m in ms] == [0, 1, 2, 3, 4]
    assert last == ms[-1] and ms[-1].manifest.final and not ms[0].manifest.final
    assert ms[0].manifest.prev is None
    for a, b in itertools.pairwise(ms):
        assert b.manifest.prev == a.manifest_hash()
    for sm in ms:
        sm.verify(key.public_key())
        data = spool.media_path(sm).read_bytes()
        assert hashlib.sha256(data).hexdigest() == sm.manifest.sha256
        assert len(data) == sm.manifest.size
    assert spool.media_path(ms[0]).read_bytes().startswith(b"YUV4MPEG2 W160 H120 F10:1")
    with wave.open(str(spool.media_path(ms[1]))) as w:
        assert (w.getframerate(), w.getnframes()) == (16000, 32000)
    assert ms[1].manifest.start_ms == 1000 and ms[1].manifest.end_ms == 3000
    assert [p.role for p in ms[-1].manifest.participants] == ["cppcc_member", "legal_aid"]


def test_wav_file_source_plays_a_recording(tmp_path):
    p = tmp_path / "in.wav"
    with wave.open(str(p), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x01\x00" * 8000)
    src = WavFileAudioSource(p, block_ms=250)
    blocks = []
    while (b := src.read()) is not None:
        blocks.append(b)
    assert len(blocks) == 4 and blocks[-1].ts_ms == 750


def test_segments_are_never_re_read(tmp_path, monkeypatch):
    _spool, _, rec = make(tmp_path)
    rec.start(RID)
    real_open = open
    reads = []

    def watch(path, mode="r", *a, **k):
        if "r" in mode and "+" not in mode and str(path).endswith(".y4m"):
            reads.append(path)
        return real_open(path, mode, *a, **k)

    monkeypatch.setattr("builtins.open", watch)
    rec.record_video(take(SyntheticVideoSource(), 10), 10)
    rec.stop()
    assert reads == []


def test_power_cut_mid_segment_leaves_no_half_file_and_the_chain_goes_on(tmp_path):
    spool, key, rec = make(tmp_path)
    rec.start(RID)
    rec.record_audio(take(SyntheticAudioSource(), 10))

    def cut(out):
        out.write(b"YUV4MPEG2 partial")
        raise KeyboardInterrupt("power cut")

    with pytest.raises(KeyboardInterrupt):
        rec.write_segment("video", "y4m", cut, start_ms=0, end_ms=1)
    # simulate the crash leaving a .tmp behind (abort normally removes it)
    (spool.root / RID / "000001.y4m.tmp").write_bytes(b"half")
    spool2 = Spool(spool.root, limit_bytes=spool.limit)
    assert not list(spool2.root.glob("*/*.tmp"))
    # segment 0 was durable but unsigned when the power went: recovery signs it
    rec2 = Recorder(spool2, key=key, device="desk-01", clock=lambda: 9)
    assert rec2.recover(RID, media_of=lambda p: "audio") == [
        "signed leftover segment 000000.wav as final"
    ]
    ms = spool2.manifests(RID)
    assert len(ms) == 1 and ms[0].manifest.final


def test_a_full_spool_raises_a_clear_alarm_and_keeps_what_it_has(tmp_path):
    alarms = []
    spool, _, rec = make(tmp_path, limit=100_000, alarm=alarms.append)
    rec.start(RID)
    rec.record_audio(take(SyntheticAudioSource(), 20))  # 64 KB
    with pytest.raises(SpoolFull, match="录像存储已满"):
        rec.record_audio(take(SyntheticAudioSource(), 20))
    with pytest.raises(SpoolFull):
        rec.record_audio(take(SyntheticAudioSource(), 20))
    assert alarms and "录像存储已满" in alarms[0]
    assert not list(spool.root.glob("*/*.tmp"))
    rec.stop()
    assert [m.manifest.final for m in spool.manifests(RID)] == [True]


def test_pending_until_acknowledged(tmp_path):
    spool, _, rec = make(tmp_path)
    rec.start(RID)
    rec.record_audio(take(SyntheticAudioSource(), 3))
    rec.record_audio(take(SyntheticAudioSource(), 3))
    rec.stop()
    first, second = spool.pending()
    spool.ack(first, b'{"leaf_index":0}')
    assert spool.pending() == [second]
    assert not spool.media_path(first).exists() and spool.media_path(second).exists()


def test_a_synthetic_reception_for_the_demo_uploads_to_the_fake(tmp_path):
    from appliance.recording.recorder import record_synthetic_reception
    from appliance.recording.upload import FakeEvidenceClient, Uploader, upload_until_acknowledged

    spool, _, rec = make(tmp_path)
    ms = record_synthetic_reception(
        rec, RID, t0_ms=1000, seconds=6, participants=[Participant(role="other", name="见证人")]
    )
    assert [m.manifest.media for m in ms] == ["video", "audio"] * 3 and ms[-1].manifest.final
    fake = FakeEvidenceClient()
    fake.fail_next = 2
    assert upload_until_acknowledged(Uploader(spool, fake), timeout_s=5, retry_s=0)
    assert len(fake.log) == 6 and spool.pending() == []
