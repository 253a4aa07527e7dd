"""The signed control-traffic vectors (``protocol/vectors/control.json``): the valid
ones verify; each attack is refused with its stated reason."""

from __future__ import annotations

import pytest

from protocol import control, keys, vectors
from protocol.vectors.generate_control import build

V = vectors.load("control")
DAY_MS = 24 * 3600 * 1000
MODELS = {"status": control.SignedStatus, "ack": control.SignedAck}


def test_vectors_on_disk_match_the_generator():
    assert build() == V, "control vectors changed: a wire-format change needs a new 'v'"


def check(kind: str, wire: str, now_ms: int | None = None) -> None:
    raw = wire.encode("utf-8")
    if kind == "command":
        c = V["command_check"]
        control.verify_command(
            raw, site=c["site"], device=c["device"], command=c["command"],
            pinned=[keys.load_public_b64(V["central_public_key"])],
            now_ms=now_ms or c["now_ms"], max_age_ms=DAY_MS,
        )  # fmt: skip
        return
    msg = control.parse(MODELS[kind], raw)
    control.check_target(msg, site="minhou", device="desk-01")
    msg.verify(keys.load_public_b64(V["device_public_key"]))
    assert msg.to_wire() == raw  # canonical, byte for byte


@pytest.mark.parametrize("vector", V["valid"], ids=lambda v: v["kind"])
def test_valid_vectors_verify(vector):
    check(vector["kind"], vector["wire"])


@pytest.mark.parametrize("vector", V["invalid"], ids=lambda v: v["name"])
def test_each_attack_is_refused_with_its_reason(vector):
    with pytest.raises(control.ControlError) as info:
        check(vector["kind"], vector["wire"], vector.get("now_ms"))
    assert info.value.reason == vector["reason"]
