"""Camera frames for face checks: ``FrameSource.capture(n, interval_s=...)`` → BGR arrays.

Identity needs a few uncompressed frames (a head turn over two or three seconds), not
the H.264 stream the recorder writes. ``Picamera2FrameSource`` takes them with
``capture_array`` from the one Picamera2 instance: the recorder's
``camera.Picamera2Camera`` when one runs in this process (libcamera gives a camera to
one owner, so a second ``Picamera2(0)`` would fail), or its own when nothing records.
Fakes that ship here: ``ArrayFrameSource`` (frames from arrays) and
``ImageFileFrameSource`` (a folder or list of image files, decoded with OpenCV).

numpy is imported here (and OpenCV in the file fake): import this module only where
biometrics run. Subclasses of ``FrameSource`` must implement ``grab`` and may override
``close``; ``capture`` spaces the grabs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "ArrayFrameSource",
    "FrameSource",
    "FrameSourceError",
    "ImageFileFrameSource",
    "Picamera2FrameSource",
    "to_bgr",
]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".pgm", ".bmp", ".ppm")


class FrameSourceError(RuntimeError):
    """No frame came (camera gone, closed, nothing loaded); the message says which."""


class FrameSource:
    """Frames as HxWx3 uint8 BGR arrays, unmirrored (liveness reads left and right)."""

    def grab(self) -> np.ndarray:
        """The next frame."""
        raise NotImplementedError

    def capture(
        self, n: int, *, interval_s: float = 0.0, sleep: Callable[[float], None] = time.sleep
    ) -> list[np.ndarray]:
        """``n`` frames, ``interval_s`` apart (a challenge's response spreads over them)."""
        if n < 1:
            raise ValueError("capture at least one frame")
        out: list[np.ndarray] = []
        for i in range(n):
            if i and interval_s > 0:
                sleep(interval_s)
            out.append(self.grab())
        return out

    def close(self) -> None:
        return None


class ArrayFrameSource(FrameSource):
    """What the camera 'sees', from arrays: frames in order, from the start again after
    the last (a looping clip). ``show`` puts a new scene in front of the camera."""

    def __init__(self, frames: Iterable[np.ndarray] = ()) -> None:
        self._lock = threading.Lock()
        self._frames: list[np.ndarray] = []
        self._i = 0
        self.grabbed = 0
        self.show(frames)

    def show(self, frames: Iterable[np.ndarray]) -> None:
        checked = [_check_bgr(f) for f in frames]
        with self._lock:
            self._frames, self._i = checked, 0

    def grab(self) -> np.ndarray:
        with self._lock:
            if not self._frames:
                raise FrameSourceError("摄像头没有画面 (no frames loaded in the fake camera)")
            frame = self._frames[self._i % len(self._frames)]
            self._i += 1
            self.grabbed += 1
            return frame.copy()


class ImageFileFrameSource(ArrayFrameSource):
    """Image files (a folder in name order, or a list) played as camera frames.

    ``prepare`` maps each decoded image before use, e.g. ``appliance.identity.face.
    pad_small`` for small archive photos that a detector would not find unpadded.
    """

    def __init__(
        self,
        files: Path | Sequence[Path] = (),
        *,
        prepare: Callable[[np.ndarray], np.ndarray] | None = None,
    ) -> None:
        self.prepare = prepare
        super().__init__()
        self.show_files(files)

    def show_files(self, files: Path | Sequence[Path]) -> None:
        self.show(self._read(p) for p in _image_paths(files))

    def _read(self, path: Path) -> np.ndarray:
        import cv2

        img = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if img is None:
            raise FrameSourceError(f"{path}: not an image OpenCV can read")
        frame = np.asarray(img, dtype=np.uint8)
        return self.prepare(frame) if self.prepare is not None else frame


def _image_paths(files: Path | Sequence[Path]) -> list[Path]:
    if isinstance(files, Path):
        if not files.is_dir():
            raise FrameSourceError(f"{files}: no such folder")
        found = sorted(p for p in files.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not found:
            raise FrameSourceError(f"{files}: no image files")
        return found
    return [Path(p) for p in files]


def _check_bgr(frame: np.ndarray) -> np.ndarray:
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8 or frame.ndim != 3:
        raise FrameSourceError("a frame is an HxWx3 uint8 array")
    if frame.shape[2] != 3:
        raise FrameSourceError(f"frame shape {frame.shape} is not HxWx3")
    return frame


def to_bgr(array: np.ndarray, fmt: str) -> np.ndarray:
    """A ``capture_array`` result in picamera2 format ``fmt`` as BGR.

    picamera2 names formats after libcamera/DRM (little-endian words), so in memory
    XBGR8888 is R,G,B,255 and XRGB8888 is B,G,R,255; RGB888 is B,G,R and BGR888 R,G,B.
    """
    if fmt == "XRGB8888" or fmt == "RGB888":
        out = array[..., :3]
    elif fmt == "XBGR8888" or fmt == "BGR888":
        out = array[..., 2::-1]
    else:
        raise FrameSourceError(f"camera stream format {fmt!r} is not an RGB format")
    return np.ascontiguousarray(out, dtype=np.uint8)


class Picamera2FrameSource(FrameSource):
    """Frames from picamera2's ``capture_array`` on the main stream.

    ``camera``: the recorder's ``Picamera2Camera`` (shares its running instance: while
    it records, ``capture_array`` returns the next completed request of the same main
    stream the encoder reads). Without it, ``Picamera2FrameSource.open()`` starts a
    camera of its own with an RGB888 main stream (BGR for OpenCV, no conversion).
    """

    def __init__(self, picam: Any, *, owned: bool = False, stall_s: float = 5.0) -> None:
        self._cam = picam
        self._owned = owned
        self.stall_s = stall_s
        self._closed = False

    @classmethod
    def sharing(cls, camera: Any) -> Picamera2FrameSource:
        """Frames from the recorder's ``camera.Picamera2Camera`` (one owner per camera)."""
        return cls(camera.picamera2)

    @classmethod
    def open(
        cls, *, size: tuple[int, int] = (1280, 720), camera_num: int = 0
    ) -> Picamera2FrameSource:
        from picamera2 import Picamera2  # only on a Pi (python3-picamera2 from apt)

        cam = Picamera2(camera_num)
        cam.configure(cam.create_video_configuration(main={"size": size, "format": "RGB888"}))
        cam.start()  # runs from now on: exposure and white balance settle before a check
        return cls(cam, owned=True)

    def grab(self) -> np.ndarray:
        if self._closed:
            raise FrameSourceError("camera closed")
        fmt = str(self._cam.camera_config["main"]["format"])
        # wait=False returns a job: bounded wait, so a stalled camera cannot hang a check
        job = self._cam.capture_array("main", wait=False)
        try:
            array = self._cam.wait(job, timeout=self.stall_s)
        except TimeoutError as e:
            raise FrameSourceError(f"摄像头 {self.stall_s:.0f} 秒内没有画面 (no frame)") from e
        return to_bgr(np.asarray(array), fmt)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            if self._owned:
                self._cam.stop()
                self._cam.close()
