"""Which clock alerts a matter raises now, and for whom (pure).

Due soon → the responsible officer; overdue → the officer, and their leader once the
site's ``leader_after_overdue_days`` has passed. Sending them (MQTT command to the
box, the console's event stream) is the caller's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from .clocks import WINDOWS, Clock, ClockKind, ClockState


class Recipient(StrEnum):
    officer = "officer"  # 承办人
    leader = "leader"  # 分管领导


@dataclass(frozen=True, slots=True)
class Alert:
    matter_id: str
    clock: ClockKind | None  # None: the matter's stored record itself is in question
    state: ClockState
    due_on: date
    recipients: tuple[Recipient, ...]
    message: str

    @property
    def key(self) -> str:
        """Stable id: sent once per state, due date and audience (escalation is new)."""
        who = "+".join(self.recipients)
        return f"{self.matter_id}:{self.clock}:{self.state}:{self.due_on.isoformat()}:{who}"


def alerts(matter_id: str, clocks: tuple[Clock, ...]) -> tuple[Alert, ...]:
    out: list[Alert] = []
    for c in clocks:
        if c.kind in WINDOWS or c.state not in (ClockState.due_soon, ClockState.overdue):
            continue
        if c.state is ClockState.due_soon:
            who: tuple[Recipient, ...] = (Recipient.officer,)
            msg = f"「{c.label}」将于 {c.due_on.isoformat()} 到期（剩 {c.days_left} 天）"
        else:
            who = (
                (Recipient.officer, Recipient.leader)
                if c.escalate_to_leader
                else (Recipient.officer,)
            )
            msg = f"「{c.label}」已超期 {-c.days_left} 天（期限 {c.due_on.isoformat()}）"
        out.append(Alert(matter_id, c.kind, c.state, c.due_on, who, msg))
    return tuple(out)
