"""The forwarder against the in-memory transport: what counts as delivered."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from appliance.forwarder import Forwarder
from appliance.outbox import ACKED, IN_FLIGHT, PENDING, Outbox
from appliance.transport import NO_MATCHING_SUBSCRIBERS, NOT_AUTHORIZED, MemoryTransport
from protocol import control, topics
from protocol.envelope import decode
from protocol.messages import Command, CommandAck
from tests.control import CENTRAL, command, now_ms

from .conftest import rating_body

SITE, DEVICE = "site-a", "box-1"
EVENTS = topics.event_topic(SITE, DEVICE)
STATUS = topics.status_topic(SITE, DEVICE)


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake() -> MemoryTransport:
    return MemoryTransport()


@pytest.fixture
def fwd(outbox, fake, clock):
    f = Forwarder(
        outbox=outbox, transport=fake, site=SITE, device=DEVICE, window=3,
        retry_rejected_s=5, clock=clock, command_keys=[CENTRAL.public_key()],
    )  # fmt: skip
    f.start(threaded=False)
    f.run_pending()
    fake.ack_all()  # the broker takes the online status
    f.run_pending()
    return f


def event_seqs(fake: MemoryTransport) -> list[int]:
    return [decode(m.payload).seq for m in fake.published(EVENTS)]


def status(payload: bytes) -> control.SignedStatus:
    return control.parse(control.SignedStatus, payload)


def test_connect_publishes_retained_online_and_subscribes_to_commands(fwd, fake):
    (online,) = fake.published(STATUS)
    assert online.retain and online.qos == 1
    assert status(online.payload).state == "online"
    assert fake.subscriptions == [topics.device_commands_filter(SITE, DEVICE)]


def test_an_event_is_acked_only_on_a_success_puback(fwd, fake, outbox):
    outbox.append(rating_body())
    fwd.run_pending()
    assert event_seqs(fake) == [1]
    assert outbox.counts()[IN_FLIGHT] == 1  # sent is not delivered
    fake.ack_all()
    fwd.run_pending()
    assert outbox.counts() == {PENDING: 0, IN_FLIGHT: 0, ACKED: 1}
    assert fwd.stats.acked == 1


def test_no_matching_subscribers_keeps_the_event_until_central_listens(fwd, fake, outbox, clock):
    # PUBACK 16: the broker took it but nobody (no central ingest session) got it
    outbox.append(rating_body())
    fwd.run_pending()
    fake.ack_all(NO_MATCHING_SUBSCRIBERS)
    fwd.run_pending()
    assert outbox.counts() == {PENDING: 1, IN_FLIGHT: 0, ACKED: 0}
    assert fwd.stats.no_subscribers == 1
    clock.t += 5  # central's ingest is back; the event is offered again
    fwd.run_pending()
    assert event_seqs(fake) == [1, 1]
    fake.ack_all()
    fwd.run_pending()
    assert outbox.counts()[ACKED] == 1


@pytest.mark.parametrize("code", [NOT_AUTHORIZED, 128, 131, 151])
def test_a_refused_publish_stays_pending_is_counted_and_retried_later(
    fwd, fake, outbox, clock, code
):
    outbox.append(rating_body())
    fwd.run_pending()
    fake.ack_all(code)
    fwd.run_pending()
    assert outbox.counts() == {PENDING: 1, IN_FLIGHT: 0, ACKED: 0}
    assert fwd.stats.rejected == 1
    assert fwd.stats.not_authorised == (1 if code == NOT_AUTHORIZED else 0)
    assert f"({code})" in fwd.stats.last_error
    fwd.run_pending()
    assert event_seqs(fake) == [1]  # held off: not hammering the broker
    clock.t += 5
    fwd.run_pending()
    assert event_seqs(fake) == [1, 1]  # tried again after the hold-off
    fake.ack_all()
    fwd.run_pending()
    assert outbox.counts()[ACKED] == 1


def test_the_in_flight_window_is_bounded(fwd, fake, outbox):
    outbox.append_many([rating_body(i) for i in range(7)])
    fwd.run_pending()
    assert event_seqs(fake) == [1, 2, 3]
    fake.ack(fake.unacked_mids()[0])
    fwd.run_pending()
    assert event_seqs(fake) == [1, 2, 3, 4]
    while fake.ack_all():
        fwd.run_pending()
    assert event_seqs(fake) == list(range(1, 8))
    assert outbox.pending_count() == 0


def test_nothing_is_sent_while_disconnected_and_online_is_resent_on_reconnect(fwd, fake, outbox):
    outbox.append(rating_body(0))
    fwd.run_pending()
    fake.drop()
    fwd.run_pending()
    (will,) = fake.wills_fired
    assert will.retain and status(will.payload).state == "offline"
    assert status(fake.retained[STATUS]).state == "offline"
    outbox.append(rating_body(1))
    fwd.run_pending()
    assert event_seqs(fake) == [1]
    fake.reconnect()  # re-sends seq 1 under the same mid, like paho
    fwd.run_pending()
    assert [status(m.payload).state for m in fake.published(STATUS)] == ["online", "online"]
    assert event_seqs(fake) == [1, 1, 2]
    fake.ack_all()
    fwd.run_pending()
    assert outbox.counts()[ACKED] == 2
    assert status(fake.retained[STATUS]).state == "online"
    assert fwd.stats.connects == 2 and fwd.stats.disconnects == 1


def resend_cmd(cmd_id: str, a: int, b: int, **kw: Any) -> bytes:
    return command(SITE, DEVICE, "resend", cmd_id, {"from_seq": a, "to_seq": b}, **kw)


def acks(fake: MemoryTransport, name: str = "resend") -> list[CommandAck]:
    topic = topics.command_ack_topic(SITE, DEVICE, name)
    return [control.parse(control.SignedAck, m.payload).answer() for m in fake.published(topic)]


def test_resend_command_republishes_the_range_and_acks(fwd, fake, outbox):
    outbox.append_many([rating_body(i) for i in range(3)])
    fwd.run_pending()
    fake.ack_all()
    fwd.run_pending()
    fake.deliver(topics.command_topic(SITE, DEVICE, "resend"), resend_cmd("c1", 2, 5))
    fwd.run_pending()
    assert event_seqs(fake) == [1, 2, 3, 2, 3]
    (ack,) = acks(fake)
    assert ack.cmd_id == "c1" and not ack.ok  # 4..5 were never made: said so
    assert "not held: 4..5" in ack.detail
    fake.ack_all()
    fwd.run_pending()
    assert outbox.pending_count() == 0
    assert fwd.stats.commands_served == 1


def test_a_command_delivered_again_is_answered_again_not_carried_out_again(
    fwd, fake, outbox, tmp_path, key
):
    outbox.append_many([rating_body(i) for i in range(3)])
    fwd.run_pending()
    fake.ack_all()
    fwd.run_pending()
    wire = resend_cmd("c9", 1, 3)
    fake.deliver(topics.command_topic(SITE, DEVICE, "resend"), wire)
    fwd.run_pending()
    fake.ack_all()
    fwd.run_pending()
    assert event_seqs(fake) == [1, 2, 3, 1, 2, 3]
    # the same signed bytes again (a QoS 1 redelivery, or a recording republished)
    fake.deliver(topics.command_topic(SITE, DEVICE, "resend"), wire)
    fwd.run_pending()
    assert event_seqs(fake) == [1, 2, 3, 1, 2, 3]  # not carried out twice
    first, again = acks(fake)
    assert first == again and first.ok and first.detail == "queued 3"
    assert (fwd.stats.commands_served, fwd.stats.commands_repeated) == (1, 1)
    # remembered on disk: after a restart the box still answers it without acting
    outbox.close()
    reopened = Outbox(outbox.path, device=DEVICE, key=key)
    assert reopened.answered("resend", "c9") == first
    assert reopened.answered("resend", "c10") is None
    reopened.close()


def test_answers_are_forgotten_once_their_command_would_be_stale(outbox):
    old = Command(cmd_id="old", issued_at=now_ms() - 2 * 3_600_000)
    new = Command(cmd_id="new", issued_at=now_ms())
    for c in (old, new):
        outbox.remember_answer("resend", c, CommandAck(cmd_id=c.cmd_id, ok=True), keep_ms=3_600_000)
    assert outbox.answered("resend", "old") is None
    assert outbox.answered("resend", "new") is not None


def test_bad_and_unknown_commands_from_central_are_refused_with_an_ack(fwd, fake):
    fake.deliver(topics.command_topic(SITE, DEVICE, "resend"), resend_cmd("c2", 5, 1))
    fake.deliver(
        topics.command_topic(SITE, DEVICE, "reboot"), command(SITE, DEVICE, "reboot", "c3")
    )
    fake.deliver(topics.command_topic(SITE, DEVICE, "resend"), b"\xff not json")
    fake.deliver(topics.command_topic(SITE, "other-box", "resend"), resend_cmd("c5", 1, 1))
    fwd.run_pending()
    got = {a.cmd_id: a for a in acks(fake) + acks(fake, "reboot")}
    assert set(got) == {"c2", "c3"}  # garbage is not answered: it is not from central
    assert not any(a.ok for a in got.values())
    assert "unknown command" in got["c3"].detail
    assert fwd.stats.commands_refused == 3
    assert fwd.stats.commands_untrusted == {"malformed": 1}


def test_acks_and_status_are_signed_with_the_device_key(fwd, fake, outbox):
    fake.deliver(topics.command_topic(SITE, DEVICE, "resend"), resend_cmd("c7", 1, 1))
    fwd.run_pending()
    (raw,) = [m.payload for m in fake.published(topics.command_ack_topic(SITE, DEVICE, "resend"))]
    ack = control.parse(control.SignedAck, raw)
    ack.verify(outbox.key.public_key())
    assert (ack.site, ack.device, ack.command, ack.cmd_id) == (SITE, DEVICE, "resend", "c7")
    (online,) = fake.published(STATUS)
    status(online.payload).verify(outbox.key.public_key())
    with pytest.raises(control.ControlError, match="does not verify"):
        status(online.payload).verify(Ed25519PrivateKey.generate().public_key())


def test_a_forged_command_is_refused_logged_and_not_answered(fwd, fake, outbox, caplog):
    caplog.set_level(logging.ERROR)
    outbox.append_many([rating_body(i) for i in range(3)])
    fwd.run_pending()
    fake.ack_all()
    fwd.run_pending()
    before = event_seqs(fake)
    mallory = Ed25519PrivateKey.generate()  # not central: a broker insider, another box
    t = topics.command_topic(SITE, DEVICE, "resend")
    fake.deliver(t, resend_cmd("f1", 1, 3, key=mallory))  # signed by a key not pinned
    signed = control.parse(control.SignedCommand, resend_cmd("f2", 1, 3))
    tampered = {**signed.model_dump(mode="json"), "body": {"from_seq": 1, "to_seq": 2}}
    fake.deliver(t, control.SignedCommand.model_validate(tampered).to_wire())  # body changed
    fake.deliver(t, b'{"cmd_id":"f3","issued_at":1,"body":{"from_seq":1,"to_seq":3}}')  # unsigned
    fwd.run_pending()
    assert event_seqs(fake) == before  # nothing resent
    assert acks(fake) == []  # nothing answered
    assert fwd.stats.commands_untrusted == {"unknown_key": 1, "bad_signature": 1, "unsigned": 1}
    assert "refused 'resend' command (unknown_key)" in caplog.text
    assert "refused 'resend' command (unsigned)" in caplog.text


def test_a_stale_or_misaddressed_command_is_refused(fwd, fake):
    t = topics.command_topic(SITE, DEVICE, "resend")
    fake.deliver(t, resend_cmd("s1", 1, 1, issued_at=now_ms() - 2 * 24 * 3600 * 1000))  # replay
    fake.deliver(t, resend_cmd("s2", 1, 1, issued_at=now_ms() + 3600 * 1000))  # from the future
    fake.deliver(t, command(SITE, "box-2", "resend", "s3", {"from_seq": 1, "to_seq": 1}))
    fake.deliver(t, command(SITE, DEVICE, "wipe", "s4"))  # signed as another command
    fwd.run_pending()
    assert acks(fake) == []
    assert fwd.stats.commands_untrusted == {"stale": 2, "wrong_target": 2}


def test_a_refused_status_is_logged_not_fatal(fwd, fake, outbox, caplog):
    fake.drop()
    fake.reconnect()
    fwd.run_pending()
    fake.ack_all(NOT_AUTHORIZED)  # the online status
    fwd.run_pending()
    assert fwd.stats.status_rejected == 1
    assert "refused our status" in caplog.text
    outbox.append(rating_body())
    fwd.run_pending()
    assert event_seqs(fake) == [1]


def test_threaded_forwarder_drains_with_auto_ack(outbox):
    fake = MemoryTransport(auto_ack=True)
    f = Forwarder(outbox=outbox, transport=fake, site=SITE, device=DEVICE, window=10)
    f.start()
    try:
        outbox.append_many([rating_body(i) for i in range(50)])
        assert outbox.wait_drained(10)
    finally:
        f.stop()
    assert event_seqs(fake) == list(range(1, 51))
    assert status(fake.retained[STATUS]).state == "offline"  # clean stop says so


def test_after_a_refusal_it_probes_with_one_event_then_opens_the_window(fwd, fake, outbox, clock):
    outbox.append_many([rating_body(i) for i in range(6)])
    fwd.run_pending()
    assert event_seqs(fake) == [1, 2, 3]
    fake.ack_all(NOT_AUTHORIZED)
    fwd.run_pending()
    assert fwd.stats.not_authorised == 3
    clock.t += 5
    fwd.run_pending()
    assert event_seqs(fake)[3:] == [1]  # one probe, not the whole window again
    fake.ack_all()  # the ACL was fixed
    fwd.run_pending()
    assert event_seqs(fake)[4:] == [2, 3, 4]
    while fake.ack_all():
        fwd.run_pending()
    assert outbox.pending_count() == 0
