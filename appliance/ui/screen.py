"""What the screen shows: the desk's phase, the matter's clocks, the offline banner.

``state`` is the one picture of the desk that every page (and ``/api/state``) is
drawn from; ``phase`` says which screen the officer is on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from protocol.matters import AWAITING_DECISION

from ..session import Reception
from .clocks import Deadline, deadlines

if TYPE_CHECKING:
    from .desk import Desk

__all__ = ["OFFLINE_BANNER", "LinkStatus", "matter_deadlines", "phase", "state"]

OFFLINE_BANNER = "中心服务器暂时无法连接，数据已在本机保存，恢复后自动上传"


@dataclass(frozen=True)
class LinkStatus:
    broker_connected: bool
    events_pending: int


def state(desk: Desk) -> dict[str, Any]:
    link = desk.link()
    rec = desk.recorder.status()
    with desk.lock:
        r, last = desk.reception, desk.last
        offline = not desk.central_ok or not link.broker_connected
        return {
            "officer_id": desk.officer_id,
            "reception_id": r.reception_id if r else None,
            "phase": phase(desk),
            "steps_done": list(r.steps) if r else [],
            "next_steps": list(desk.procedure.allowed()) if r else [],
            "deadlines": matter_deadlines(desk, r) if r else [],
            "offline": offline,
            "banner": OFFLINE_BANNER if offline else "",
            "central_ok": desk.central_ok,
            "broker_connected": link.broker_connected,
            "events_pending": link.events_pending,
            "recording": rec.recording,
            "segments_spooled": rec.segments_spooled,
            "upload_pending": rec.upload_pending + link.events_pending,
            "last_rating": (last.rating if last else None),
            "last_reception_id": (last.reception_id if last else None),
        }


def matter_deadlines(desk: Desk, r: Reception) -> list[Deadline]:
    """The matter's clocks: from its 登记 (a linked matter's first 登记), or from
    now before it."""
    at = {rec.step: rec.at for rec in r.records}
    linked = desk.matter.registered_ms if desk.matter else None
    registered = linked or at.get("register", desk.now_ms())
    out = deadlines(desk.cfg, registered, accepted_ms=at.get("accept"))
    linked_matter = desk.matter.linked if desk.matter else None
    if linked_matter is not None and linked_matter.status_key not in AWAITING_DECISION:
        # decided at an earlier visit: the reply clocks were answered then
        out = [d for d in out if d.kind not in ("procedural_reply", "acceptance_decision")]
    return [d for d in out if d.due is not None]


def phase(desk: Desk) -> str:
    r = desk.reception
    if desk.officer_id is None:
        return "signed_out"
    if r is None:
        return "done" if desk.last is not None else "ready"
    if desk.rating_armed:
        return "rating"
    if desk.identified is None and not desk.identify_skipped:
        return "identify"
    if r.kind == "group" and not desk.party_done and not r.steps:
        return "party"
    if desk.procedure.needs_choice():
        return "matter"
    return "steps" if desk.procedure.allowed() else "finish"
