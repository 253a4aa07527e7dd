"""The desk: who is signed in, the reception under way, and what the screen shows.

Every action the officer confirms goes through ``appliance.session.Reception`` (so it
is an outbox event carrying the officer id before the page answers). Central is
asked for dossiers; when it cannot be reached the desk answers from the local cache
and says so (``offline``), and the events wait in the outbox as always.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError

from firmware_glue.buttons import RatingPanel
from firmware_glue.pinmap import Rating
from protocol.messages import PersonRef, RiskNote

from ..central_client import (
    CentralClient,
    CentralError,
    CentralUnavailable,
    PersonNotFound,
    Timeline,
)
from ..dossier_cache import DossierCache
from ..officers import OfficerDirectory, SignIn, SignInError, record_sign_in
from ..session import EventSink, Reception, ReceptionError
from ..simulate import id_number_checksum_ok
from .config import UiConfig

if TYPE_CHECKING:
    from ..identity.desk import DeskIdentity
from .hooks import Biometrics, CapturePrompt, Modality, NoBiometrics, Recorder, RecordingStatus
from .steps import STEPS, StepInputError, clean_fields, deadlines, next_steps

log = logging.getLogger(__name__)

OFFLINE_BANNER = "中心服务器暂时无法连接，数据已在本机保存，恢复后自动上传"
RECHECK_CENTRAL_S = 15.0
_PHONE = re.compile(r"^\+?[0-9]{5,20}$")
RATING_ZH = {"satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意"}


class DeskError(ValueError):
    """Something the officer must fix; the message is shown on screen as it is."""


@dataclass(frozen=True)
class LinkStatus:
    broker_connected: bool
    events_pending: int


@dataclass
class Identified:
    person: PersonRef
    method: Literal["id_number", "phone"]
    person_id: str | None  # central's id, when central (or the cache) knows the person
    timeline: Timeline | None
    source: Literal["central", "cache", "none"]
    fetched_at_ms: int | None = None
    bio: str = ""  # outcome of a face/voice check, zh-CN


BioKind = Literal["verify", "enrol_face", "enrol_voice", "officer"]
MODALITY_ZH = {"face": "人脸", "voice": "声纹"}


@dataclass(frozen=True)
class PendingCapture:
    """A face/voice check whose prompt is on screen; the next capture answers it."""

    kind: BioKind
    prompt: CapturePrompt
    officer_id: str | None = None


@dataclass
class Finished:
    reception_id: str
    rating: str | None


def _now_ms() -> int:
    return int(time.time() * 1000)


class Desk:
    def __init__(
        self,
        *,
        outbox: EventSink,
        officers: OfficerDirectory,
        panel: RatingPanel,
        central: CentralClient,
        cache: DossierCache,
        cfg: UiConfig,
        device_key: Ed25519PrivateKey,
        link: Callable[[], LinkStatus],
        recorder: Recorder,
        biometrics: Biometrics | None = None,
        identity: DeskIdentity | None = None,
        clock_ms: Callable[[], int] = _now_ms,
        monotonic: Callable[[], float] = time.monotonic,
        recheck_s: float = RECHECK_CENTRAL_S,
    ) -> None:
        self.outbox, self.officers, self.panel = outbox, officers, panel
        self.central, self.cache, self.cfg = central, cache, cfg
        self.device_key, self.link, self.recorder = device_key, link, recorder
        self.biometrics: Biometrics = biometrics or NoBiometrics()
        # consent records and deletions as events (None: no template key at this desk)
        self.identity = identity
        self._clock_ms, self._monotonic = clock_ms, monotonic
        self.recheck_s = recheck_s
        self._lock = threading.RLock()
        self.officer_id: str | None = None
        self._sign_in: SignIn | None = None  # how they signed in: each reception records it
        self.reception: Reception | None = None
        self.started_ms: int | None = None
        self.identified: Identified | None = None
        self.identify_skipped = False
        self.consent_id: str | None = None
        self.consent_scopes: tuple[str, ...] = ()
        self.rating_armed = False
        self.last: Finished | None = None
        self.central_ok = True
        self._central_checked = monotonic()
        self.flash: str = ""
        self.bio_pending: PendingCapture | None = None

    # --- officer ------------------------------------------------------------------

    def sign_in(self, officer_id: str, pin: str) -> str:
        officer_id = officer_id.strip()
        if not officer_id or not pin:
            raise DeskError("请输入工号和 PIN")
        try:
            oid = self.officers.sign_in(officer_id, pin)
        except SignInError as e:
            raise DeskError("工号或 PIN 不正确") from e
        with self._lock:
            self.officer_id, self._sign_in = oid, SignIn(oid, "pin")
        return oid

    def begin_face_sign_in(self, officer_id: str) -> CapturePrompt:
        """Step 1 of face sign-in: the liveness prompt the officer sees before capture."""
        officer_id = officer_id.strip()
        if not officer_id:
            raise DeskError("请先输入工号，再进行人脸登录")
        if not self.biometrics.available:
            raise DeskError("本机未启用人脸登录，请使用 PIN")
        prompt = self.biometrics.prepare(face=True, voice=False)
        with self._lock:
            self.bio_pending = PendingCapture("officer", prompt, officer_id)
        return prompt

    def sign_in_face(self, officer_id: str) -> str:
        """Step 2: capture and verify against the officer's own (badge) template."""
        officer_id = officer_id.strip()
        with self._lock:
            pending, self.bio_pending = self.bio_pending, None
        if pending is None or pending.kind != "officer" or pending.officer_id != officer_id:
            raise DeskError("请先按「人脸登录」，看清动作提示后再开始采集")
        if not self.officers.knows(officer_id):  # same answer as a face that does not match
            raise DeskError("人脸核验未通过，请使用 PIN 登录")
        result = self.biometrics.verify_officer(officer_id)
        if result.outcome != "verified":
            raise DeskError(result.prompt or "人脸核验未通过，请使用 PIN 登录")
        with self._lock:
            self.officer_id = officer_id
            self._sign_in = SignIn(officer_id, "face", result.score_permille)
        return officer_id

    def cancel_capture(self) -> None:
        with self._lock:
            self.bio_pending = None

    def sign_out(self) -> None:
        with self._lock:
            if self.reception is not None:
                raise DeskError("接待尚未结束，不能退出登录")
            self.officer_id, self._sign_in = None, None

    # --- reception ----------------------------------------------------------------

    def _open(self) -> Reception:
        if self.reception is None:
            raise DeskError("当前没有进行中的接待")
        return self.reception

    def start(self, *, kind: str = "walk_in", visitors: int = 1) -> str:
        with self._lock:
            if self.officer_id is None:
                raise DeskError("请先登录")
            if self.reception is not None:
                raise DeskError("上一次接待尚未结束")
            if kind not in ("walk_in", "group", "leader") or not 1 <= visitors <= 500:
                raise DeskError("接待类型或来访人数无效")
            r = Reception(outbox=self.outbox, clock_ms=self._clock_ms)
            rid = r.start(self.officer_id, kind=kind, visitors=visitors)
            if self._sign_in is not None:  # 溯源: how the officer proved who they are
                record_sign_in(r, self.outbox, self._sign_in)
            self.reception, self.started_ms = r, self._clock_ms()
            self.identified, self.consent_id, self.consent_scopes = None, None, ()
            self.rating_armed, self.last, self.identify_skipped = False, None, False
            self.bio_pending = None
        self.recorder.start(rid)
        return rid

    def identify(self, *, id_number: str = "", phone: str = "", name: str = "") -> Identified:
        """The officer typed an ID number or phone: look the person up and record it."""
        id_number, phone, name = id_number.strip().upper(), phone.strip(), name.strip()
        if not (id_number or phone):
            raise DeskError("请输入身份证号或手机号")
        if id_number and not id_number_checksum_ok(id_number):
            raise DeskError("身份证号不正确（校验位不符），请核对")
        if phone and not _PHONE.match(phone):
            raise DeskError("手机号格式不正确")
        if len(name) > 200:
            raise DeskError("姓名太长")
        with self._lock:
            r = self._open()
            if r.rating is not None or self.rating_armed:
                raise DeskError("已进入评价环节，不能再核验身份")
        found = self._look_up(id_number or None, phone or None)
        timeline, source, fetched = found
        name = name or (timeline.person.name if timeline else "")
        if not name:
            raise DeskError("首次来访，请填写姓名")
        try:
            person = PersonRef(name=name, id_number=id_number or None, phone=phone or None)
        except ValidationError as e:
            raise DeskError("身份信息格式不正确") from e
        method: Literal["id_number", "phone"] = "id_number" if id_number else "phone"
        with self._lock:
            r = self._open()
            r.identify(person, method=method, outcome="verified" if timeline else "new_person")
            self.identified = Identified(
                person, method, timeline.person.id if timeline else None, timeline, source, fetched
            )
            return self.identified

    def skip_identify(self) -> None:
        """The petitioner declines to give an ID (e.g. an anonymous report): no event."""
        with self._lock:
            self._open()
            self.identify_skipped = True

    def _look_up(
        self, id_number: str | None, phone: str | None
    ) -> tuple[Timeline | None, Literal["central", "cache", "none"], int | None]:
        reason = "接待时调取来访人档案"
        officer = self.officer_id or ""
        try:
            pid = self.central.find_person(id_number=id_number, phone=phone, officer_id=officer)
            timeline = self.central.timeline(pid, officer_id=officer, reason=reason)
        except PersonNotFound:
            self._central_seen(True)
            return None, "none", None
        except CentralUnavailable:
            self._central_seen(False)
            cached_pid = self.cache.find(id_number=id_number, phone=phone)
            hit = self.cache.get(cached_pid) if cached_pid else None
            if hit is None:
                return None, "none", None
            return hit.timeline, "cache", hit.fetched_at_ms
        except CentralError as e:
            raise DeskError(f"调取档案失败：{e}") from e
        self._central_seen(True)
        self.cache.put(timeline, id_number=id_number, phone=phone)
        return timeline, "central", self._clock_ms()

    def _central_seen(self, ok: bool) -> None:
        with self._lock:
            self.central_ok, self._central_checked = ok, self._monotonic()

    def consent(self, *, accept: bool, face: bool, voice: bool) -> str | None:
        """The petitioner's answer on the consent screen; the record id if they agreed."""
        from ..identity.consent import DEFAULT_TEXT, record

        with self._lock:
            r = self._open()
            if not accept:
                self.consent_id, self.consent_scopes = None, ()
                return None
            scopes: list[Any] = [s for s, on in (("face", face), ("voice", voice)) if on]
            if not scopes:
                raise DeskError("请至少选择人脸或声纹中的一项，或选择不使用")
            ident = self.identified
            person_id = (ident.person_id if ident else None) or f"reception:{r.reception_id}"
            if self.identity is not None:  # stored, then sent as a consent.recorded event
                rec = self.identity.give_consent(
                    person_id=person_id,
                    scopes=scopes,
                    officer_id=self.officer_id or "",
                    reception_id=r.reception_id,
                    text=DEFAULT_TEXT,
                )
            else:
                rec = record(
                    person_id=person_id,
                    text=DEFAULT_TEXT,
                    scopes=scopes,
                    officer_id=self.officer_id or "",
                    now_ms=self._clock_ms(),
                    device_key=self.device_key,
                )
            self.cache.put_consent(
                rec.consent_id, json.dumps(rec.payload() | {"sig": rec.signature})
            )
            self.consent_id, self.consent_scopes = rec.consent_id, tuple(scopes)
            return rec.consent_id

    def delete_biometrics(self, *, reason: str = "request") -> None:
        """The petitioner asks for their face/voice data to be deleted (or withdraws
        consent): deleted here at once, then at central and every desk of the site."""
        with self._lock:
            self._open()
            ident = self.identified
            if ident is None or ident.person_id is None:
                raise DeskError("请先用身份证号或手机号找到当事人的档案")
            if self.identity is None:
                raise DeskError("本机未启用人脸/声纹，没有可删除的生物特征数据")
            kind: Any = reason if reason in ("request", "consent_withdrawn") else "request"
            self.identity.delete_person(
                ident.person_id, officer_id=self.officer_id or "", reason=kind
            )
            self.consent_id, self.consent_scopes, self.bio_pending = None, (), None

    def _bio_subject(self) -> tuple[Reception, Identified, str]:
        """The reception, the identified person and their dossier id (lock held)."""
        r = self._open()
        if self.consent_id is None:
            raise DeskError("未取得当事人单独同意，不能使用人脸/声纹")
        ident = self.identified
        if ident is None or ident.person_id is None:
            raise DeskError("请先用身份证号或手机号找到当事人的档案，再进行人脸/声纹核验")
        return r, ident, ident.person_id

    def bio_view(self) -> dict[str, Any]:
        """What the face/voice page offers: enrol what is consented and missing, verify
        what is enrolled (the ID number stays offered beside it)."""
        with self._lock:
            ident = self.identified
            pid = ident.person_id if ident else None
            scopes, pending = self.consent_scopes, self.bio_pending
        have = self.biometrics.enrolled(pid) if pid and self.biometrics.available else frozenset()
        return {
            "available": self.biometrics.available,
            "consented": bool(self.consent_id),
            "scopes": [m for m in ("face", "voice") if m in scopes],
            "person_id": pid,
            "enrolled": sorted(have),
            "can_enrol": [m for m in ("face", "voice") if m in scopes and m not in have],
            "can_verify": any(m in have for m in scopes),
            "pending": pending if pending and pending.kind != "officer" else None,
        }

    def begin_biometric(self, kind: BioKind) -> CapturePrompt:
        """Step 1 of a check or an enrolment: draw the challenge, show its prompt."""
        with self._lock:
            _r, _ident, _pid = self._bio_subject()
            scopes = self.consent_scopes
        if not self.biometrics.available:
            raise DeskError("本机未启用人脸/声纹，请使用身份证号")
        if kind == "verify":
            face, voice = self._verify_modalities(_pid, scopes)
            enrol = False
        elif kind in ("enrol_face", "enrol_voice"):
            modality = kind.removeprefix("enrol_")
            if modality not in scopes:
                raise DeskError(f"当事人未同意采集{MODALITY_ZH[modality]}，不能登记")
            face, voice, enrol = modality == "face", modality == "voice", True
        else:
            raise DeskError("无效的操作")
        prompt = self.biometrics.prepare(face=face, voice=voice, enrol=enrol)
        with self._lock:
            self.bio_pending = PendingCapture(kind, prompt)
        return prompt

    def _verify_modalities(self, person_id: str, scopes: tuple[str, ...]) -> tuple[bool, bool]:
        """What to capture: consented and enrolled (all consented when nothing is, so
        the answer is 'not enrolled' rather than no check at all)."""
        have: frozenset[str] = self.biometrics.enrolled(person_id)
        use = [m for m in scopes if m in have] or list(scopes)
        return "face" in use, "voice" in use

    def capture_biometric(self) -> str:
        """Step 2: capture now (the person has seen the prompt); the result, zh-CN."""
        with self._lock:
            pending, self.bio_pending = self.bio_pending, None
        if pending is None or pending.kind == "officer":
            raise DeskError("请先按「开始」，让当事人看清动作提示后再采集")
        if pending.kind == "verify":
            return self.verify_biometric()
        modality: Modality = "face" if pending.kind == "enrol_face" else "voice"
        return self.enrol_biometric(modality)

    def enrol_biometric(self, modality: Modality) -> str:
        """Capture and enrol after consent; the store refuses without it."""
        with self._lock:
            _r, _ident, pid = self._bio_subject()
            if modality not in self.consent_scopes:
                raise DeskError(f"当事人未同意采集{MODALITY_ZH[modality]}，不能登记")
        try:
            res = self.biometrics.enrol_petitioner(pid, modality)
        except PermissionError as e:  # TemplateStore.ConsentRequired
            raise DeskError(f"未取得当事人对{MODALITY_ZH[modality]}的单独同意，不能登记") from e
        if not res.enrolled:
            raise DeskError(res.prompt or f"{MODALITY_ZH[modality]}登记未成功，请重试")
        if self.identity is not None:
            self.identity.report()  # anything the store queued goes to central now
            if self.identity.relay is not None:  # the site's other desks, in the background
                threading.Thread(target=self._share, args=(pid,), daemon=True).start()
        return f"已登记{MODALITY_ZH[modality]}"

    def _share(self, person_id: str) -> None:
        from ..identity.relay import RelayError

        assert self.identity is not None
        try:
            self.identity.share(person_id)
        except (RelayError, ValueError) as e:
            log.warning("template of %s not shared with the other desks yet: %s", person_id, e)

    def verify_biometric(self) -> str:
        """Face/voice check against the claimed person; only with consent on record.

        A decision (verified / rejected / not enrolled) is an ``identity.checked`` event;
        a retry (no usable frame, challenge not answered) decides nothing and is not."""
        with self._lock:
            r, ident, pid = self._bio_subject()
            scopes = self.consent_scopes
        face, voice = self._verify_modalities(pid, scopes)
        res = self.biometrics.verify_petitioner(pid, face=face, voice=voice)
        with self._lock:
            if res.outcome == "retry":
                log.info("biometric check of %s inconclusive: %s", pid, res.prompt)
                ident.bio = res.prompt or "未能完成核验，请重试"
                return ident.bio
            r.identify(
                ident.person,
                method=res.method,
                outcome=res.outcome,
                score_permille=res.score_permille,
                consent_id=self.consent_id,
            )
            ident.bio = "核验通过" if res.outcome == "verified" else (res.prompt or "核验未通过")
            return ident.bio

    def step(self, step: str, form: dict[str, str]) -> None:
        with self._lock:
            r = self._open()
            if step not in next_steps(r.steps) or self.rating_armed:
                raise DeskError(f"现在不能进行「{STEPS[step].title if step in STEPS else step}」")
            try:
                fields = clean_fields(STEPS[step], form)
            except StepInputError as e:
                raise DeskError(str(e)) from e
            level = fields.pop("risk_level", "")
            reason = fields.pop("risk_reason", "")
            risk = (
                RiskNote.model_validate({"level": level, "reason": reason or "未说明"})
                if level
                else None
            )
            try:
                r.step(step, fields=fields, risk=risk)
            except ReceptionError as e:
                raise DeskError(str(e)) from e

    def arm_rating(self) -> None:
        """The officer finished: light the petitioner's buttons; a press ends the reception."""
        with self._lock:
            r = self._open()
            if next_steps(r.steps):
                raise DeskError("还有未完成的步骤，不能进入评价")
            self.rating_armed = True
            self.panel.arm(on_rating=self._rated)

    def _rated(self, rating: Rating) -> None:  # on the panel's thread
        with self._lock:
            r = self.reception
            if r is None or not self.rating_armed:
                return
            r.rate(rating, source="button")
            self._finish(r)

    def end_unrated(self) -> None:
        """The petitioner left without pressing a button."""
        with self._lock:
            r = self._open()
            if next_steps(r.steps):
                raise DeskError("还有未完成的步骤")
            self._finish(r, unrated=True)

    def _finish(self, r: Reception, *, unrated: bool = False) -> None:
        self.panel.disarm()
        r.end(unrated=unrated)
        assert r.reception_id is not None
        self.last = Finished(r.reception_id, r.rating)
        self.reception, self.rating_armed, self.identified = None, False, None
        self.identify_skipped = False
        self.consent_id, self.consent_scopes, self.started_ms = None, (), None
        self.bio_pending = None
        self.recorder.stop()

    # --- what the screen shows ------------------------------------------------------

    def recheck_central(self) -> None:
        """While offline, ask central now and then whether it is back (never raises)."""
        with self._lock:
            due = self._monotonic() - self._central_checked >= self.recheck_s
        if not self.central_ok and due:
            self._central_seen(self.central.ping())

    def state(self) -> dict[str, Any]:
        link = self.link()
        rec: RecordingStatus = self.recorder.status()
        with self._lock:
            r = self.reception
            offline = not self.central_ok or not link.broker_connected
            started = (
                datetime.fromtimestamp(self.started_ms / 1000, UTC).astimezone()
                if self.started_ms
                else None
            )
            return {
                "officer_id": self.officer_id,
                "reception_id": r.reception_id if r else None,
                "phase": self._phase(),
                "steps_done": list(r.steps) if r else [],
                "next_steps": list(next_steps(r.steps)) if r else [],
                "deadlines": deadlines(self.cfg, started) if started else [],
                "offline": offline,
                "banner": OFFLINE_BANNER if offline else "",
                "central_ok": self.central_ok,
                "broker_connected": link.broker_connected,
                "events_pending": link.events_pending,
                "recording": rec.recording,
                "segments_spooled": rec.segments_spooled,
                "upload_pending": rec.upload_pending + link.events_pending,
                "last_rating": (self.last.rating if self.last else None),
                "last_reception_id": (self.last.reception_id if self.last else None),
            }

    def _phase(self) -> str:
        r = self.reception
        if self.officer_id is None:
            return "signed_out"
        if r is None:
            return "done" if self.last is not None else "ready"
        if self.rating_armed:
            return "rating"
        if self.identified is None and not self.identify_skipped:
            return "identify"
        return "steps" if next_steps(r.steps) else "finish"

    def next_visitor(self) -> None:
        with self._lock:
            self.last = None

    def take_flash(self) -> str:
        with self._lock:
            msg, self.flash = self.flash, ""
            return msg
