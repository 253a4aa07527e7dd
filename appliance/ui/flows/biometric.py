"""The face/voice screen: after separate consent (``consent.py``), enrolment or a 1:1
check against the claimed person."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from ...identity.relay import RelayError
from ..errors import DeskError
from ..hooks import CapturePrompt, Modality
from ..visit import BioKind, Identified, PendingCapture

if TYPE_CHECKING:
    from ...session import Reception
    from ..desk import Desk

log = logging.getLogger(__name__)
MODALITY_ZH = {"face": "人脸", "voice": "声纹"}


class BiometricFlow:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def _subject(self) -> tuple[Reception, Identified, str]:
        """The reception, the identified person and their dossier id (lock held)."""
        d = self.desk
        r = d.open_reception()
        if d.consent_id is None:
            raise DeskError("未取得当事人单独同意，不能使用人脸/声纹")
        ident = d.identified
        if ident is None or ident.person_id is None:
            raise DeskError("请先用身份证号或手机号找到当事人的档案，再进行人脸/声纹核验")
        return r, ident, ident.person_id

    def view(self) -> dict[str, Any]:
        """What the face/voice page offers: enrol what is consented and missing, verify
        what is enrolled (the ID number stays offered beside it)."""
        d = self.desk
        with d.lock:
            ident = d.identified
            pid = ident.person_id if ident else None
            scopes, pending = d.consent_scopes, d.bio_pending
        have = d.biometrics.enrolled(pid) if pid and d.biometrics.available else frozenset()
        return {
            "available": d.biometrics.available,
            "consented": bool(d.consent_id),
            "scopes": [m for m in ("face", "voice") if m in scopes],
            "person_id": pid,
            "enrolled": sorted(have),
            "can_enrol": [m for m in ("face", "voice") if m in scopes and m not in have],
            "can_verify": any(m in have for m in scopes),
            "pending": pending if pending and pending.kind != "officer" else None,
        }

    def begin(self, kind: BioKind) -> CapturePrompt:
        """Step 1 of a check or an enrolment: draw the challenge, show its prompt."""
        d = self.desk
        with d.lock:
            _r, _ident, pid = self._subject()
            scopes = d.consent_scopes
        if not d.biometrics.available:
            raise DeskError("本机未启用人脸/声纹，请使用身份证号")
        if kind == "verify":
            face, voice = self._modalities(pid, scopes)
            enrol = False
        elif kind in ("enrol_face", "enrol_voice"):
            modality = kind.removeprefix("enrol_")
            if modality not in scopes:
                raise DeskError(f"当事人未同意采集{MODALITY_ZH[modality]}，不能登记")
            face, voice, enrol = modality == "face", modality == "voice", True
        else:
            raise DeskError("无效的操作")
        prompt = d.biometrics.prepare(face=face, voice=voice, enrol=enrol)
        with d.lock:
            d.bio_pending = PendingCapture(kind, prompt)
        return prompt

    def _modalities(self, person_id: str, scopes: tuple[str, ...]) -> tuple[bool, bool]:
        """What to capture: consented and enrolled (all consented when nothing is, so
        the answer is 'not enrolled' rather than no check at all)."""
        have: frozenset[str] = self.desk.biometrics.enrolled(person_id)
        use = [m for m in scopes if m in have] or list(scopes)
        return "face" in use, "voice" in use

    def capture(self) -> str:
        """Step 2: capture now (the person has seen the prompt); the result, zh-CN."""
        d = self.desk
        with d.lock:
            pending, d.bio_pending = d.bio_pending, None
        if pending is None or pending.kind == "officer":
            raise DeskError("请先按「开始」，让当事人看清动作提示后再采集")
        if pending.kind == "verify":
            return self.verify()
        modality: Modality = "face" if pending.kind == "enrol_face" else "voice"
        return self.enrol(modality)

    def enrol(self, modality: Modality) -> str:
        """Capture and enrol after consent; the store refuses without it."""
        d = self.desk
        with d.lock:
            _r, _ident, pid = self._subject()
            if modality not in d.consent_scopes:
                raise DeskError(f"当事人未同意采集{MODALITY_ZH[modality]}，不能登记")
        try:
            res = d.biometrics.enrol_petitioner(pid, modality)
        except PermissionError as e:  # TemplateStore.ConsentRequired
            raise DeskError(f"未取得当事人对{MODALITY_ZH[modality]}的单独同意，不能登记") from e
        if not res.enrolled:
            raise DeskError(res.prompt or f"{MODALITY_ZH[modality]}登记未成功，请重试")
        if d.identity is not None:
            d.identity.report()  # anything the store queued goes to central now
            if d.identity.relay is not None:  # the site's other desks, in the background
                threading.Thread(target=self._share, args=(pid,), daemon=True).start()
        return f"已登记{MODALITY_ZH[modality]}"

    def _share(self, person_id: str) -> None:
        assert self.desk.identity is not None
        try:
            self.desk.identity.share(person_id)
        except (RelayError, ValueError) as e:
            log.warning("template of %s not shared with the other desks yet: %s", person_id, e)

    def verify(self) -> str:
        """Face/voice check against the claimed person; only with consent on record.

        A decision (verified / rejected / not enrolled) is an ``identity.checked`` event;
        a retry (no usable frame, challenge not answered) decides nothing and is not."""
        d = self.desk
        with d.lock:
            r, ident, pid = self._subject()
            scopes = d.consent_scopes
        face, voice = self._modalities(pid, scopes)
        res = d.biometrics.verify_petitioner(pid, face=face, voice=voice)
        with d.lock:
            if res.outcome == "retry":
                log.info("biometric check of %s inconclusive: %s", pid, res.prompt)
                ident.bio = res.prompt or "未能完成核验，请重试"
                return ident.bio
            r.identify(
                ident.person,
                method=res.method,
                outcome=res.outcome,
                score_permille=res.score_permille,
                consent_id=d.consent_id,
            )
            ident.bio = "核验通过" if res.outcome == "verified" else (res.prompt or "核验未通过")
            return ident.bio
