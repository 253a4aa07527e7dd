"""At the desk: consent and deletion become events; central's deletion command is
applied and acknowledged; templates shared between desks through a relay."""

from __future__ import annotations

import base64
from pathlib import Path

import numpy as np
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from appliance.forwarder import Forwarder
from appliance.identity.desk import DeskIdentity
from appliance.identity.relay import (
    FakeRelayHub,
    RelayedTransfer,
    RelayRefused,
    seal_transfer,
)
from appliance.identity.templates import ConsentRequired, TemplateStore
from appliance.outbox import Outbox
from appliance.transport import MemoryTransport
from protocol import control, topics
from protocol.envelope import decode
from protocol.messages import (
    BiometricDelete,
    BiometricDeleted,
    Command,
    CommandAck,
    ConsentRecorded,
)
from tests.control import CENTRAL, command, now_ms, signed_command

SITE = "site-desk"
KEY = bytes(range(32))


class Clock:
    def __init__(self) -> None:
        self.t = 1_700_000_000_000

    def __call__(self) -> int:
        self.t += 1000
        return self.t


def emb(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=128).astype(np.float32)
    return v / np.linalg.norm(v)


def desk(
    tmp_path: Path, name: str, clock: Clock, hub: FakeRelayHub | None = None, key: bytes = KEY
) -> tuple[DeskIdentity, Outbox]:
    dk = Ed25519PrivateKey.generate()
    outbox = Outbox(tmp_path / f"{name}-outbox.db", device=name, key=dk)
    store = TemplateStore(tmp_path / f"{name}-t.db", key=key, clock=clock)
    relay = hub.client(name) if hub is not None else None
    d = DeskIdentity(
        store=store, outbox=outbox, device_key=dk, site=SITE, clock_ms=clock, relay=relay
    )
    return d, outbox


def bodies(outbox: Outbox) -> list[object]:
    return [decode(e.wire).parsed_body() for e in outbox.all_events()]


def delete_cmd(person: str, cmd_id: str = "c1", deleted_at: int = 1_800_000_000_000) -> Command:
    body = BiometricDelete(
        person_id=person, deleted_at=deleted_at, officer_id="officer-9", reason="request",
        origin_device="desk-a",
    )  # fmt: skip
    return Command(cmd_id=cmd_id, issued_at=deleted_at, body=body.model_dump())


def test_consent_is_stored_then_reported_as_an_event(tmp_path: Path) -> None:
    d, outbox = desk(tmp_path, "desk-a", Clock())
    rid = "0b0e3c1e-0000-4000-8000-000000000001"
    rec = d.give_consent(
        person_id="p1", scopes=["face", "identify_1n"], officer_id="officer-7", reception_id=rid
    )
    assert d.store.live_consent("p1", "face") == rec
    (ev,) = bodies(outbox)
    assert isinstance(ev, ConsentRecorded)
    assert (ev.consent_id, ev.person_id, ev.officer_id, ev.reception_id) == (
        rec.consent_id, "p1", "officer-7", rid,
    )  # fmt: skip
    assert (ev.text_version, ev.text_sha256) == (rec.text_version, rec.text_sha256)
    assert ev.scopes == ["face", "identify_1n"] and ev.given_at == rec.given_at
    assert d.report() == 0  # reported once


def test_no_enrolment_without_consent_and_no_event_either(tmp_path: Path) -> None:
    d, outbox = desk(tmp_path, "desk-a", Clock())
    with pytest.raises(ConsentRequired):
        d.store.enrol("p1", "face", emb(1))
    with pytest.raises(ValueError, match="同意范围为空"):
        d.give_consent(person_id="p1", scopes=[], officer_id="officer-7")
    assert bodies(outbox) == [] and not d.store.holds_anything_of("p1")


