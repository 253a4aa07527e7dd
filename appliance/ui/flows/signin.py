"""The sign-in screen: PIN or face (1:1 against the officer's badge template)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...officers import SignIn, SignInError
from ..errors import DeskError
from ..hooks import CapturePrompt
from ..throttle import PinLocked
from ..visit import PendingCapture

if TYPE_CHECKING:
    from ..desk import Desk


class SignInFlow:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def with_pin(self, officer_id: str, pin: str) -> str:
        officer_id = officer_id.strip()
        if not officer_id or not pin:
            raise DeskError("请输入工号和 PIN")
        d = self.desk
        with d.lock:  # one PIN check at a time: the counts must not race
            try:
                d.pin_throttle.check(officer_id)
            except PinLocked as e:
                raise DeskError(e.message) from e
            try:
                oid = d.officers.sign_in(officer_id, pin)
            except SignInError as e:
                d.pin_throttle.failed(officer_id)
                try:  # this failure may have been the one that locks: say so now
                    d.pin_throttle.check(officer_id)
                except PinLocked as locked:
                    raise DeskError(f"工号或 PIN 不正确。{locked.message}") from e
                raise DeskError("工号或 PIN 不正确") from e
            d.pin_throttle.succeeded(oid)
            d.officer_id, d.sign_in_record = oid, SignIn(oid, "pin")
        return oid

    def begin_face(self, officer_id: str) -> CapturePrompt:
        """Step 1 of face sign-in: the liveness prompt the officer sees before capture."""
        officer_id = officer_id.strip()
        d = self.desk
        if not officer_id:
            raise DeskError("请先输入工号，再进行人脸登录")
        if not d.biometrics.available:
            raise DeskError("本机未启用人脸登录，请使用 PIN")
        prompt = d.biometrics.prepare(face=True, voice=False)
        with d.lock:
            d.bio_pending = PendingCapture("officer", prompt, officer_id)
        return prompt

    def with_face(self, officer_id: str) -> str:
        """Step 2: capture and verify against the officer's own (badge) template."""
        officer_id = officer_id.strip()
        d = self.desk
        with d.lock:
            pending: PendingCapture | None
            pending, d.bio_pending = d.bio_pending, None
        if pending is None or pending.kind != "officer" or pending.officer_id != officer_id:
            raise DeskError("请先按「人脸登录」，看清动作提示后再开始采集")
        if not d.officers.knows(officer_id):  # same answer as a face that does not match
            raise DeskError("人脸核验未通过，请使用 PIN 登录")
        result = d.biometrics.verify_officer(officer_id)
        if result.outcome != "verified":
            raise DeskError(result.prompt or "人脸核验未通过，请使用 PIN 登录")
        with d.lock:
            d.officer_id = officer_id
            d.sign_in_record = SignIn(officer_id, "face", result.score_permille)
        return officer_id

    def cancel_capture(self) -> None:
        with self.desk.lock:
            self.desk.bio_pending = None

    def sign_out(self) -> None:
        d = self.desk
        with d.lock:
            if d.reception is not None:
                raise DeskError("接待尚未结束，不能退出登录")
            d.officer_id, d.sign_in_record = None, None
