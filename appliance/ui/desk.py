"""The desk: who is signed in, the reception under way, and what the screen shows.

``Desk`` holds the shared state of the box's touchscreen; the work of each screen is
a flow beside it (``appliance.ui.flows``): ``signin``, ``visitor``, ``consent``, ``bio``,
``procedure``, ``finishing``, ``receipt``, ``progress``; what the screen shows is drawn by
``appliance.ui.screen``. Every action the officer confirms goes through
``appliance.session.Reception`` (so it is an outbox event carrying the officer id
before the page answers).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from firmware_glue.buttons import RatingPanel
from firmware_glue.printer import Printer
from protocol.messages import PersonRef

from ..central_client import CentralClient
from ..dossier_cache import DossierCache
from ..officers import OfficerDirectory, SignIn, record_sign_in
from ..progress import QrScanner
from ..session import EventSink, Reception
from . import screen
from .config import UiConfig
from .errors import DeskError
from .flows.biometric import BiometricFlow
from .flows.consent import ConsentFlow
from .flows.finish import FinishFlow
from .flows.procedure import MatterChoice, ProcedureFlow
from .flows.progress import ProgressFlow
from .flows.receipt import ReceiptFlow
from .flows.signin import SignInFlow
from .flows.visitor import VisitorFlow
from .hooks import Biometrics, NoBiometrics, Recorder
from .screen import OFFLINE_BANNER, LinkStatus
from .throttle import PinThrottle, StateStore
from .visit import BioKind, Finished, Identified, PendingCapture

if TYPE_CHECKING:
    from ..identity.desk import DeskIdentity

__all__ = [
    "OFFLINE_BANNER",
    "BioKind",
    "Desk",
    "DeskError",
    "Finished",
    "Identified",
    "LinkStatus",
    "PendingCapture",
]

RECHECK_CENTRAL_S = 15.0


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
        state: StateStore | None = None,
    ) -> None:
        self.outbox, self.officers, self.panel = outbox, officers, panel
        self.central, self.cache, self.cfg = central, cache, cfg
        self.device_key, self.link, self.recorder = device_key, link, recorder
        self.biometrics: Biometrics = biometrics or NoBiometrics()
        # consent records and deletions as events (None: no template key at this desk)
        self.identity = identity
        self.qr = qr  # the camera reading a 回执's QR code (None: no camera at this desk)
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
            store=state,  # the PIN counts survive a restart (the outbox's file)
        )
        self.signin = SignInFlow(self)
        self.visitor = VisitorFlow(self)
        self.consent = ConsentFlow(self)
        self.bio = BiometricFlow(self)
        self.procedure = ProcedureFlow(self)
        self.finishing = FinishFlow(self)
        self.receipt = ReceiptFlow(self)
        self.progress = ProgressFlow(self)

    def now_ms(self) -> int:
        return self._clock_ms()

    def officer_name(self, officer_id: str | None) -> str:
        """How people read an officer: the display name from the box config."""
        if not officer_id:
            return ""
        return self.officers.display_name(officer_id)

    # --- the reception's life ---------------------------------------------------------

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

    # --- what the screen shows ----------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """The picture every page is drawn from (``screen.state``)."""
        return screen.state(self)

    def take_flash(self) -> str:
        with self.lock:
            msg, self.flash = self.flash, ""
            return msg
