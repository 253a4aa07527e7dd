"""Officer sign-in: face 1:1 against the badge template (liveness required) or PIN;
the sign-in is an ``identity.checked`` event with subject officer, and the officer id
is on every event of the reception."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from appliance.identity.config import IdentityConfig
from appliance.identity.desk import DeskIdentity
from appliance.identity.service import IdentityService, Outcome
from appliance.identity.templates import TemplateStore
from appliance.officers import (
    FaceSignInError,
    OfficerDirectory,
    OfficerSignIn,
    SignIn,
    SignInError,
    badge_person_id,
    hash_pin,
    record_sign_in,
)
from appliance.outbox import Outbox
from appliance.session import Reception
from protocol.envelope import decode
from protocol.messages import IdentityChecked

from .conftest import read_face

DIRECTORY = OfficerDirectory({"officer-7": hash_pin("2468")})


class ScriptedVerifier:
    def __init__(self, outcome: Outcome) -> None:
        self.outcome, self.calls = outcome, []  # type: ignore[var-annotated]

    def verify(self, person_id: str, frames: Any, *, challenge: Any, **kw: Any) -> Outcome:
        self.calls.append((person_id, challenge, kw))
        return self.outcome


def test_pin_sign_in_and_its_refusals() -> None:
    s = OfficerSignIn(DIRECTORY)
    assert s.with_pin("officer-7", "2468") == SignIn("officer-7", "pin")
    with pytest.raises(SignInError):
        s.with_pin("officer-7", "0000")
    with pytest.raises(FaceSignInError, match="PIN"):
        s.with_face("officer-7", [], challenge="blink")  # no camera on this box


def test_face_sign_in_is_1to1_against_the_badge_and_never_liveness_exempt() -> None:
    v = ScriptedVerifier(Outcome("retry", "请向右转头"))
    s = OfficerSignIn(DIRECTORY, v)
    with pytest.raises(FaceSignInError, match="转头"):
        s.with_face("officer-7", ["frame"], challenge="turn_right")
    assert v.calls == [(badge_person_id("officer-7"), "turn_right", {})]
    with pytest.raises(FaceSignInError, match="工号"):
        s.with_face("stranger", ["frame"], challenge="turn_right")
    s.verifier = ScriptedVerifier(Outcome("not_enrolled"))
    with pytest.raises(FaceSignInError, match="PIN"):
        s.with_face("officer-7", ["frame"], challenge="turn_right")


def test_sign_in_is_recorded_on_the_reception_and_the_count_adds_up(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "o.db", device="desk-a", key=Ed25519PrivateKey.generate())
    r = Reception(outbox=outbox, clock_ms=lambda: 1_700_000_000_000)
    signed = SignIn("officer-7", "face", 912)
    with pytest.raises(ValueError):
        record_sign_in(r, outbox, signed)  # no reception yet
    r.start(signed.officer_id)
    record_sign_in(r, outbox, signed)
    r.rate("satisfied")
    r.end()
    evs = [decode(e.wire) for e in outbox.all_events()]
    checked = evs[1].parsed_body()
    assert isinstance(checked, IdentityChecked)
    assert (checked.subject, checked.method, checked.outcome, checked.score_permille) == (
        "officer", "face", "verified", 912,
    )  # fmt: skip
    ended = evs[-1].parsed_body()
    assert ended.events == len(evs)  # type: ignore[attr-defined]
    for e in evs:
        assert e.body.get("officer_id", "officer-7") == "officer-7"


def test_real_face_sign_in_with_a_head_turn(face_engine, faces_dir: Path, tmp_path: Path) -> None:
    store = TemplateStore(tmp_path / "t.db", key=b"k" * 32, clock=lambda: 1_700_000_000_000)
    dk = Ed25519PrivateKey.generate()
    outbox = Outbox(tmp_path / "o.db", device="desk-a", key=dk)
    desk = DeskIdentity(
        store=store, outbox=outbox, device_key=dk, site="s", clock_ms=lambda: 1_700_000_000_000
    )
    svc = IdentityService(face=face_engine, store=store, cfg=IdentityConfig())
    badge = badge_person_id("officer-7")
    desk.give_consent(person_id=badge, scopes=["face"], officer_id="officer-7")
    svc.enrol_face(badge, [read_face(faces_dir, "s1", i) for i in (2, 3, 4)])
    s = OfficerSignIn(DIRECTORY, svc)
    turn = [read_face(faces_dir, "s1", i) for i in (1, 9, 10, 5, 10, 1)]
    got = s.with_face("officer-7", turn, challenge="turn_right")
    assert got.officer_id == "officer-7" and got.method == "face"
    assert got.score_permille is not None and got.score_permille > 900
    with pytest.raises(FaceSignInError):  # a photo held up: liveness refuses
        s.with_face("officer-7", [read_face(faces_dir, "s1", 1)] * 8, challenge="turn_right")
    other = [read_face(faces_dir, "s2", i) for i in (1, 2, 3, 4, 5, 6)]
    with pytest.raises(FaceSignInError):  # someone else at the officer's desk
        s.with_face("officer-7", other, challenge="turn_right")
