"""Test helpers for central: a simulated box that seals the events of a reception."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from central.ingest.ingestor import Incoming
from protocol import keys, topics
from protocol.envelope import Envelope, seal
from protocol.messages import (
    Body,
    IdentityChecked,
    PersonRef,
    RatingGiven,
    ReceptionEnded,
    ReceptionStarted,
    RiskNote,
    WorkflowStepDone,
)

T0 = 1_790_000_000_000  # a fixed time (ms) so tests read the same every run


@dataclass
class Box:
    """A simulated box: its key, its seq counter, and the events a reception makes."""

    name: str
    site: str
    key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    seq: int = 0

    @property
    def public_key(self) -> str:
        return keys.public_key_b64(self.key)

    @property
    def topic(self) -> str:
        return topics.event_topic(self.site, self.name)

    def seal(
        self, body: Body, *, seq: int | None = None, key: Ed25519PrivateKey | None = None
    ) -> Envelope:
        if seq is None:
            self.seq += 1
            seq = self.seq
        return seal(key=key or self.key, device=self.name, seq=seq, body=body, ts=T0 + seq)

    def incoming(self, env: Envelope | bytes, *, topic: str | None = None) -> Incoming:
        payload = env if isinstance(env, bytes) else env.to_wire()
        return Incoming(topic=topic or self.topic, payload=payload, received_at=datetime.now(UTC))

    def reception_bodies(
        self,
        *,
        reception_id: str | None = None,
        id_number: str = "35012119800101123X",
        name: str = "张三",
        rating: str = "satisfied",
    ) -> list[Body]:
        rid = reception_id or str(uuid.uuid4())
        officer = "officer-7"
        return [
            ReceptionStarted(reception_id=rid, officer_id=officer, started_at=T0),
            IdentityChecked(
                reception_id=rid,
                officer_id=officer,
                subject="petitioner",
                method="id_number",
                outcome="new_person",
                person=PersonRef(
                    name=name, id_number=id_number, phone="13800000000", township="甘蔗街道"
                ),
            ),
            WorkflowStepDone(
                reception_id=rid,
                officer_id=officer,
                step="register",
                at=T0 + 1000,
                fields={"诉求": "要求答复土地征收补偿"},
            ),
            WorkflowStepDone(
                reception_id=rid,
                officer_id=officer,
                step="notify",
                at=T0 + 2000,
                risk=RiskNote(level="medium", reason="多次来访"),
            ),
            RatingGiven(reception_id=rid, rating=rating, at=T0 + 3000),  # type: ignore[arg-type]
            ReceptionEnded(reception_id=rid, officer_id=officer, ended_at=T0 + 4000, events=6),
        ]

    def reception(self, **kw: str) -> list[Incoming]:
        return [self.incoming(self.seal(b)) for b in self.reception_bodies(**kw)]
