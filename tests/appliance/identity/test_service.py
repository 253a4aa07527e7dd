"""A reception's identity steps, on real photos and recordings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from appliance.identity import consent
from appliance.identity.audio import read_wav
from appliance.identity.config import IdentityConfig
from appliance.identity.service import CaptureError, IdentityService
from appliance.identity.templates import ConsentRequired, TemplateStore

from .conftest import read_face

DEVICE = Ed25519PrivateKey.generate()


@pytest.fixture()
def service(face_engine, tmp_path: Path) -> IdentityService:
    store = TemplateStore(tmp_path / "t.db", key=b"k" * 32, clock=lambda: 1_700_000_000_000)
    return IdentityService(face=face_engine, store=store, cfg=IdentityConfig())


def agree(svc: IdentityService, person: str, scopes: list[consent.Scope]) -> None:
    svc.store.add_consent(
        consent.record(
            person_id=person,
            text=consent.DEFAULT_TEXT,
            scopes=scopes,
            officer_id="o1",
            now_ms=1_700_000_000_000,
            device_key=DEVICE,
        )
    )


def test_enrol_needs_consent_then_verify_with_a_head_turn(service, faces_dir: Path) -> None:
    enrol = [read_face(faces_dir, "s1", i) for i in (2, 3, 4)]
    with pytest.raises(ConsentRequired):
        service.enrol_face("s1", enrol)
    agree(service, "s1", ["face"])
    service.enrol_face("s1", enrol)
    turn = [read_face(faces_dir, "s1", i) for i in (1, 9, 10, 5, 10, 1)]
    out = service.verify("s1", turn, challenge="turn_right")
    assert out.outcome == "verified", out
    assert out.event_fields() == {
        "method": "face",
        "outcome": "verified",
        "score_permille": out.event_fields()["score_permille"],
    }
    assert out.decision is not None and out.decision.confidence > 0.9
    still = [read_face(faces_dir, "s1", 1)] * 8
    refused = service.verify("s1", still, challenge="turn_right")
    assert refused.outcome == "retry" and "照片" in refused.prompt


def test_someone_else_claiming_is_rejected(service, faces_dir: Path) -> None:
    agree(service, "s1", ["face"])
    service.enrol_face("s1", [read_face(faces_dir, "s1", i) for i in (2, 3)])
    other = [read_face(faces_dir, "s20", i) for i in (1, 2)]
    out = service.verify("s1", other, challenge="blink", liveness_exempt=True)
    assert out.outcome == "rejected" and out.prompt


def test_not_enrolled_offers_the_id_number(service, faces_dir: Path) -> None:
    out = service.verify("nobody", [read_face(faces_dir, "s1", 1)], challenge="blink")
    assert out.outcome == "not_enrolled" and "身份证号" in out.prompt


def test_bad_frames_give_a_prompt(service) -> None:
    with pytest.raises(CaptureError) as e:
        service.good_faces([np.full((480, 640, 3), 128, np.uint8)])
    assert "未检测到人脸" in e.value.prompt


def test_identify_only_finds_consenting_people(service, faces_dir: Path) -> None:
    agree(service, "s1", ["face", "identify_1n"])
    agree(service, "s20", ["face"])
    service.enrol_face("s1", [read_face(faces_dir, "s1", 2)])
    service.enrol_face("s20", [read_face(faces_dir, "s20", 2)])
    assert service.identify([read_face(faces_dir, "s1", 7)]).person_id == "s1"
    assert service.identify([read_face(faces_dir, "s20", 7)]).person_id is None


def test_face_and_voice_fused(service, speaker_encoder, faces_dir: Path, voices_dir: Path) -> None:
    service.voice = speaker_encoder

    def clip(spk: str, take: int) -> tuple[np.ndarray, int]:
        parts = [read_wav(voices_dir / f"{d}_{spk}_{take}.wav") for d in range(10)]
        return np.concatenate([p[0] for p in parts]), parts[0][1]

    agree(service, "p", ["face", "voice"])
    service.enrol_face("p", [read_face(faces_dir, "s1", 2)])
    service.enrol_voice("p", [clip("jackson", t) for t in range(5)])
    turn = [read_face(faces_dir, "s1", i) for i in (1, 9, 10, 5, 10, 1)]
    ok = service.verify("p", turn, challenge="turn_right", audio=clip("jackson", 20))
    assert ok.outcome == "verified" and ok.event_fields()["method"] == "face_voice"
    assert ok.decision is not None and ok.decision.voice_llr is not None
    assert ok.decision.voice_llr > 0
    wrong = service.verify("p", turn, challenge="turn_right", audio=clip("george", 20))
    assert wrong.decision is not None and wrong.decision.voice_llr is not None
    assert wrong.decision.voice_llr < 0 and wrong.decision.llr < ok.decision.llr