def test_deletion_on_request_deletes_locally_then_reports(tmp_path: Path) -> None:
    d, outbox = desk(tmp_path, "desk-a", Clock())
    d.give_consent(person_id="p1", scopes=["face"], officer_id="officer-7")
    d.store.enrol("p1", "face", emb(1))
    d.delete_person("p1", officer_id="officer-8", note="本人当面申请")
    assert not d.store.holds_anything_of("p1")
    ev = bodies(outbox)[-1]
    assert isinstance(ev, BiometricDeleted)
    assert (ev.person_id, ev.officer_id, ev.reason, ev.note) == (
        "p1", "officer-8", "request", "本人当面申请",
    )  # fmt: skip


def test_a_report_lost_by_a_crash_is_sent_on_the_next_start(tmp_path: Path) -> None:
    clock = Clock()
    d, outbox = desk(tmp_path, "desk-a", clock)

    class Broken:
        def append(self, body: object) -> None:
            raise OSError("disk full")

    d.outbox = Broken()
    with pytest.raises(OSError):
        d.delete_person("p1", officer_id="officer-8")
    assert not d.store.holds_anything_of("p1")  # the deletion itself stands
    d.outbox = outbox  # restart: install() reports what is left
    fake = MemoryTransport()
    fwd = Forwarder(outbox=outbox, transport=fake, site=SITE, device="desk-a")
    d.install(fwd)
    assert [type(b) for b in bodies(outbox)] == [BiometricDeleted]


def test_retention_expiry_is_reported_as_retention(tmp_path: Path) -> None:
    clock = Clock()
    d, outbox = desk(tmp_path, "desk-a", clock)
    d.give_consent(person_id="p1", scopes=["face"], officer_id="o")
    d.store.enrol("p1", "face", emb(1))
    clock.t += 10_000_000
    assert [n.person_id for n in d.expire(idle_ms=1_000_000)] == ["p1"]
    ev = bodies(outbox)[-1]
    assert isinstance(ev, BiometricDeleted) and ev.reason == "retention"
    assert ev.officer_id == "system" and "保存期限" in ev.note


def test_delete_command_applies_idempotently_and_acks(tmp_path: Path) -> None:
    d, outbox = desk(tmp_path, "desk-b", Clock())
    d.give_consent(person_id="p1", scopes=["face"], officer_id="o")
    d.store.enrol("p1", "face", emb(1))
    n = len(bodies(outbox))
    ack = d.handle_biometric_delete(delete_cmd("p1"))
    assert ack == CommandAck(cmd_id="c1", ok=True, detail="deleted")
    assert not d.store.holds_anything_of("p1")
    assert d.handle_biometric_delete(delete_cmd("p1")).detail == "not held"  # again: harmless
    assert d.handle_biometric_delete(delete_cmd("nobody", "c2")) == CommandAck(
        cmd_id="c2", ok=True, detail="not held"
    )
    assert len(bodies(outbox)) == n  # a relayed deletion is not reported back
    bad = Command(cmd_id="c3", issued_at=1, body={"person_id": "p1"})
    assert d.handle_biometric_delete(bad).ok is False


def test_forwarder_serves_biometric_delete_through_the_handler(tmp_path: Path) -> None:
    d, outbox = desk(tmp_path, "desk-b", Clock())
    d.give_consent(person_id="p1", scopes=["face"], officer_id="o")
    fake = MemoryTransport(auto_ack=True)
    fwd = Forwarder(
        outbox=outbox, transport=fake, site=SITE, device="desk-b",
        command_keys=[CENTRAL.public_key()],
    )  # fmt: skip
    d.install(fwd)
    fwd.start(threaded=False)
    fwd.run_pending()
    now = delete_cmd("p1", "c9").model_copy(update={"issued_at": now_ms()})
    fake.deliver(
        topics.command_topic(SITE, "desk-b", "biometric_delete"),
        signed_command(SITE, "desk-b", "biometric_delete", now),
    )
    fwd.run_pending()
    (msg,) = fake.published(topics.command_ack_topic(SITE, "desk-b", "biometric_delete"))
    assert control.parse(control.SignedAck, msg.payload).answer() == CommandAck(
        cmd_id="c9", ok=True, detail="deleted"
    )
    assert not d.store.holds_anything_of("p1")
    assert fwd.stats.commands_served == 1


