"""``zhifang appliance ui``: the box with its touchscreen (forwarder + kiosk page).

Wired by the lead into ``appliance/cli.py``: ``ui_cli.register(asub)`` where ``asub``
is the ``appliance`` subparsers.
"""

from __future__ import annotations

import argparse
import functools
import logging
import sys
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def register(sub: Any) -> None:
    p = sub.add_parser("ui", help="serve the officer's touchscreen (and forward events)")
    p.add_argument("--config", type=Path, required=True, help="box config (TOML)")
    p.add_argument(
        "--ui-config", type=Path, default=None, help="TOML with a [ui] table (defaults if unset)"
    )
    p.add_argument(
        "--fake-hardware",
        action="store_true",
        help="rating buttons on gpiozero's MockFactory, fake recorder (demo, tests)",
    )
    p.add_argument(
        "--fake-frames",
        type=Path,
        default=None,
        metavar="DIR",
        help="with --fake-hardware and [biometrics] enabled: image files played as the "
        "camera (name order, looping), run through the real models",
    )
    p.add_argument(
        "--fake-audio",
        type=Path,
        default=None,
        metavar="DIR",
        help="with --fake-frames: WAV files played as the microphone, one per capture",
    )
    p.add_argument(
        "--fake-central",
        action="store_true",
        help="an in-memory central with no dossiers (when no central_url is set)",
    )
    p.set_defaults(func=cmd_ui)
    h = sub.add_parser(
        "pin-hash", help="read an officer's PIN on stdin, print its hash for [officer] pin_hashes"
    )
    h.set_defaults(func=cmd_pin_hash)


def cmd_pin_hash(_args: argparse.Namespace) -> int:
    from ..officers import hash_pin

    pin = sys.stdin.readline().strip()
    try:
        print(hash_pin(pin))
    except ValueError as e:
        print(f"PIN 无效 / bad PIN: {e}", file=sys.stderr)
        return 2
    return 0


def officer_directory(box: Any, *, demo: bool) -> Any:
    """The officers who may sign in at this box: PIN hashes from the config and the
    officers with an enrolled badge face. Only ``demo`` (``--fake-hardware``) may fall
    back to the demo officer; otherwise no credentials is ``NoOfficerCredentials``."""
    from ..officers import NoOfficerCredentials, OfficerDirectory, badge_person_id
    from ..simulate import demo_directory

    cfg = box.config.officer
    prefix = badge_person_id("")
    store = box.identity.store if box.identity is not None else None
    faces = frozenset(p.removeprefix(prefix) for p in store.with_face(prefix)) if store else None
    officers = OfficerDirectory(cfg.pin_hashes, names=cfg.names, faces=faces or frozenset())
    if len(officers):
        return officers
    if demo:
        log.warning("no officer credentials: demo officer %s with the demo PIN", cfg.default_id)
        return demo_directory(cfg.default_id)
    raise NoOfficerCredentials(
        "本机没有承办人登录凭据（[officer] pin_hashes 或已登记的人脸），拒绝启动；"
        "请用 'zhifang appliance pin-hash' 生成 PIN 哈希写入配置，或登记承办人人脸 "
        "(no officer credentials: set [officer] pin_hashes or enrol an officer's face)"
    )


def build_desk(
    box: Any,
    ui_cfg: Any,
    *,
    panel: Any,
    central: Any,
    recorder: Any,
    biometrics: Any = None,
    demo: bool = False,
    officers: Any = None,
    qr: Any = None,
) -> Any:
    """A ``Desk`` on a ``Box``: its outbox, device key, broker link and officer list
    (``NoOfficerCredentials`` without any, unless ``demo``)."""
    from ..dossier_cache import DossierCache
    from .desk import Desk, LinkStatus

    officers = officers or officer_directory(box, demo=demo)

    def link() -> LinkStatus:
        return LinkStatus(box.forwarder.stats.connected, box.outbox.pending_count())

    cache = DossierCache(
        box.config.data_dir / "dossiers.sqlite3",
        max_entries=ui_cfg.cache_max_entries,
        max_age_days=ui_cfg.cache_max_age_days,
    )
    return Desk(
        outbox=box.outbox,
        officers=officers,
        panel=panel,
        central=central,
        cache=cache,
        cfg=ui_cfg,
        device_key=box.key,
        link=link,
        recorder=recorder,
        biometrics=biometrics,
        identity=box.identity,
        qr=qr,
        printer=build_printer(ui_cfg, box.config.data_dir),
        state=box.outbox,
    )


