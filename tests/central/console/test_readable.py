"""Every console page reads as Chinese people read it: for each role, with the data of
real receptions at the touchscreen, a crawl from the home page follows every link and
fails on a 5xx, an English field key or code, or a raw id (UUID or its fragment)."""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import pytest
from fastapi.testclient import TestClient

from appliance.ui.app import create_app as ui_app
from tests.appliance.ui.helpers import OFFICER, PIN, KioskClient, Rig, make_rig
from tests.appliance.ui.test_central_contract import (
    NEW_ID,
    Central,
    central,
    database_url,
    steps_at_the_desk,
)
from tests.auth import add_user, login

__all__ = ["central", "database_url"]  # the fixtures, imported for this module

UUID = re.compile(r"\b[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}\b")
FRAGMENT = re.compile(r"(?<![0-9a-z])[0-9a-f]{8}(?![0-9a-z])")  # da70d377, a UUID's head
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")  # told_deadline, walk_in
DOTTED = re.compile(r"\b[a-z]+\.[a-z_]+(?:\.[a-z_]+)*\b")  # account.login, matter:…
CODES = re.compile(
    r"\b(?:registered|notified|accepted|declined|transferred|handling|replied|archived|"
    r"satisfied|dissatisfied|walk_in|officer|leader|auditor|admin|medium|high|low|"
    r"running|overdue|due_soon|scheduled|committed|revealed|petitioner|member)\b"
)
ALLOWED = {"zhifang.example", "api.drand.sh"}  # words in help texts, not codes
SKIP = ("/console/logout", "/console/alerts/stream", "/console/static", "/static")


class _Text(HTMLParser):
    """The text a person sees (no attributes, scripts or styles) and the links."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.links: list[str] = []
        self._skip = 0
        self._login = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        # a login name is shown only where it is the thing managed (系统管理 · 账户), and
        # marked so: <span class="login-name">, with no tags inside
        self._login = tag == "span" and "login-name" in (dict(attrs).get("class") or "").split()
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1
        self._login = False

    def handle_data(self, data: str) -> None:
        if not self._skip and not self._login:
            self.text.append(data)


def _problems(text: str) -> list[str]:
    out = []
    for name, rx in (("UUID", UUID), ("id fragment", FRAGMENT), ("key", SNAKE),
                     ("code", DOTTED), ("English code", CODES)):  # fmt: skip
        for m in rx.finditer(text):
            if m.group(0) not in ALLOWED:
                around = text[max(0, m.start() - 20) : m.end() + 20].replace("\n", " ")
                out.append(f"{name} {m.group(0)!r} in …{around}…")
    return out


@pytest.fixture
def rig(tmp_path: Path):
    r = make_rig(tmp_path)
    yield r
    r.close()


def _desk_day(rig: Rig, central: Central) -> None:
    """A morning at the desk: a first visit (high risk, 不满意), a group visit."""
    with KioskClient(ui_app(rig.desk)) as box_ui:
        box_ui.post("/signin", data={"officer_id": OFFICER, "pin": PIN})
        box_ui.post("/reception/start", data={"kind": "walk_in", "visitors": "1"})
        box_ui.post(
            "/reception/identify",
            data={"id_number": NEW_ID, "name": "王五", "township": "甘蔗街道"},
        )
        box_ui.post(
            "/reception/step/register",
            data={"request": "举报线索：某村干部侵占补偿款", "category": "举报", "source": "来访",
                  "risk_level": "high", "risk_reason": "扬言过激行为"},
        )  # fmt: skip
        box_ui.post(
            "/reception/step/notify",
            data={"told_scope": "1", "told_deadline": "1", "told_review": "1"},
        )
        box_ui.post("/reception/step/accept", data={"reason": "属本院管辖"})
        box_ui.post("/reception/rate")
        rig.panel.press("dissatisfied")
        box_ui.post("/reception/next")
        box_ui.post("/reception/start", data={"kind": "walk_in", "visitors": "1"})
        box_ui.post(
            "/reception/identify",
            data={"phone": "13700000003", "name": "赵六", "township": "上街镇"},
        )
        steps_at_the_desk(box_ui, decision="transfer")
        box_ui.post("/reception/rate")
        rig.panel.press("satisfied")
    central.ingest(rig)


ROLES = {"officer": OFFICER, "leader": "lin", "admin": "boss", "auditor": "audit"}


def test_every_page_reads_as_chinese_for_every_role(rig: Rig, central: Central) -> None:
    from central.app import create_app

    add_user(central.sessions, OFFICER, "officer", display_name="王检察官", leader="lin")
    add_user(central.sessions, "lin", "leader", display_name="林主任", on_duty=True)
    add_user(central.sessions, "boss", "admin", display_name="陈管理员")
    add_user(central.sessions, "audit", "auditor", display_name="审计员周")
    _desk_day(rig, central)
    app = create_app(central.settings, engine=central.engine)
    wrong: dict[str, list[str]] = {}
    seen_total = 0
    for role, user in ROLES.items():
        with TestClient(app) as c:
            login(c, user)
            todo, seen = deque(["/console/"]), set()
            while todo and len(seen) < 80:
                url = todo.popleft()
                if url in seen or url.startswith(SKIP):
                    continue
                seen.add(url)
                r = c.get(url, follow_redirects=True)
                if r.status_code >= 500:
                    wrong.setdefault(url, []).append(f"{role}: HTTP {r.status_code}")
                    continue
                if "text/html" not in r.headers.get("content-type", ""):
                    continue
                p = _Text()
                p.feed(r.text)
                for problem in _problems(" ".join(p.text)):
                    wrong.setdefault(url, []).append(f"{role}: {problem}")
                for href in p.links:
                    nxt, _ = urldefrag(urljoin(url, href))
                    parsed = urlparse(nxt)
                    if parsed.netloc in ("", "testserver") and parsed.path.startswith("/console"):
                        todo.append(parsed.path + (f"?{parsed.query}" if parsed.query else ""))
            seen_total += len(seen)
            for name in c.get("/api/awareness/charts").json():  # the charts' axes
                chart = c.get(f"/api/awareness/charts/{name}").json()
                for problem in _problems(" ".join(map(str, chart.get("labels", [])))):
                    wrong.setdefault(f"chart {name}", []).append(f"{role}: {problem}")
    assert seen_total > 40
    assert wrong == {}, "\n".join(f"{u}: {x}" for u, xs in wrong.items() for x in xs[:3])
