"""The central client: errors a person can act on, and central's shapes accepted."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from appliance.central_client import (
    CentralError,
    CentralUnavailable,
    HttpCentralClient,
    PersonNotFound,
    Timeline,
)


def client(handler: httpx.MockTransport) -> HttpCentralClient:
    return HttpCentralClient(httpx.Client(base_url="http://central.test", transport=handler))


def test_lookup_then_timeline_sends_actor_and_reason() -> None:
    seen: list[httpx.Request] = []

    def handle(req: httpx.Request) -> httpx.Response:
        seen.append(req)
        if req.url.path == "/api/persons":
            assert req.url.params["q"] == "110105198503151230"
            return httpx.Response(
                200, json=[{"id": "p-1", "name": "李四", "phone": None, "has_id_number": True}]
            )
        return httpx.Response(
            200, json={"person": {"id": "p-1", "name": "李四", "extra": 1}, "receptions": []}
        )

    c = client(httpx.MockTransport(handle))
    pid = c.find_person(id_number="110105198503151230", officer_id="officer-7")
    t = c.timeline(pid, officer_id="officer-7", reason="接待时调取")
    assert t.person.name == "李四"
    assert seen[1].headers["x-actor"] == "officer-7"
    assert seen[1].url.params["reason"] == "接待时调取"
    assert seen[0].headers["x-actor"] == "officer-7"


def test_search_without_a_matching_hit_is_not_found() -> None:
    hits = [{"id": "p-2", "name": "李四", "phone": "13900000002", "has_id_number": False}]
    c = client(httpx.MockTransport(lambda req: httpx.Response(200, json=hits)))
    with pytest.raises(PersonNotFound):
        c.find_person(phone="13900000001")
    assert c.find_person(phone="13900000002") == "p-2"


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (httpx.Response(404, json={"detail": "x"}), PersonNotFound),
        (httpx.Response(503, text="down"), CentralUnavailable),
        (httpx.Response(200, text="<html>proxy page</html>"), CentralUnavailable),
        (httpx.Response(403, text="forbidden"), CentralError),
    ],
)
def test_answers_map_to_errors(answer: httpx.Response, error: type[Exception]) -> None:
    c = client(httpx.MockTransport(lambda req: answer))
    with pytest.raises(error):
        c.find_person(phone="13900000001")


def test_closed_port_is_unavailable_and_ping_false() -> None:
    c = HttpCentralClient.to("http://127.0.0.1:9", timeout_s=0.5)  # discard port: closed
    with pytest.raises(CentralUnavailable):
        c.timeline("p-1", officer_id="o", reason="r")
    assert c.ping() is False
    assert isinstance(CentralUnavailable("x"), ConnectionError)


def test_centrals_timeline_schema_parses_on_the_box() -> None:
    """Contract: what central's ``Timeline`` serialises, the box reads."""
    from central.dossier import schemas as cs

    now = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    step = cs.StepPublic(
        step="register", officer_id="o", at=now, matter_ref=None, fields={"request": "x"}, note=""
    )
    rec = cs.ReceptionDetail(
        id="r-1", device="desk-1", officer_id="o", kind="walk_in", visitors=1, person_id="p-1",
        started_at=now, ended_at=now, rating="satisfied", rated_at=now, risk_level=None,
        risk_reason=None, events=7, events_expected=7, steps=[step],
    )  # fmt: skip
    person = cs.PersonPublic(
        id="p-1", name="李四", id_number_masked="110105****1230", phone=None, township=None,
        created_at=now,
    )  # fmt: skip
    wire = cs.Timeline(person=person, receptions=[rec]).model_dump_json()
    t = Timeline.model_validate_json(wire)
    assert t.receptions[0].steps[0].fields == {"request": "x"}
    assert t.receptions[0].rating == "satisfied"
