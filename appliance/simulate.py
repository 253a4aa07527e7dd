"""A scripted reception on fake hardware, for the demo and end-to-end tests.

An officer signs in with a PIN, the petitioner 张三 (a made-up person with a
well-formed fake ID number) is identified by ID number, the officer goes through
登记 → 告知 → 受理, the rating panel is armed and a (mock) button press gives the
rating, and the reception ends. Every event goes through the real outbox.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from firmware_glue.fakes import FakeRatingPanel
from firmware_glue.pinmap import Rating
from protocol.evidence import Participant
from protocol.ids import uuid7
from protocol.messages import PersonRef

from .officers import OfficerDirectory, hash_pin
from .recording.recorder import Recorder, record_synthetic_reception
from .session import EventSink, Reception, ReceptionError

# Fictitious: the name is the Chinese "John Doe"; the ID number has a valid checksum.
DEMO_PERSON = PersonRef(
    name="张三", id_number="110105198503151230", phone="13800000000", township="示例街道"
)
DEMO_PIN = "246810"
# 第三方见证: a (fictitious) NPC deputy attends the demo reception, recorded in its manifests
DEMO_WITNESS = Participant(role="npc_deputy", name="李四")


def id_number_checksum_ok(id_number: str) -> bool:
    """GB 11643 check character of an 18-character resident ID number."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    if len(id_number) != 18 or not id_number[:17].isdigit():
        return False
    total = sum(int(c) * w for c, w in zip(id_number[:17], weights, strict=True))
    return "10X98765432"[total % 11] == id_number[17].upper()


def demo_directory(officer_id: str, pin: str = DEMO_PIN) -> OfficerDirectory:
    """An officer list with one demo officer (used when the config has none)."""
    return OfficerDirectory({officer_id: hash_pin(pin)})


def _now_ms() -> int:
    return int(time.time() * 1000)


def simulate_reception(
    outbox: EventSink,
    *,
    officer_id: str,
    panel: FakeRatingPanel,
    rating: Rating = "satisfied",
    clock_ms: Callable[[], int] = _now_ms,
    recorder: Recorder | None = None,
) -> str:
    """Run one scripted reception for an officer already signed in; returns its id.

    With a ``recorder``, the reception is also recorded (synthetic camera and
    microphone, a few seconds in signed segments) into the box's spool.
    """
    reception = Reception(outbox=outbox, clock_ms=clock_ms)
    rid = reception.start(officer_id)
    if recorder is not None:
        record_synthetic_reception(
            recorder, rid, t0_ms=clock_ms(), seconds=8, segment_s=2, participants=[DEMO_WITNESS]
        )
    reception.identify(DEMO_PERSON, method="id_number", outcome="verified")
    # 登记 opens a matter with an id made here, as the touchscreen does; every step
    # names it, so central runs the matter's statutory clocks from this reception
    matter = str(uuid7(clock_ms()))
    reception.step(
        "register",
        fields={"request": "不服民事判决，申请监督", "category": "申诉", "source": "来访"},
        note="示例登记",
        matter_ref=matter,
    )
    told = {"told_scope": "1", "told_deadline": "1", "told_review": "1"}
    reception.step("notify", fields=told, matter_ref=matter)
    reception.step("accept", fields={"reason": "属本院管辖，予以受理"}, matter_ref=matter)

    # the petitioner's turn: the panel lights up, one press gives the rating
    def on_rating(rating: Rating) -> None:
        reception.rate(rating, source="button")  # bound to this reception only

    panel.arm(on_rating=on_rating)
    panel.press(rating, chatter=2)
    panel.press(rating)  # a second press is ignored (one rating per reception)
    panel.disarm()
    if reception.rating is None:
        raise ReceptionError("the simulated button press gave no rating")
    reception.end()
    return rid


def simulate(
    outbox: EventSink,
    count: int,
    *,
    officer_id: str,
    directory: OfficerDirectory | None = None,
    pin: str = DEMO_PIN,
    ratings: tuple[Rating, ...] = ("satisfied", "basically_satisfied", "dissatisfied"),
    recorder: Recorder | None = None,
) -> list[str]:
    """The officer signs in with a PIN, then ``count`` receptions; returns their ids."""
    directory = directory or demo_directory(officer_id, pin)
    directory.sign_in(officer_id, pin)
    panel = FakeRatingPanel()
    try:
        return [
            simulate_reception(
                outbox,
                officer_id=officer_id,
                panel=panel,
                rating=ratings[i % len(ratings)],
                recorder=recorder,
            )
            for i in range(count)
        ]
    finally:
        panel.close()
