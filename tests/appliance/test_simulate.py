from __future__ import annotations

import pytest

from appliance.officers import OfficerDirectory, SignInError, hash_pin
from appliance.outbox import Outbox
from appliance.simulate import DEMO_PERSON, id_number_checksum_ok, simulate
from protocol.envelope import decode


def test_the_demo_person_has_a_well_formed_fake_id_number():
    assert DEMO_PERSON.id_number is not None and id_number_checksum_ok(DEMO_PERSON.id_number)
    assert not id_number_checksum_ok("110105198503151231")


def test_simulated_receptions_go_through_the_outbox(outbox: Outbox, key):
    ids = simulate(outbox, 2, officer_id="officer-demo")
    events = [decode(e.wire) for e in outbox.all_events()]
    assert len(events) == 14
    for e in events:
        e.verify(key.public_key())
    assert [e.body["reception_id"] for e in events[::7]] == ids
    ratings = [e.body["rating"] for e in events if e.type == "rating.given"]
    assert ratings == ["satisfied", "basically_satisfied"]  # one per reception, despite two presses
    steps = [e.body["step"] for e in events[:7] if e.type == "workflow.step"]
    assert steps == ["register", "notify", "accept"]
    assert events[1].body["person"]["name"] == "张三"
    assert events[6].body["events"] == 7


def test_a_wrong_pin_stops_the_simulation(outbox):
    directory = OfficerDirectory({"officer-demo": hash_pin("135790")})
    with pytest.raises(SignInError):
        simulate(outbox, 1, officer_id="officer-demo", directory=directory, pin="000000")
    assert outbox.last_seq() == 0
