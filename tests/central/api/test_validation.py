"""A request that does not fit its schema gets FastAPI's ``detail`` for programs and a
sentence in Chinese: ``message`` on the JSON API, the error page in the console."""

from __future__ import annotations

from fastapi.testclient import TestClient

from central.api.validation import in_chinese


def test_each_kind_of_error_is_said_in_chinese() -> None:
    said = in_chinese([
        {"type": "missing", "loc": ("body", "summary"), "msg": "Field required"},
        {"type": "string_too_long", "loc": ("body", "request"), "msg": "…",
         "ctx": {"max_length": 4000}},
        {"type": "less_than_equal", "loc": ("query", "limit"), "msg": "…", "ctx": {"le": 1000}},
        {"type": "value_error", "loc": ("body", "persons", 0, "id_number"),
         "msg": "Value error, 身份证号校验位不对"},
        {"type": "something_new", "loc": ("body",), "msg": "Some new check"},
    ])  # fmt: skip
    assert said == (
        "summary：必须填写；诉求内容：过长，最多 4000 个字；查询参数 limit：不能大于 1000；"
        "persons·第 1 项·id_number：身份证号校验位不对；Some new check"
    )


def test_the_json_api_keeps_detail_and_adds_the_sentence(client: TestClient) -> None:
    r = client.post("/api/matters", json={"officer_id": "x", "colour": "red"})
    assert r.status_code == 422
    body = r.json()
    assert {e["type"] for e in body["detail"]} == {"missing", "extra_forbidden"}
    assert "summary：必须填写" in body["message"] and "colour：不认识这一项" in body["message"]
    r = client.get("/api/matters/steps/pending", params={"limit": 5000})
    assert r.json()["message"] == "查询参数 limit：不能大于 1000"


def test_a_console_page_says_it_in_chinese(client: TestClient) -> None:
    r = client.get("/console/kpi", params={"since": "2026-12-07-and-more"})
    assert r.status_code == 422
    assert "查询参数 since：过长，最多 10 个字" in r.text and "String should" not in r.text
