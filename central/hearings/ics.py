"""An iCalendar (RFC 5545) invitation for a hearing, written by hand: one VEVENT."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime

from .models import HearingRow


def _esc(s: str) -> str:
    s = s.replace("\r", "")
    return s.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> list[str]:
    """Lines over 75 octets are folded (RFC 5545 §3.1), never inside a UTF-8 character."""
    out, cur = [], ""
    for ch in line:
        if len((cur + ch).encode()) > 75:
            out.append(cur)
            cur = " "  # a continuation line starts with one space
        cur += ch
    return [*out, cur]


def _t(d: datetime) -> str:
    return d.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def invitation(
    h: HearingRow,
    *,
    attendees: Iterable[tuple[str, str]] = (),
    organizer: str = "mailto:hearing@example.invalid",
    now: datetime | None = None,
) -> str:
    """``attendees``: (name, e-mail). Online hearings carry the meeting link as URL and
    LOCATION; in-person ones the place."""
    where = h.meeting_url if h.mode == "online" else h.location
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Zhifang//hearings//ZH",
        "METHOD:REQUEST",
        "BEGIN:VEVENT",
        f"UID:hearing-{h.id}@zhifang",
        f"DTSTAMP:{_t(now or datetime.now(UTC))}",
        f"DTSTART:{_t(h.starts_at)}",
        f"DTEND:{_t(h.ends_at)}",
        f"SUMMARY:{_esc('公开听证：' + h.title)}",
        f"LOCATION:{_esc(where)}",
        f"ORGANIZER:{organizer}",
    ]
    if h.mode == "online":
        lines.append(f"URL:{h.meeting_url}")
    for name, email in attendees:
        # no DQUOTE or line break in a quoted parameter (RFC 5545); ;:, trip some clients
        cn = re.sub(r'["\r\n;:,]', " ", name)
        addr = re.sub(r"[\s]", "", email)
        lines.append(f'ATTENDEE;CN="{cn}";ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:{addr}')
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(x for line in lines for x in _fold(line)) + "\r\n"
