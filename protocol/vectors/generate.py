"""Regenerate the golden vectors: ``python -m protocol.vectors.generate``.

Only run this on purpose (a new schema); the point of golden files is that code
changes must not change them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from protocol import keys
from protocol.envelope import seal
from protocol.messages import (
    BiometricDeleted,
    Body,
    ConsentRecorded,
    IdentityChecked,
    PersonRef,
    RatingGiven,
    ReceptionEnded,
    ReceptionStarted,
    RiskNote,
    WorkflowStepDone,
)

SEED = bytes(range(32))  # a published test key: never use it for anything real
DEVICE = "desk-01"
RECEPTION = "01937a2b-4c00-7d00-8e00-0000000000a1"
T0 = 1764403200000  # 2025-11-29T08:00:00Z


def bodies() -> list[Body]:
    return [
        ReceptionStarted(reception_id=RECEPTION, officer_id="officer-7", started_at=T0),
        IdentityChecked(
            reception_id=RECEPTION,
            officer_id="officer-7",
            subject="petitioner",
            method="id_number",
            outcome="verified",
            person=PersonRef(name="张三", id_number="11010519491231002X", phone="13800000000"),
        ),
        WorkflowStepDone(
            reception_id=RECEPTION,
            officer_id="officer-7",
            step="register",
            at=T0 + 60_000,
            fields={"事由": "工资拖欠", "诉求": "请求督促支付"},
            risk=RiskNote(level="medium", reason="重复来访，事项未办结"),
        ),
        RatingGiven(reception_id=RECEPTION, rating="basically_satisfied", at=T0 + 900_000),
        ReceptionEnded(
            reception_id=RECEPTION, officer_id="officer-7", ended_at=T0 + 905_000, events=5
        ),
        ConsentRecorded(
            consent_id="c-0001",
            person_id="p-0001",
            reception_id=RECEPTION,
            officer_id="officer-7",
            text_version="2025-11",
            text_sha256="00" * 32,
            scopes=["face", "voice"],
            given_at=T0 + 30_000,
        ),
        BiometricDeleted(
            person_id="p-0001", officer_id="officer-7", deleted_at=T0 + 999_000, reason="request"
        ),
    ]


def build() -> dict[str, Any]:
    key = Ed25519PrivateKey.from_private_bytes(SEED)
    valid = []
    for i, body in enumerate(bodies(), start=1):
        env = seal(
            key=key,
            device=DEVICE,
            seq=i,
            body=body,
            ts=T0 + i,
            event_id=f"01937a2b-4c00-7d00-8e00-{i:012x}",
        )
        valid.append({"type": body.TYPE, "wire": env.to_wire().decode("utf-8")})
    good = valid[0]["wire"]
    invalid = [
        {
            "name": "flipped-body-value",
            "reason": "bad_signature",
            "wire": good.replace('"officer-7"', '"officer-8"'),
        },
        {
            "name": "duplicate-key",
            "reason": "duplicate_key",
            "wire": good.replace('{"body":', '{"seq":9,"body":', 1),
        },
        {
            "name": "float-number",
            "reason": "bad_envelope",
            "wire": good.replace('"seq":1,', '"seq":1.0,'),
        },
        {
            "name": "unknown-envelope-field",
            "reason": "bad_envelope",
            "wire": good.replace('{"body":', '{"extra":1,"body":', 1),
        },
        {"name": "not-json", "reason": "not_json", "wire": good[:-1]},
        {"name": "nan", "reason": "not_json", "wire": good.replace('"seq":1,', '"seq":NaN,')},
        {"name": "top-level-array", "reason": "not_object", "wire": "[" + good + "]"},
        {
            "name": "string-seq",
            "reason": "bad_envelope",
            "wire": good.replace('"seq":1,', '"seq":"1",'),
        },
    ]
    return {
        "about": "Golden envelopes signed with the test key SEED = bytes(0..31). "
        "'wire' is the exact canonical UTF-8 text; 'invalid' entries must be refused "
        "with 'reason'.",
        "seed_hex": SEED.hex(),
        "public_key": keys.public_key_b64(key),
        "device": DEVICE,
        "valid": valid,
        "invalid": invalid,
    }


def main() -> None:
    out = Path(__file__).with_name("envelopes.json")
    out.write_text(json.dumps(build(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
