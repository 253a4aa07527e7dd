"""The desk: who is signed in, the reception under way, and what the screen shows.

``Desk`` holds the shared state of the box's touchscreen; the work of each screen is
a flow beside it (``appliance.ui.flows``): ``signin``, ``visitor``, ``bio``,
``procedure``. Every action the officer confirms goes through
``appliance.session.Reception`` (so it is an outbox event carrying the officer id
before the page answers).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from firmware_glue.buttons import RatingPanel
from firmware_glue.printer import Printer, PrinterError
from protocol.matters import AWAITING_DECISION
from protocol.messages import PersonRef

from ..central_client import CentralClient, CentralError, PersonNotFound, Timeline
from ..dossier_cache import DossierCache
from ..officers import OfficerDirectory, SignIn, record_sign_in
from ..progress import ProgressCheck, QrScanner, check_progress
from ..session import EventSink, Reception
from .clocks import Deadline, deadlines
from .config import UiConfig
from .errors import DeskError
from .flows.biometric import BiometricFlow
from .flows.procedure import MatterChoice, ProcedureFlow
from .flows.signin import SignInFlow
from .flows.visitor import VisitorFlow
from .hooks import Biometrics, CapturePrompt, NoBiometrics, Recorder, RecordingStatus
from .throttle import PinThrottle

if TYPE_CHECKING:
    from ..identity.desk import DeskIdentity

__all__ = ["OFFLINE_BANNER", "RATING_ZH", "Desk", "DeskError", "Identified", "LinkStatus"]

OFFLINE_BANNER = "中心服务器暂时无法连接，数据已在本机保存，恢复后自动上传"
RECHECK_CENTRAL_S = 15.0
RATING_ZH = {"satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意"}


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
    cancelled: bool = False


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
        qr: QrScanner | None = None,
        clock_ms: Callable[[], int] = _now_ms,
        monotonic: Callable[[], float] = time.monotonic,
        recheck_s: float = RECHECK_CENTRAL_S,
        printer: Printer | None = None,
    ) -> None:
        self.outbox, self.officers, self.panel = outbox, officers, panel
        self.central, self.cache, self.cfg = central, cache, cfg
        self.device_key, self.link, self.recorder = device_key, link, recorder
        self.biometrics: Biometrics = biometrics or NoBiometrics()
        # consent records and deletions as events (None: no template key at this desk)
        self.identity = identity
        self.qr = qr  # the camera reading a 回执's QR code (None: no camera at this desk)
        self.progress_check: ProgressCheck | None = None  # the last 进度查询, shown once
        self.printer = printer  # the 回执's printer (None: the button is not shown)
        self._clock_ms, self._monotonic = clock_ms, monotonic
        self.recheck_s = recheck_s
        self.lock = threading.RLock()
        self.officer_id: str | None = None
        self.sign_in_record: SignIn | None = None  # how they signed in: receptions record it
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
        self.matter: MatterChoice | None = None  # opened or linked at 登记
        self.party: list[tuple[PersonRef, str]] = []  # a group visit's further persons
        self.party_done = False
        self.pin_throttle = PinThrottle(
            outbox.append,
            clock_ms,
            per_officer=cfg.pin_max_failures,
            per_desk=cfg.desk_max_failures,
            lock_s=cfg.pin_lock_s,
        )
        self.signin = SignInFlow(self)
        self.visitor = VisitorFlow(self)
        self.bio = BiometricFlow(self)
        self.procedure = ProcedureFlow(self)

    def now_ms(self) -> int:
        return self._clock_ms()

    def officer_name(self, officer_id: str | None) -> str:
        """How people read an officer: the display name from the box config."""
        if not officer_id:
            return ""
        return self.officers.display_name(officer_id)

    # --- the reception's life ---------------------------------------------------------

    def can_print_receipt(self) -> bool:
        """A printer, and a matter this desk opened whose 登记 is done."""
        r = self.reception
        m = self.matter
        return bool(self.printer and m and m.new and r and "register" in r.steps)

    def print_receipt(self) -> str:
        """Fetch the matter's 回执 from central and print it; the job id. Central has
        the matter only once the box's 登记 event has reached it."""
        with self.lock:
            if not self.can_print_receipt() or self.matter is None or self.printer is None:
                raise DeskError("登记本台新事项后才能打印回执（且须配置打印机）")
            matter_id, officer = self.matter.ref, self.officer_id or ""
        try:
            pdf = self.central.receipt_pdf(matter_id, officer_id=officer)
        except PersonNotFound as e:
            raise DeskError("中心尚未收到本次登记（正在上传），请稍后再按打印") from e
        except CentralError as e:
            raise DeskError(f"无法取得回执：{e}") from e
        try:
            job = self.printer.print_pdf(pdf, title="接访回执")
        except PrinterError as e:
            raise DeskError(str(e)) from e
        self.flash = f"回执已送打印机（{job}）"
        return job

    def open_reception(self) -> Reception:
        """The reception under way (call with the lock held)."""
        if self.reception is None:
            raise DeskError("当前没有进行中的接待")
        return self.reception

    def start(self, *, kind: str = "walk_in", visitors: int = 1) -> str:
        with self.lock:
            if self.officer_id is None:
                raise DeskError("请先登录")
            if self.reception is not None:
                raise DeskError("上一次接待尚未结束")
            if kind not in ("walk_in", "group", "leader") or not 1 <= visitors <= 500:
                raise DeskError("接待类型或来访人数无效")
            r = Reception(outbox=self.outbox, clock_ms=self._clock_ms)
            rid = r.start(self.officer_id, kind=kind, visitors=visitors)
            if self.sign_in_record is not None:  # 溯源: how the officer proved who they are
                record_sign_in(r, self.outbox, self.sign_in_record)
            self.reception, self.started_ms = r, self._clock_ms()
            self._reset_visit()
            self.last = None
        self.recorder.start(rid)
        return rid

    def _reset_visit(self) -> None:
        self.identified, self.consent_id, self.consent_scopes = None, None, ()
        self.rating_armed, self.identify_skipped = False, False
        self.bio_pending, self.matter = None, None
        self.party, self.party_done = [], False

    def finish(
        self, r: Reception, *, unrated: bool = False, cancel_reason: str | None = None
    ) -> None:
        """End the reception (lock held): the buttons go dark, the recording stops."""
        self.panel.disarm()
        if cancel_reason is not None:
            r.cancel(cancel_reason)
        else:
            r.end(unrated=unrated)
        assert r.reception_id is not None
        self.last = Finished(r.reception_id, r.rating, cancelled=cancel_reason is not None)
        self.reception, self.started_ms = None, None
        self._reset_visit()
        self.recorder.stop()

    def next_visitor(self) -> None:
        with self.lock:
            self.last = None

    # --- central's reachability ---------------------------------------------------------

    def central_seen(self, ok: bool) -> None:
        with self.lock:
            self.central_ok, self._central_checked = ok, self._monotonic()

    def recheck_central(self) -> None:
        """While offline, ask central now and then whether it is back (never raises)."""
        with self.lock:
            due = self._monotonic() - self._central_checked >= self.recheck_s
        if not self.central_ok and due:
            self.central_seen(self.central.ping())

    # --- the petitioner's 进度查询 (the 回执's QR code) -----------------------------------

    def scan_progress(self) -> ProgressCheck:
        """Read the 回执 held to the camera and ask central (not under the lock: the
        camera and the network take a moment, and the officer's screen must not wait)."""
        found = check_progress(self.qr, self.central)
        if found.outcome == "offline":
            self.central_seen(False)
        elif found.outcome in ("found", "not_found", "throttled"):
            self.central_seen(True)
        with self.lock:
            self.progress_check = found
        return found

    def take_progress(self) -> ProgressCheck | None:
        with self.lock:
            found, self.progress_check = self.progress_check, None
            return found

    # --- what the screen shows ----------------------------------------------------------

    def state(self) -> dict[str, Any]:
        link = self.link()
        rec: RecordingStatus = self.recorder.status()
        with self.lock:
            r = self.reception
            offline = not self.central_ok or not link.broker_connected
            return {
                "officer_id": self.officer_id,
                "reception_id": r.reception_id if r else None,
                "phase": self.phase(),
                "steps_done": list(r.steps) if r else [],
                "next_steps": list(self.procedure.allowed()) if r else [],
                "deadlines": self._deadlines(r) if r else [],
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

    def _deadlines(self, r: Reception) -> list[Deadline]:
        """The matter's clocks: from its 登记 (a linked matter's first 登记), or from
        now before it."""
        at = {rec.step: rec.at for rec in r.records}
        linked = self.matter.registered_ms if self.matter else None
        registered = linked or at.get("register", self._clock_ms())
        out = deadlines(self.cfg, registered, accepted_ms=at.get("accept"))
        linked_matter = self.matter.linked if self.matter else None
        if linked_matter is not None and linked_matter.status_key not in AWAITING_DECISION:
            # decided at an earlier visit: the reply clocks were answered then
            out = [d for d in out if d.kind not in ("procedural_reply", "acceptance_decision")]
        return [d for d in out if d.due is not None]

    def phase(self) -> str:
        r = self.reception
        if self.officer_id is None:
            return "signed_out"
        if r is None:
            return "done" if self.last is not None else "ready"
        if self.rating_armed:
            return "rating"
        if self.identified is None and not self.identify_skipped:
            return "identify"
        if r.kind == "group" and not self.party_done and not r.steps:
            return "party"
        if self.procedure.needs_choice():
            return "matter"
        return "steps" if self.procedure.allowed() else "finish"

    def take_flash(self) -> str:
        with self.lock:
            msg, self.flash = self.flash, ""
            return msg
