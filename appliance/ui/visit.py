"""What a visit leaves on the desk: the person identified, a face/voice check waiting
for its capture, and how the last reception finished.

Plain records, with no behaviour: the ``Desk`` holds them and the flows fill them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from protocol.messages import PersonRef

from ..central_client import Timeline
from .hooks import CapturePrompt

__all__ = ["BioKind", "Finished", "Identified", "PendingCapture"]


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
