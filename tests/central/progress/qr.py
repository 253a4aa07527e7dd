"""A 回执's QR code as the box's camera would see it: a BGR frame with the code on
white paper (OpenCV's encoder; the printed 回执 uses the same text format)."""

from __future__ import annotations

from typing import Any

from protocol.petitions import query_qr_text


def qr_frame(text: str, *, scale: int = 8, margin: int = 60) -> Any:
    import cv2

    code = cv2.QRCodeEncoder.create().encode(text)
    code = cv2.resize(code, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)
    paper = cv2.copyMakeBorder(code, margin, margin, margin, margin, cv2.BORDER_CONSTANT, value=255)
    return cv2.cvtColor(paper, cv2.COLOR_GRAY2BGR)


def receipt_frame(ref_no: str, query_code: str) -> Any:
    return qr_frame(query_qr_text(ref_no, query_code))