def build_printer(ui_cfg: Any, data_dir: Path) -> Any:
    """The desk's printer from ``[ui] printer`` (None: no 打印回执 button)."""
    from firmware_glue.printer import FilePrinter, LpPrinter

    if ui_cfg.printer == "cups":
        return LpPrinter(ui_cfg.printer_name)
    if ui_cfg.printer == "file":
        return FilePrinter(ui_cfg.printer_folder or data_dir / "printed")
    return None


def build_biometrics(
    box: Any,
    *,
    fake_hardware: bool,
    fake_frames: Path | None = None,
    fake_audio: Path | None = None,
) -> tuple[Any, Any]:
    """(the desk's ``Biometrics``, the camera to close at exit or None).

    ``CameraBiometrics`` when ``[biometrics] enabled``, the site's template key is set and
    the face models load (SHA-256 checked); otherwise ``NoBiometrics`` with the reason
    logged. With ``fake_hardware`` the camera is ``fake_frames`` (image files) and the
    microphone ``fake_audio`` (WAV files); without ``fake_frames`` there is no camera."""
    from .hooks import NoBiometrics

    settings = box.config.biometrics

    def off(reason: str) -> tuple[Any, Any]:
        log.warning("人脸/声纹未启用 (biometrics off): %s", reason)
        return NoBiometrics(reason), None

    if not settings.enabled:
        return off("[biometrics] enabled is false in the box config")
    if box.identity is None:
        return off("no template_key_path in the box config (templates cannot be kept)")
    try:
        from firmware_glue.frames import FrameSourceError

        from ..identity.biometrics import load_camera_biometrics
        from ..identity.face import pad_small
    except ImportError as e:  # the identity extra is not installed
        return off(f"identity packages missing ({e}); pip install zhifang[identity]")
    try:
        camera, microphone = _camera_and_microphone(
            settings,
            fake_hardware=fake_hardware,
            fake_frames=fake_frames,
            fake_audio=fake_audio,
            prepare=pad_small,
        )
    except (ImportError, FrameSourceError, RuntimeError, OSError) as e:
        return off(f"camera unavailable: {e}")
    if camera is None:
        return off("--fake-hardware without --fake-frames: no camera")
    from models.registry import ModelError

    try:
        bio, notes = load_camera_biometrics(
            store=box.identity.store, camera=camera, microphone=microphone, settings=settings
        )
    except (ModelError, ImportError) as e:
        camera.close()
        return off(f"face models unavailable: {e}")
    for note in notes:
        log.warning("biometrics: %s", note)
    return bio, camera


def _camera_and_microphone(
    settings: Any,
    *,
    fake_hardware: bool,
    fake_frames: Path | None,
    fake_audio: Path | None,
    prepare: Any,
) -> tuple[Any, Any]:
    """The biometrics' camera (None: fake hardware without ``fake_frames``; image files
    go through ``prepare``) and microphone (None: no voice). Raises what a missing or
    busy device raises."""
    if fake_hardware:
        if fake_frames is None:
            return None, None
        from firmware_glue.frames import ImageFileFrameSource
        from firmware_glue.microphone import WavPlaylist

        camera = ImageFileFrameSource(fake_frames, prepare=prepare)
        return camera, (WavPlaylist(fake_audio) if fake_audio is not None else None)
    from firmware_glue.frames import Picamera2FrameSource
    from firmware_glue.microphone import SoundDeviceMicrophone

    microphone: Any = None
    if settings.voice:  # opened per clip; ALSA dsnoop shares it with the recorder
        microphone = functools.partial(SoundDeviceMicrophone, device=settings.microphone)
    return Picamera2FrameSource.open(size=settings.camera_size), microphone


def build_qr(
    box: Any, camera: Any, *, fake_hardware: bool, fake_frames: Path | None = None
) -> tuple[Any, Any]:
    """(the scanner that reads a 回执's QR code for 进度查询, a camera opened for it alone
    to close at exit, or None). The biometrics' camera when there is one; else its own
    (``fake_frames`` with ``fake_hardware``); no camera: the screen says to use a phone."""
    from ..progress import CameraQrScanner

    if camera is not None:
        return CameraQrScanner(camera), None
    try:
        from firmware_glue.frames import FrameSourceError

        if fake_hardware:
            if fake_frames is None:
                return None, None
            from firmware_glue.frames import ImageFileFrameSource

            own: Any = ImageFileFrameSource(fake_frames)
        else:
            from firmware_glue.frames import Picamera2FrameSource

            own = Picamera2FrameSource.open(size=box.config.biometrics.camera_size)
    except (ImportError, FrameSourceError, RuntimeError, OSError) as e:
        log.warning("进度查询不能扫码 (no camera for the QR code): %s", e)
        return None, None
    return CameraQrScanner(own), own


