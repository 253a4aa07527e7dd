"""The desk's face/voice hook on the real models, fed real photos and recordings through
the shipped file fakes of the camera and the microphone.

ORL photos of one subject, put in turning order, are a real head turn (s1 8→7→4: to
the person's left; s1 1→9→10→5: to the right; s23 4→7→3→2: right), so the liveness
challenge is answered for real, not waived."""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from appliance.identity.biometrics import CameraBiometrics
from appliance.identity.config import IdentityConfig
from appliance.identity.desk import DeskIdentity
from appliance.identity.face import pad_small
from appliance.identity.liveness import CHALLENGE_PROMPTS
from appliance.identity.service import IdentityService
from appliance.identity.templates import ConsentRequired, TemplateStore
from appliance.officers import badge_person_id
from appliance.outbox import Outbox
from firmware_glue.frames import ImageFileFrameSource
from firmware_glue.microphone import WavPlaylist

NOW = 1_790_000_000_000
LEFT_S1 = [8, 7, 4, 4, 7, 8]  # s1 turns to the person's left and back
RIGHT_S1 = [1, 9, 10, 5, 10, 1]  # s1 turns right and back
RIGHT_S23 = [4, 7, 3, 2, 3, 4]  # another person, turning right and back
RIGHT_S3 = [5, 1, 2, 2, 1, 5]


@dataclass
class Desk:
    bio: CameraBiometrics
    camera: ImageFileFrameSource
    ident: DeskIdentity
    outbox: Outbox
    faces: Path

    def show(self, subject: str, photos: list[int]) -> None:
        """What stands in front of the camera during the next capture."""
        self.camera.show_files([self.faces / subject / f"{i}.pgm" for i in photos])

    def consent(self, person: str, *scopes: str) -> None:
        self.ident.give_consent(person_id=person, scopes=list(scopes), officer_id="officer-7")  # type: ignore[arg-type]

    def events(self) -> list[str]:
        return [e.type for e in self.outbox.all_events()]


@pytest.fixture()
def desk(face_engine, faces_dir: Path, tmp_path: Path) -> Desk:
    store = TemplateStore(tmp_path / "t.db", key=b"k" * 32, clock=lambda: NOW)
    key = Ed25519PrivateKey.generate()
    outbox = Outbox(tmp_path / "o.db", device="desk-1", key=key)
    ident = DeskIdentity(store=store, outbox=outbox, device_key=key, site="s", clock_ms=lambda: NOW)
    camera = ImageFileFrameSource(prepare=pad_small)
    svc = IdentityService(face=face_engine, store=store, cfg=IdentityConfig())
    bio = CameraBiometrics(service=svc, camera=camera, frames=6, interval_s=0)
    return Desk(bio, camera, ident, outbox, faces_dir)


def test_enrolled_at_the_desk_then_verified_and_an_impostor_rejected(desk: Desk) -> None:
    desk.consent("p-1", "face")
    desk.bio.challenges = ("turn_left",)
    prompt = desk.bio.prepare(face=True, voice=False, enrol=True)
    assert prompt.face == CHALLENGE_PROMPTS["turn_left"] and prompt.voice == ""
    desk.show("s1", LEFT_S1)
    assert desk.bio.enrol_petitioner("p-1", "face").enrolled
    assert desk.bio.enrolled("p-1") == {"face"}

    desk.bio.challenges = ("turn_right",)
    assert "向右转头" in desk.bio.prepare(face=True, voice=False).face
    desk.show("s1", RIGHT_S1)  # other photos of the same person
    ok = desk.bio.verify_petitioner("p-1", face=True, voice=False)
    assert (ok.method, ok.outcome) == ("face", "verified")
    assert ok.score_permille is not None and ok.score_permille > 900

    desk.bio.prepare(face=True, voice=False)
    desk.show("s23", RIGHT_S23)  # someone else claims to be p-1, and turns as asked
    bad = desk.bio.verify_petitioner("p-1", face=True, voice=False)
    assert bad.outcome == "rejected" and "身份证号" in bad.prompt
    assert desk.events() == ["consent.recorded"]


def test_no_consent_no_enrolment_and_no_frame_taken(desk: Desk) -> None:
    desk.bio.prepare(face=True, voice=False, enrol=True)
    desk.show("s1", LEFT_S1)
    with pytest.raises(ConsentRequired):
        desk.bio.enrol_petitioner("p-1", "face")
    assert desk.camera.grabbed == 0 and desk.bio.enrolled("p-1") == frozenset()
    desk.consent("p-1", "voice")  # consent to voice does not cover the face
    with pytest.raises(ConsentRequired):
        desk.bio.enrol_petitioner("p-1", "face")


def test_enrolment_needs_the_challenge_answered(desk: Desk) -> None:
    desk.consent("p-1", "face")
    desk.bio.challenges = ("turn_right",)
    desk.bio.prepare(face=True, voice=False, enrol=True)
    desk.show("s1", [1])  # a photo held still in front of the camera
    still = desk.bio.enrol_petitioner("p-1", "face")
    assert not still.enrolled and "照片" in still.prompt
    desk.bio.prepare(face=True, voice=False, enrol=True)
    desk.show("s1", LEFT_S1)  # turned, but the other way
    wrong = desk.bio.enrol_petitioner("p-1", "face")
    assert not wrong.enrolled and "按提示" in wrong.prompt
    assert desk.bio.enrolled("p-1") == frozenset()