def test_a_failing_handler_is_answered_with_a_refusal(tmp_path: Path) -> None:
    _, outbox = desk(tmp_path, "desk-b", Clock())
    fake = MemoryTransport(auto_ack=True)

    def boom(cmd: Command) -> CommandAck:
        raise RuntimeError("store locked")

    fwd = Forwarder(
        outbox=outbox, transport=fake, site=SITE, device="desk-b", handlers={"wipe": boom},
        command_keys=[CENTRAL.public_key()],
    )  # fmt: skip
    with pytest.raises(ValueError):
        fwd.register_handler("resend", boom)
    fwd.start(threaded=False)
    fwd.run_pending()
    fake.deliver(
        topics.command_topic(SITE, "desk-b", "wipe"), command(SITE, "desk-b", "wipe", "w1")
    )
    fwd.run_pending()
    (msg,) = fake.published(topics.command_ack_topic(SITE, "desk-b", "wipe"))
    ack = control.parse(control.SignedAck, msg.payload).answer()
    assert (ack.cmd_id, ack.ok) == ("w1", False) and "store locked" in ack.detail


def test_template_enrolled_at_one_desk_is_usable_at_the_others(tmp_path: Path) -> None:
    clock, hub = Clock(), FakeRelayHub()
    a, _ = desk(tmp_path, "desk-a", clock, hub)
    b, _ = desk(tmp_path, "desk-b", clock, hub)
    a.give_consent(person_id="p1", scopes=["face"], officer_id="o")
    a.store.enrol("p1", "face", emb(1))
    a.share("p1")
    opaque = base64.b64decode(hub.items[0].ciphertext)  # what central holds
    assert b"consent_id" not in opaque and b"signature" not in opaque
    got = b.pull_shared()
    assert got.imported == ["p1"] and got.refused == []
    got_t = b.store.get("p1", "face")
    assert got_t is not None
    np.testing.assert_allclose(got_t, emb(1))
    assert b.pull_shared().imported == []  # the cursor moved on
    assert a.pull_shared().imported == []  # a desk does not re-import its own


def test_a_transfer_from_another_site_key_is_refused(tmp_path: Path) -> None:
    clock, hub = Clock(), FakeRelayHub()
    a, _ = desk(tmp_path, "desk-a", clock, hub, key=bytes(32))
    b, _ = desk(tmp_path, "desk-b", clock, hub)
    a.give_consent(person_id="p1", scopes=["face"], officer_id="o")
    a.store.enrol("p1", "face", emb(1))
    a.share("p1")
    got = b.pull_shared()
    assert got.imported == [] and got.refused[0][0] == "p1"
    assert not b.store.holds_anything_of("p1")


def test_a_late_transfer_cannot_resurrect_a_deleted_person(tmp_path: Path) -> None:
    clock, hub = Clock(), FakeRelayHub()
    a, _ = desk(tmp_path, "desk-a", clock, hub)
    b, _ = desk(tmp_path, "desk-b", clock, hub)
    a.give_consent(person_id="p1", scopes=["face"], officer_id="o")
    a.store.enrol("p1", "face", emb(1))
    late = seal_transfer(a.store, a.store.export_person("p1"), site=SITE, now_ms=clock())
    deleted_at = clock()
    b.handle_biometric_delete(delete_cmd("p1", deleted_at=deleted_at))  # from central
    hub.delete_person("p1", deleted_at)
    with pytest.raises(RelayRefused):  # central refuses the late upload
        a.relay.push(late)  # type: ignore[union-attr]
    # and a desk refuses it even if it got through
    hub.items.append(RelayedTransfer(**late.model_dump(), id=99, origin_device="desk-a"))
    got = b.pull_shared()
    assert got.imported == [] and "deleted" in got.refused[0][1]
    assert not b.store.holds_anything_of("p1")