def cmd_ui(args: argparse.Namespace) -> int:
    import uvicorn

    from ..box import Box
    from ..config import ConfigError, load_config
    from ..officers import NoOfficerCredentials
    from .app import create_app
    from .config import UiConfigError, load_ui_config
    from .hooks import FakeRecorder, SpoolRecorder

    try:
        config = load_config(args.config)
        ui_cfg = load_ui_config(args.ui_config)
    except (ConfigError, UiConfigError) as e:
        print(f"配置错误 / config error: {e}", file=sys.stderr)
        return 2
    central_url = ui_cfg.central_url or config.central_url
    if not central_url and not args.fake_central:
        print("config error: set central_url, or pass --fake-central", file=sys.stderr)
        return 2
    try:  # before any hardware is touched: no TLS or no credentials, no touchscreen
        box = Box(config)
        officers = officer_directory(box, demo=args.fake_hardware)
    except (ConfigError, NoOfficerCredentials) as e:
        print(f"配置错误 / config error: {e}", file=sys.stderr)
        return 2
    panel = _rating_panel(config.pinmap_path, fake=args.fake_hardware)
    box.start()
    central = _central_client(central_url, box, ui_cfg)
    # the badge follows the box's own recorder and spool; feeding it camera frames and
    # microphone blocks is the capture loop's job (firmware_glue.media), not the UI's
    recorder: Any = FakeRecorder() if args.fake_hardware else SpoolRecorder(box.recorder)
    camera: Any = None
    qr_camera: Any = None
    try:
        biometrics, camera = build_biometrics(
            box,
            fake_hardware=args.fake_hardware,
            fake_frames=args.fake_frames,
            fake_audio=args.fake_audio,
        )
        qr, qr_camera = build_qr(
            box, camera, fake_hardware=args.fake_hardware, fake_frames=args.fake_frames
        )
        desk = build_desk(
            box,
            ui_cfg,
            panel=panel,
            central=central,
            recorder=recorder,
            biometrics=biometrics,
            officers=officers,
            qr=qr,
        )
        from firmware_glue import watchdog

        app = create_app(desk, watchdog=watchdog.from_environment())  # Type=notify unit
        app.state.laws = _law_library(config.data_dir, central_url)
        uvicorn.run(app, host=ui_cfg.host, port=ui_cfg.port, log_level="warning")
    finally:
        for cam in (camera, qr_camera):
            if cam is not None:
                cam.close()
        panel.close()
        box.stop()
    return 0


def _rating_panel(pinmap_path: Path | None, *, fake: bool) -> Any:
    """The petitioner's three buttons: on the GPIO pins, or the fake with no hardware."""
    from firmware_glue.pinmap import load_pinmap

    pinmap = load_pinmap(pinmap_path)
    if fake:
        from firmware_glue.fakes import FakeRatingPanel

        return FakeRatingPanel(pinmap)
    from firmware_glue.buttons import GpioRatingPanel

    return GpioRatingPanel(pinmap)


def _central_client(central_url: str | None, box: Any, ui_cfg: Any) -> Any:
    """Central for dossier look-ups, signed with the box's device key (no URL: the fake)."""
    from ..central_client import FakeCentralClient, HttpCentralClient
    from ..http_auth import DeviceAuth

    if not central_url:
        return FakeCentralClient()
    return HttpCentralClient.to(
        central_url, auth=DeviceAuth(box.config.device, box.key), timeout_s=ui_cfg.central_timeout_s
    )


def _law_library(data_dir: Path, central_url: str | None) -> Any:
    """The laws for the petitioner's pages: the cached copy now, central's newer one
    in the background (the kiosk must not wait for the network to start)."""
    import threading

    import httpx

    from .laws import LawLibrary

    def fetch() -> dict[str, Any]:
        r = httpx.get(f"{central_url}/api/legal/bundle", timeout=30)
        r.raise_for_status()
        return dict(r.json())

    library = LawLibrary(data_dir / "legal.json", fetch=fetch if central_url else None)
    threading.Thread(target=library.refresh, name="laws", daemon=True).start()
    return library
