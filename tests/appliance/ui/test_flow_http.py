"""The touchscreen flow over HTTP (no browser): what an officer does, step by step."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from appliance.ui.app import create_app
from appliance.ui.desk import OFFLINE_BANNER

from .helpers import LISI_ID, NEW_ID, OFFICER, PIN, RECEPTION_EVENTS, KioskClient, Rig, make_rig


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    r = make_rig(tmp_path)
    yield r
    r.close()


@pytest.fixture
def client(rig: Rig) -> Iterator[TestClient]:
    with KioskClient(create_app(rig.desk)) as c:
        yield c


def sign_in_and_start(client: TestClient) -> None:
    r = client.post("/signin", data={"officer_id": OFFICER, "pin": PIN})
    assert r.status_code == 200 and "开始接待" in r.text
    r = client.post("/reception/start", data={"kind": "walk_in", "visitors": "1"})
    assert "核验来访人身份" in r.text


def do_steps(client: TestClient) -> None:
    r = client.post(
        "/reception/step/register",
        data={"request": "不服民事判决", "category": "申诉", "source": "来访", "risk_level": ""},
    )
    assert "告知" in r.text
    r = client.post(
        "/reception/step/notify", data={"told_scope": "1", "told_deadline": "1", "told_review": "1"}
    )
    assert "受理" in r.text
    r = client.post("/reception/step/accept", data={"reason": "属本院管辖"})
    assert "结束接待，请当事人评价" in r.text


def test_sign_in_to_rating_writes_events_in_order(rig: Rig, client: TestClient) -> None:
    sign_in_and_start(client)
    r = client.post("/reception/identify", data={"id_number": LISI_ID})
    assert "李四" in r.text and "2 次来访记录" in r.text
    assert rig.central.reads == [("p-lisi", OFFICER, "接待时调取来访人档案")]
    do_steps(client)
    r = client.post("/reception/rate")
    assert "请当事人按键评价" in r.text
    rig.panel.press("basically_satisfied")
    r = client.get("/")
    assert "当事人评价：<b>基本满意</b>" in r.text
    types = [t for t, _ in rig.events()]
    assert types == RECEPTION_EVENTS
    bodies = [b for _, b in rig.events()]
    assert all(b["officer_id"] == OFFICER for b in bodies if "officer_id" in b)
    assert [b.get("step") for b in bodies[3:6]] == ["register", "notify", "accept"]
    assert bodies[6]["rating"] == "basically_satisfied" and bodies[6]["source"] == "button"
    assert rig.recorder.started and rig.recorder.reception_id is None
    assert (bodies[1]["subject"], bodies[1]["method"]) == ("officer", "pin")


def test_required_field_missing_is_refused_with_its_name(rig: Rig, client: TestClient) -> None:
    sign_in_and_start(client)
    client.post("/reception/identify/skip")
    r = client.post("/reception/step/register", data={"category": "申诉", "source": "来访"})
    assert "请填写「诉求内容」" in r.text
    r = client.post("/reception/step/accept", data={})
    assert "现在不能进行「受理」" in r.text
    assert [t for t, _ in rig.events()] == ["reception.started", "identity.checked"]  # + sign-in


def test_bad_id_number_and_wrong_pin_keep_what_was_typed(rig: Rig, client: TestClient) -> None:
    r = client.post("/signin", data={"officer_id": OFFICER, "pin": "000000"})
    assert "工号或 PIN 不正确" in r.text
    assert f'value="{OFFICER}"' in r.text and "000000" not in r.text  # the id stays, the PIN not
    sign_in_and_start(client)
    typed = {"id_number": "110105198503151231", "name": "王五", "township": "甘蔗街道"}
    r = client.post("/reception/identify", data=typed | {"address": "洋下村 8 号"})
    assert "校验位不符" in r.text
    for value in ("110105198503151231", "王五", "甘蔗街道", "洋下村 8 号"):
        assert f'value="{value}"' in r.text  # shown again, to correct one character
    r = client.post("/reception/identify", data={"id_number": NEW_ID, "township": "甘蔗街道"})
    assert "首次来访，请填写姓名" in r.text
    r = client.post("/reception/identify", data={"id_number": NEW_ID, "name": "王五"})
    assert "请填写当事人的乡镇（街道）" in r.text
    r = client.post("/reception/identify", data=typed | {"id_number": NEW_ID})
    assert "首次来访" in r.text
    _, body = rig.events()[-1]
    assert body["outcome"] == "new_person" and body["person"]["name"] == "王五"
    assert body["person"]["township"] == "甘蔗街道"


def test_a_refused_step_keeps_its_fields(rig: Rig, client: TestClient) -> None:
    sign_in_and_start(client)
    client.post("/reception/identify", data={"id_number": LISI_ID})
    r = client.post(
        "/reception/step/register", data={"request": "不服民事判决，申请监督", "category": "申诉"}
    )
    assert "请选择「来源」" in r.text
    assert (
        "不服民事判决，申请监督</textarea>" in r.text and "<option selected>申诉</option>" in r.text
    )


def test_face_only_after_consent_and_decline_keeps_id_route(rig: Rig, client: TestClient) -> None:
    sign_in_and_start(client)
    client.post("/reception/identify", data={"id_number": LISI_ID})
    r = client.get("/reception/consent")
    assert "2026-12-v2" in r.text and "不使用人脸/声纹" in r.text
    r = client.post("/reception/consent", data={"decision": "decline", "face": "1"})
    assert "当事人未同意" in r.text
    assert rig.bio.calls == []
    r = client.post("/reception/consent", data={"decision": "accept", "face": "1"})
    assert "开始核验" in r.text and "改用身份证号" in r.text  # the ID route stays on screen
    assert [c for c in rig.bio.calls if c[0] == "petitioner"] == []  # nothing yet
    r = client.post("/reception/biometrics/start", data={"kind": "verify"})
    assert "请缓慢向右转头" in r.text and "开始采集" in r.text  # the prompt comes first
    r = client.post("/reception/biometrics/capture")
    assert "人脸/声纹：核验通过" in r.text
    _, body = rig.events()[-1]
    assert body["method"] == "face" and body["consent_id"] and body["outcome"] == "verified"
    assert len(rig.desk.cache.consents()) == 1


def test_officer_face_sign_in_uses_the_hook(rig: Rig, client: TestClient) -> None:
    r = client.post("/signin/face", data={"officer_id": "officer-x"})
    assert "请缓慢向右转头" in r.text  # an unknown id sees the same steps …
    r = client.post("/signin/face/capture", data={"officer_id": "officer-x"})
    assert "人脸核验未通过" in r.text  # … and the same answer as a face that does not match
    r = client.post("/signin/face/capture", data={"officer_id": OFFICER})
    assert "请先按「人脸登录」" in r.text  # no capture without the prompt shown first
    r = client.post("/signin/face", data={"officer_id": OFFICER})
    assert "开始采集" in r.text and "改用 PIN 登录" in r.text
    r = client.post("/signin/face/capture", data={"officer_id": OFFICER})
    assert "开始接待" in r.text


def test_central_down_mid_reception_uses_cache_and_says_so(rig: Rig, client: TestClient) -> None:
    # first visit while central is up fills the cache
    sign_in_and_start(client)
    client.post("/reception/identify", data={"id_number": LISI_ID})
    do_steps(client)
    client.post("/reception/unrated")
    client.post("/reception/next")
    # second reception: central goes away after the start
    client.post("/reception/start", data={"kind": "walk_in", "visitors": "1"})
    rig.central.online = False
    rig.transport.drop()
    r = client.post("/reception/identify", data={"id_number": LISI_ID})
    assert "本机缓存" in r.text and "李四" in r.text
    assert OFFLINE_BANNER in r.text and 'data-testid="offline-banner" hidden' not in r.text
    do_steps(client)
    client.post("/reception/rate")
    rig.panel.press("dissatisfied")
    r = client.get("/")
    assert "不满意" in r.text and "恢复连接后自动上传" in r.text
    assert rig.box.outbox.pending_count() > 0
    # the network returns: everything queued is delivered
    rig.central.online = True
    rig.transport.reconnect()
    assert rig.box.wait_drained(10)
    assert client.get("/api/state").json()["events_pending"] == 0


def test_petitioner_pages_render(client: TestClient) -> None:
    for slug in ("steps", "deadlines", "rights", "privacy", "rating"):
        r = client.get(f"/show/{slug}")
        assert r.status_code == 200 and "<svg" in r.text
    assert "7天内" in client.get("/show/deadlines").text
    assert client.get("/show/nope").status_code == 404


def test_consent_and_deletion_become_events_when_the_desk_has_the_site_key(
    tmp_path: Path,
) -> None:
    import os

    from appliance.identity.desk import DeskIdentity
    from appliance.identity.templates import TemplateStore

    rig = make_rig(tmp_path)
    store = TemplateStore(tmp_path / "templates.sqlite3", key=os.urandom(32), clock=lambda: 1)
    rig.desk.identity = DeskIdentity(
        store=store, outbox=rig.box.outbox, device_key=rig.box.key, site="minhou",
        clock_ms=lambda: 1_790_000_000_000,
    )  # fmt: skip
    try:
        with KioskClient(create_app(rig.desk)) as client:
            sign_in_and_start(client)
            client.post("/reception/identify", data={"id_number": LISI_ID})
            client.post("/reception/consent", data={"decision": "accept", "face": "1"})
            types = [t for t, _ in rig.events()]
            assert "consent.recorded" in types
            consent = next(b for t, b in rig.events() if t == "consent.recorded")
            assert consent["person_id"] == "p-lisi" and consent["scopes"] == ["face"]
            assert consent["officer_id"] == OFFICER

            r = client.post("/reception/biometrics/delete", data={"reason": "request"})
            assert "已删除当事人的人脸/声纹数据" in r.text
            deleted = [b for t, b in rig.events() if t == "biometric.deleted"]
            assert deleted and deleted[0]["person_id"] == "p-lisi"
            assert deleted[0]["reason"] == "request"
            assert not store.holds_anything_of("p-lisi")
    finally:
        rig.close()


def test_a_group_visit_has_at_most_five_representatives(rig: Rig, client: TestClient) -> None:
    client.post("/signin", data={"officer_id": OFFICER, "pin": PIN})
    client.post("/reception/start", data={"kind": "group", "visitors": "7"})
    client.post("/reception/identify", data={"id_number": LISI_ID})  # the first representative
    for i in range(4):
        person = {"phone": f"1390000010{i}", "name": f"代表{i}", "township": "甘蔗街道"}
        r = client.post("/reception/visitor", data=person | {"role": "representative"})
        assert f"已添加：代表{i}" in r.text
    person = {"phone": "13900000199", "name": "第六人", "township": "甘蔗街道"}
    r = client.post("/reception/visitor", data=person | {"role": "representative"})
    assert "代表不超过 5 人" in r.text and 'value="第六人"' in r.text
    r = client.post("/reception/visitor", data=person | {"role": "member"})
    assert "已添加：第六人" in r.text
    roles = [b["role"] for t, b in rig.events() if t == "reception.visitor"]
    assert roles == ["representative"] * 4 + ["member"]
