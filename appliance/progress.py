"""The petitioner shows the 回执's QR code to the box's camera and reads how the
matter stands (进度查询 at the desk).

    QrScanner (interface)        what the camera sees, as the text of a QR code
    └── CameraQrScanner          any ``firmware_glue.frames.FrameSource`` (the real
                                 camera, or the shipped fakes given a QR image),
                                 decoded with OpenCV (``decode_qr``)

``check_progress`` scans, parses the text with ``protocol.petitions.parse_query_qr``
(the format the printed 回执 is made with), asks central with the box's signed
request (``CentralClient.progress``) and says, in words for the petitioner, what came
of it: the status, or that the code could not be read, is not a 回执's, does not match,
is asked too often, or that central cannot be reached now (offline: nothing is cached
or guessed; the box says plainly that it cannot tell).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from protocol.petitions import parse_query_qr
from protocol.progress import NOT_FOUND_ZH, UNAVAILABLE_ZH, ProgressStatus

from .central_client import (
    CentralClient,
    CentralError,
    CentralUnavailable,
    ProgressNotFound,
    ProgressThrottled,
)

if TYPE_CHECKING:
    from firmware_glue.frames import FrameSource

__all__ = ["CameraQrScanner", "ProgressCheck", "QrScanner", "QrScannerError", "check_progress"]

Outcome = Literal["found", "unreadable", "not_receipt", "not_found", "throttled", "offline"]
NO_CODE_ZH = "没有看清二维码。请把回执上的二维码正对摄像头，离开一拃左右，再按「扫描二维码」。"
NOT_RECEIPT_ZH = "这不是本系统回执上的二维码。请出示检察院开具的回执。"
NO_CAMERA_ZH = "本机摄像头暂时不能使用，请在手机上打开查询网页，输入文号和查询码查询。"


class QrScannerError(RuntimeError):
    """The camera gave no frame (gone, closed, not set up)."""


class QrScanner:
    """Subclasses must implement ``scan``."""

    def scan(self) -> str | None:
        """The text of a QR code the camera sees now, or None if none could be read."""
        raise NotImplementedError


class CameraQrScanner(QrScanner):
    """Up to ``tries`` frames, ``interval_s`` apart, until one decodes."""

    def __init__(
        self, frames: FrameSource, *, tries: int = 12, interval_s: float = 0.1,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:  # fmt: skip
        self.frames, self.tries, self.interval_s, self._sleep = frames, tries, interval_s, sleep

    def scan(self) -> str | None:
        import cv2

        from firmware_glue.frames import FrameSourceError

        detectors = (cv2.QRCodeDetector(), cv2.QRCodeDetectorAruco())
        for i in range(self.tries):
            if i and self.interval_s > 0:
                self._sleep(self.interval_s)
            try:
                frame = self.frames.grab()
            except FrameSourceError as e:
                raise QrScannerError(str(e)) from e
            text = decode_qr(frame, detectors)
            if text:
                return text
        return None


def decode_qr(frame: Any, detectors: tuple[Any, ...] = ()) -> str:
    """The text of the QR code in ``frame`` ("" when none is read).

    OpenCV's classic ``QRCodeDetector`` misses about 1 code in 130 of our 回执's
    (measured on perfect renderings at 4-8 px a module), whatever the print; the
    ArUco-based detector reads those, so it is tried second on the same frame."""
    import cv2

    for detector in detectors or (cv2.QRCodeDetector(), cv2.QRCodeDetectorAruco()):
        text, _points, _ = detector.detectAndDecode(frame)
        if text:
            return str(text)
    return ""


@dataclass(frozen=True)
class ProgressCheck:
    outcome: Outcome
    message: str  # for the petitioner, in Chinese ("" when found)
    status: ProgressStatus | None = None


def check_progress(scanner: QrScanner | None, central: CentralClient) -> ProgressCheck:
    """Scan the 回执 and ask central (never raises for the petitioner's mistakes, the
    camera or the network: each is a ``ProgressCheck`` with its words)."""
    if scanner is None:
        return ProgressCheck("unreadable", NO_CAMERA_ZH)
    try:
        text = scanner.scan()
    except QrScannerError:
        return ProgressCheck("unreadable", NO_CAMERA_ZH)
    if text is None:
        return ProgressCheck("unreadable", NO_CODE_ZH)
    parsed = parse_query_qr(text)
    if parsed is None:
        return ProgressCheck("not_receipt", NOT_RECEIPT_ZH)
    ref_no, code = parsed
    try:
        return ProgressCheck("found", "", central.progress(ref_no, code))
    except ProgressNotFound:
        return ProgressCheck("not_found", NOT_FOUND_ZH)
    except ProgressThrottled as e:
        return ProgressCheck("throttled", str(e))
    except CentralUnavailable:
        return ProgressCheck("offline", UNAVAILABLE_ZH)
    except CentralError:  # refused (a revoked box, say): the petitioner cannot fix it
        return ProgressCheck("offline", UNAVAILABLE_ZH)
