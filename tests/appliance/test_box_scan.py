"""The petitioner holds the 回执 to the box's camera: the box reads the QR code, asks
central with its signed request, and says what came of it. The camera is the shipped
fake (``ArrayFrameSource``) given a QR image; central is real (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from appliance.central_client import FakeCentralClient, HttpCentralClient
from appliance.http_auth import DeviceAuth
from appliance.progress import (
    NO_CODE_ZH,
    NOT_RECEIPT_ZH,
    CameraQrScanner,
    QrScanner,
    check_progress,
)
from firmware_glue.frames import ArrayFrameSource
from protocol.petitions import query_qr_text
from protocol.progress import NOT_FOUND_ZH, UNAVAILABLE_ZH
from tests.auth import register_box
from tests.central.progress.qr import qr_frame, receipt_frame
from tests.central.progress.test_lookup import _audits, _matter


def _scanner(*frames: np.ndarray) -> CameraQrScanner:
    return CameraQrScanner(ArrayFrameSource(frames), tries=3, interval_s=0)


def test_the_box_reads_the_receipt_and_central_answers(
    app: FastAPI, sessions: sessionmaker[Session]
) -> None:
    _, ref, code = _matter(sessions)
    key = register_box(sessions, "desk-1", site="minhou")
    with TestClient(app) as http:
        http.auth = DeviceAuth("desk-1", key)
        central = HttpCentralClient(http)
        blank = np.full((480, 640, 3), 255, np.uint8)  # the camera first sees no code
        found = check_progress(_scanner(blank, receipt_frame(ref, code)), central)
        assert found.outcome == "found" and found.status is not None
        assert found.status.ref_no == ref and found.status.decision == "accepted"
        wrong = check_progress(_scanner(receipt_frame(ref, "WRONGCOD")), central)
        assert (wrong.outcome, wrong.message) == ("not_found", NOT_FOUND_ZH)
        other = check_progress(_scanner(qr_frame("https://example.com/")), central)
        assert (other.outcome, other.message) == ("not_receipt", NOT_RECEIPT_ZH)
        nothing = check_progress(_scanner(blank), central)
        assert (nothing.outcome, nothing.message) == ("unreadable", NO_CODE_ZH)
    assert [a.actor for a in _audits(sessions)] == ["device:desk-1"] * 2  # what reached central
    # central gone: the box says plainly that it cannot tell now
    gone = HttpCentralClient.to("http://127.0.0.1:9", auth=DeviceAuth("desk-1", key))
    off = check_progress(_scanner(receipt_frame(ref, code)), gone)
    assert (off.outcome, off.message) == ("offline", UNAVAILABLE_ZH)


class _Reads(QrScanner):
    """A camera that always reads the 回执's text. The throttle test asks 25 times; with a
    random 查询码, now and then one rendered code is one OpenCV's detector cannot read
    (seen once in CI), and reading is what the tests above are for."""

    def __init__(self, text: str) -> None:
        self.text = text

    def scan(self) -> str | None:
        return self.text


def test_the_box_is_throttled_like_an_address(
    app: FastAPI, sessions: sessionmaker[Session]
) -> None:
    _, _, code = _matter(sessions)
    key = register_box(sessions, "desk-2", site="minhou")
    with TestClient(app) as http:
        http.auth = DeviceAuth("desk-2", key)
        central = HttpCentralClient(http)
        outcomes = [
            check_progress(_Reads(query_qr_text(f"闽侯检信〔2026〕{600 + i}号", code)), central)
            for i in range(25)
        ]
    kinds = [o.outcome for o in outcomes]
    assert kinds == ["not_found"] * 20 + ["throttled"] * 5
    assert "查询过于频繁" in outcomes[-1].message  # the window's end: see test_lookup


def test_the_fake_central_answers_as_central_does() -> None:
    fake = FakeCentralClient()
    fake.online = False
    off = check_progress(_scanner(receipt_frame("闽侯检信〔2026〕1号", "ABCDEFGH")), fake)
    assert off.outcome == "offline"


def test_the_desk_wires_a_camera_for_the_qr_code(tmp_path: Path) -> None:
    """``zhifang box ui --fake-hardware --fake-frames DIR``: the fake camera shows the
    image files in DIR - here a photographed 回执 - and the desk's scanner reads it."""
    import cv2

    from appliance.ui.cli import build_qr

    shots = tmp_path / "frames"
    shots.mkdir()
    cv2.imwrite(str(shots / "receipt.png"), receipt_frame("闽侯检信〔2026〕7号", "ABCDEFGH"))
    scanner, own = build_qr(None, None, fake_hardware=True, fake_frames=shots)
    assert own is not None and scanner.scan() == "ZHIFANG-QUERY 闽侯检信〔2026〕7号 ABCDEFGH"
    shared = ArrayFrameSource([receipt_frame("闽侯检信〔2026〕8号", "ABCDEFGH")])
    scanner, own = build_qr(None, shared, fake_hardware=True)  # the biometrics' camera
    assert own is None and scanner.frames is shared
    assert build_qr(None, None, fake_hardware=True) == (None, None)  # no camera: no scanner


def _printed(text: str, scale: int) -> np.ndarray:
    """The QR code as the printed 回执 draws it (reportlab's encoder, level M)."""
    import cv2
    from reportlab.graphics.barcode.qr import QrCodeWidget

    w = QrCodeWidget(text, barLevel="M")
    w.qr.make()
    dark = np.array(w.qr.modules, dtype=np.uint8)
    img = (1 - np.kron(np.pad(dark, 4), np.ones((scale, scale), np.uint8))) * 255
    return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)


def test_the_box_reads_receipts_opencvs_classic_detector_misses() -> None:
    # found by rendering 400 random 回执 codes: OpenCV's classic detector (4.x) read
    # 397; these are two it missed at 6 px a module on perfect images
    for text in (
        "ZHIFANG-QUERY minhou检信〔2026〕138号 ANVRZ5RD",
        "ZHIFANG-QUERY minhou检信〔2026〕187号 67G9DDRK",
    ):
        assert _scanner(_printed(text, 6)).scan() == text
