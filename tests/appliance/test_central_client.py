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
        if req.url.path == "/api/box/persons":
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
    assert seen[1].url.path == "/api/box/persons/p-1/dossier"
    assert seen[1].headers["x-zhifang-officer"] == "officer-7"
    assert seen[1].url.params["reason"] == "接待时调取"
    assert seen[0].headers["x-zhifang-officer"] == "officer-7"


def test_every_request_is_signed_by_the_device_key() -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from appliance.http_auth import DeviceAuth
    from protocol.requests import HDR_DEVICE, HDR_NONCE, HDR_SIG, HDR_TS, request_message

    key = Ed25519PrivateKey.generate()
    seen: list[httpx.Request] = []

    def handle(req: httpx.Request) -> httpx.Response:
        seen.append(req)
        return httpx.Response(200, json=[])

    http = httpx.Client(
        base_url="http://central.test",
        transport=httpx.MockTransport(handle),
        auth=DeviceAuth("desk-9", key, clock_ms=lambda: 1_800_000_000_000),
    )
    with pytest.raises(PersonNotFound):
        HttpCentralClient(http).find_person(phone="13900000001", officer_id="o")
    h = seen[0].headers
    assert h[HDR_DEVICE] == "desk-9" and h[HDR_TS] == "1800000000000"
    target = seen[0].url.raw_path.decode()
    assert target.startswith("/api/box/persons?q=13900000001")
    msg = request_message("desk-9", "GET", target, 1_800_000_000_000, h[HDR_NONCE], b"")
    key.public_key().verify(bytes.fromhex(h[HDR_SIG]), msg)  # raises if not what was signed


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
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from appliance.http_auth import DeviceAuth

    auth = DeviceAuth("desk-9", Ed25519PrivateKey.generate())
    c = HttpCentralClient.to("http://127.0.0.1:9", auth=auth, timeout_s=0.5)  # closed port
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