def test_liveness_failure_is_rejected_then_success_and_each_challenge_used_once(
    desk: Desk,
) -> None:
    desk.consent("p-1", "face")
    desk.bio.challenges = ("turn_left",)
    desk.bio.prepare(face=True, voice=False, enrol=True)
    desk.show("s1", LEFT_S1)
    assert desk.bio.enrol_petitioner("p-1", "face").enrolled

    # no prompt shown: no capture at all
    grabbed = desk.camera.grabbed
    r = desk.bio.verify_petitioner("p-1", face=True, voice=False)
    assert r.outcome == "retry" and "动作提示" in r.prompt and desk.camera.grabbed == grabbed

    desk.bio.challenges = ("turn_right",)
    desk.bio.prepare(face=True, voice=False)
    desk.show("s1", [1])  # the right person's photo: liveness says so
    r = desk.bio.verify_petitioner("p-1", face=True, voice=False)
    # a photo is a decision (not proven live), on record as rejected, with no score
    assert r.outcome == "rejected" and "照片" in r.prompt and r.score_permille is None
    desk.show("s1", RIGHT_S1)
    again = desk.bio.verify_petitioner("p-1", face=True, voice=False)
    assert again.outcome == "retry"  # the challenge was used up by the failed attempt
    desk.bio.prepare(face=True, voice=False)
    assert desk.bio.verify_petitioner("p-1", face=True, voice=False).outcome == "verified"


def test_deleted_person_is_not_enrolled_any_more(desk: Desk) -> None:
    desk.consent("p-1", "face")
    desk.bio.challenges = ("turn_left",)
    desk.bio.prepare(face=True, voice=False, enrol=True)
    desk.show("s1", LEFT_S1)
    assert desk.bio.enrol_petitioner("p-1", "face").enrolled
    desk.ident.delete_person("p-1", officer_id="officer-7")
    desk.bio.challenges = ("turn_right",)
    desk.bio.prepare(face=True, voice=False)
    desk.show("s1", RIGHT_S1)
    r = desk.bio.verify_petitioner("p-1", face=True, voice=False)
    assert r.outcome == "not_enrolled" and "身份证号" in r.prompt
    assert desk.events() == ["consent.recorded", "biometric.deleted"]


def test_officer_face_sign_in_against_the_badge_template(desk: Desk) -> None:
    badge = badge_person_id("officer-3")
    desk.ident.give_consent(person_id=badge, scopes=["face"], officer_id="officer-3")
    photos = ImageFileFrameSource(
        [desk.faces / "s3" / f"{i}.pgm" for i in (1, 6, 9)], prepare=pad_small
    )
    desk.bio.service.enrol_face(badge, photos.capture(3))  # what `identity enrol-officer` does

    desk.bio.challenges = ("turn_right",)
    desk.bio.prepare(face=True, voice=False)
    desk.show("s3", RIGHT_S3)
    ok = desk.bio.verify_officer("officer-3")
    assert ok.outcome == "verified" and (ok.score_permille or 0) > 900
    desk.bio.prepare(face=True, voice=False)
    desk.show("s23", RIGHT_S23)
    bad = desk.bio.verify_officer("officer-3")
    assert bad.outcome == "rejected" and "PIN" in bad.prompt
    desk.bio.prepare(face=True, voice=False)
    nobody = desk.bio.verify_officer("officer-9")
    assert nobody.outcome == "not_enrolled" and "PIN" in nobody.prompt


def _wav(out: Path, parts: list[Path]) -> Path:
    """Several FSDD recordings (8 kHz, 16-bit mono) as one file: one reading aloud."""
    with wave.open(str(parts[0]), "rb") as w:
        params = w.getparams()
    with wave.open(str(out), "wb") as o:
        o.setparams(params)
        for p in parts:
            with wave.open(str(p), "rb") as w:
                o.writeframes(w.readframes(w.getnframes()))
    return out


def test_voice_enrolled_and_verified_through_the_microphone_fake(
    desk: Desk, speaker_encoder, voices_dir: Path, tmp_path: Path
) -> None:
    def reading(speaker: str, takes: range) -> Path:
        files = [voices_dir / f"{d}_{speaker}_{t}.wav" for t in takes for d in range(10)]
        return _wav(tmp_path / f"{speaker}_{takes.start}.wav", files)

    mic = WavPlaylist(
        [
            reading("jackson", range(5)),
            reading("jackson", range(20, 21)),
            reading("george", range(20, 21)),
        ]
    )
    desk.bio.service.voice = speaker_encoder
    desk.bio.microphone = mic
    desk.consent("p-2", "voice")
    prompt = desk.bio.prepare(face=False, voice=True, enrol=True)
    assert prompt.face == "" and prompt.voice.startswith("请清楚地读出")
    assert desk.bio.enrol_petitioner("p-2", "voice").enrolled  # one long reading, 5 clips
    assert desk.bio.enrolled("p-2") == {"voice"} and desk.camera.grabbed == 0

    desk.bio.prepare(face=False, voice=True)
    ok = desk.bio.verify_petitioner("p-2", face=False, voice=True)
    assert (ok.method, ok.outcome) == ("voice", "verified")
    desk.bio.prepare(face=False, voice=True)
    other = desk.bio.verify_petitioner("p-2", face=False, voice=True)
    assert other.outcome == "rejected"
    assert mic.opened == 3 and desk.camera.grabbed == 0
