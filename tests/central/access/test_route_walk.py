"""The route walk: every route × every kind of caller, as production runs, on SQLite
and PostgreSQL. Each answer must be what the matrix (``expected.py``) says:

* a caller the route admits gets an answer that is not 401/403 (404, 409 or 422 are
  the route's own business) - unless the request is about a record of site A and the
  caller is site B's officer or box: then 403;
* nobody gets 401 (a console page: 303 to the login form);
* a caller with the wrong credentials or role gets 403;
* nobody ever gets a 5xx.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from central.access.routes import Declared
from central.db import utcnow

from .expected import admits, describe, rows
from .world import PRINCIPALS, World


def _key(row: Declared) -> tuple[str, str]:
    return ([m for m in row.methods if m != "HEAD"] or ["GET"])[0], row.path


def test_the_matrix_names_every_route_and_each_route_declares_what_it_says(world: World):
    table = world.app.state.access_table
    declared = {_key(r): r for r in table}
    expected = rows()
    assert sorted(set(declared) - set(expected)) == [], "routes missing from the matrix"
    assert sorted(set(expected) - set(declared)) == [], "matrix rows for no route"
    wrong = {
        k: (r.gate.describe(), describe(expected[k][0]))
        for k, r in declared.items()
        if r.gate.describe() != describe(expected[k][0])
    }
    assert wrong == {}, "gate declared in code ≠ the matrix"


def _fill(path: str, w: World) -> str:
    ids = w.ids
    values = {
        "person_id": ids["person"], "reception_id": ids["reception"],
        "matter_id": ids["matter"], "hearing_id": ids["hearing"], "draw_id": ids["draw"],
        "plan_id": ids["plan"], "task_id": ids["task"], "name": "box-spare",
        "merge_id": "1", "sha256": "0" * 64, "upload_id": "no-such-upload",
        "article_id": "1", "organ_id": "police-x", "token_id": "0" * 16,
        "report_id": "1", "fmt": "pdf", "attachment_id": "no-such-attachment",
        "account_id": "1",  # officer-a, the world's first account
        "document_id": "no-such-document",
    }  # fmt: skip
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


def _request(method: str, path: str, w: World) -> dict[str, Any]:
    """Query, JSON body or form for the route: valid where the site rule is to be
    reached (a write about a record of site A), else whatever the route reads."""
    ids, later = w.ids, (utcnow() + timedelta(days=5)).isoformat()
    query: dict[str, dict[str, Any]] = {
        "/api/persons": {"q": "张"}, "/api/box/persons": {"q": "13800000001"},
        "/api/evidence/proofs/inclusion": {"index": 0, "size": 1},
        "/api/evidence/proofs/consistency": {"first": 1, "second": 1},
        "/api/evidence/blobs/{sha256}": {"reception": ids["reception"]},
        "/api/evidence/blobs/{sha256}/playable": {"reception": ids["reception"]},
        "/api/identity/consents": {"person_id": ids["person"]},
        "/api/identity/deletions": {"person_id": ids["person"]},
        "/api/legal/search": {"q": "信访"}, "/api/legal/suggest": {"text": "拖欠工资"},
        "/console/plans/panel": {"matter_id": ids["matter"]},
        "/console/hearings/panel": {"matter_id": ids["matter"]},
        "/console/alerts/stream": {"once": 1}, "/api/evidence/uploads/{upload_id}": {"offset": 0},
    }  # fmt: skip
    body: dict[tuple[str, str], Any] = {
        ("POST", "/api/devices"): {"name": "box-spare", "site": "site-a",
                                   "public_key": "A" * 43 + "="},
        ("POST", "/api/devices/{name}/revoke"): {"reason": "设备丢失"},
        ("POST", "/api/persons/{person_id}/merge"): {"duplicate_id": ids["twin"], "reason": "重复"},
        ("POST", "/api/persons/merges/{merge_id}/undo"): {"reason": "误合并"},
        ("POST", "/api/matters"): {"summary": "拖欠", "officer_id": "officer-a"},
        ("POST", "/api/matters/{matter_id}/steps"): {"action": "notify", "reason": "已告知"},
        ("POST", "/api/matters/{matter_id}/visits"): {"reception_id": ids["reception"]},
        ("POST", "/api/sharing/matters/{matter_id}/shares"): {"organ_id": "town-y",
                                                               "reason": "协查"},
        ("POST", "/api/plans"): {"matter_id": ids["matter"], "force": True},
        ("PUT", "/api/plans/{plan_id}"): {"version": 1, "title": "方案", "tasks": [
            {"id": int(ids["task"]), "organ_kind": "procuratorate", "description": "约谈",
             "due_at": later}]},
        ("POST", "/api/plans/tasks/{task_id}/progress"): {"status": "in_progress"},
        ("POST", "/api/hearings"): {"matter_id": ids["matter"], "title": "听证",
                                    "mode": "in_person", "starts_at": later,
                                    "ends_at": later, "location": "大厅"},
        ("POST", "/api/hearings/{hearing_id}/draws"): {"panel_size": 3},
        ("POST", "/api/hearings/draws/{draw_id}/reveal"): {"seed": "00"},
        ("POST", "/api/hearings/draws/{draw_id}/abandon"): {"reason": "改用信标"},
        ("POST", "/api/hearings/{hearing_id}/outcome"): {"record": "记录", "outcome": "维持",
                                                         "petitioner_accepts": True},
        ("POST", "/api/hearings/{hearing_id}/cancel"): {"reason": "改期"},
        ("PUT", "/api/awareness/matters/{matter_id}/tag"): {"category": "欠薪"},
        ("POST", "/api/progress"): {"ref_no": "闽侯检信〔2026〕1号", "query_code": "ABCDEFGH"},
        ("POST", "/api/box/progress"): {"ref_no": "闽侯检信〔2026〕1号", "query_code": "ABCDEFGH"},
    }  # fmt: skip
    form: dict[tuple[str, str], dict[str, str]] = {
        ("POST", "/console/persons/{person_id}/merge"): {"duplicate_id": ids["twin"],
                                                         "reason": "重复"},
        ("POST", "/console/receptions/{reception_id}/link"): {"matter_id": ids["matter"]},
        ("POST", "/console/hearings/schedule"): {"matter_id": ids["matter"]},
        ("POST", "/progress"): {"ref_no": "闽侯检信〔2026〕1号", "query_code": "ABCDEFGH"},
        ("POST", "/console/matters/{matter_id}/documents"): {"kind": "receipt"},
    }  # fmt: skip
    out: dict[str, Any] = {"params": query.get(path, {})}
    if (method, path) in body:
        out["json"] = body[(method, path)]
    elif (method, path) in form:
        out["data"] = form[(method, path)]
    elif method in ("POST", "PUT"):
        out["json"] = {}
    return out


def _verdict(method: str, path: str, who: str, scope: str, principal: str, status: int) -> str:
    """'' when ``status`` is what the matrix promises, else what was promised."""
    if status >= 500:
        return "no 5xx"
    if who == "public":  # the gate lets anybody in; what the route says is its own
        return ""  # (the login form answers a wrong password with 401, as it should)
    page = path.startswith("/console/") and method == "GET"
    if principal == "anonymous":
        want = (303,) if page else (401,)
        return "" if status in want else f"{want}"
    if not admits(who, principal):
        return "" if status == 403 else "403"
    if scope == "site" and principal in ("officer-b", "box-b"):
        return "" if status == 403 else "403 (site A's record)"
    return "" if status not in (401, 403) else "admitted"


def test_every_route_answers_every_caller_as_the_matrix_says(world: World) -> None:
    expected = rows()
    wrong: list[str] = []
    count = 0
    for (method, path), (who, scope) in sorted(expected.items(), key=lambda x: x[0][1]):
        if path == "/console/static":
            path = path + "/console.css"
        url = _fill(path, world)
        for principal in PRINCIPALS:
            fresh = path == "/console/logout"  # it ends the session it is called with
            c = world.client(principal, fresh=fresh)
            kw = _request(method, path, world)
            if path == "/console/login" and method == "POST":  # the form's own CSRF cookie
                token = re.search(r'name="csrf_token" value="([^"]+)"', c.get(url).text)
                kw = {"data": {"username": "x", "password": "y",
                               "csrf_token": token.group(1) if token else ""}}  # fmt: skip
            r = c.request(method, url, follow_redirects=False, **kw)
            count += 1
            why = _verdict(method, path, who, scope, principal, r.status_code)
            if why:
                wrong.append(f"{method} {url} as {principal}: {r.status_code}, want {why}"
                             f" ({r.text[:120]!r})")  # fmt: skip
            if fresh:
                world.clients.pop(principal).close()
    assert count >= len(expected) * len(PRINCIPALS)
    assert wrong == [], "\n".join(wrong)
