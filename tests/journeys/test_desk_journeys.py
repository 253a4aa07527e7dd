"""The desk's journeys, from the officer's sign-in on the touchscreen to the console,
over a real box → Mosquitto → central ingest path, in production mode, on SQLite and
PostgreSQL (one central and broker per module, shared by its journeys):

* a walk-in visit: sign in, a first-time visitor, 登记 (high risk) → 告知 → 受理, the
  petitioner presses 不满意; at central the matter runs its clocks, the 分管领导 sees
  the high-risk alert and the review item with its recording, the officer replies
  from the console, and the matter shows 已答复 on the dossier and in 我的待办 while
  the KPI counts it;
* a returning visitor: the desk shows her open matter, the visit is linked to it and
  nothing is asked twice;
* an offline desk: the same walk-in with central unreachable until after the rating;
  the matter appears later, complete and in order;
* a reception cancelled at the desk after 登记: its matter stays at central, and the
  officer's matter page says the visit was withdrawn and why.

The touchscreen runs at 800×480 and 1280×800, the console at 1280×800; each screen is
checked (nothing required covered, no raw keys) and saved as a PNG. The journey
timings are printed (see docs/benchmarks.md), never asserted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from central.workflow.models import MatterRow
from protocol.matters import MATTER_STATUS_ZH
from tests.appliance.ui.screens import Screens

from . import touch
from .console import console_as, poller, seconds_until
from .people import id_number
from .site import CLERK, LEADER, NAMES, OFFICER, World, wait_for

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SIZES = [(800, 480), (1280, 800)]
TIMINGS: list[str] = []
REPLIED = MATTER_STATUS_ZH["replied"]  # 已书面答复


@pytest.fixture(params=SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def size(request: pytest.FixtureRequest) -> tuple[int, int]:
    return tuple(request.param)  # (width, height)


@pytest.fixture
def touchscreen(browser: Browser, size: tuple[int, int]) -> Iterator[Page]:
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    yield page
    page.close()


def report(capsys: pytest.CaptureFixture[str], line: str) -> None:
    TIMINGS.append(line)
    with capsys.disabled():
        print(f"\n[journey] {line}")


def matter_of(world: World, ref: str) -> MatterRow | None:
    with world.sessions() as s:
        return s.get(MatterRow, ref)


def test_walk_in_visit_from_the_desk_to_the_reply(
    world: World,
    browser: Browser,
    touchscreen: Page,
    size: tuple[int, int],
    shots: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tag = f"{size[0]}x{size[1]}"
    page, name = touchscreen, {800: "林秀凤", 1280: "林美华"}[size[0]]  # one each
    with world.desk(f"desk-walkin-{tag}") as rig, poller(world.url, LEADER) as leader:
        s = Screens(page, shots, f"{tag}-walkin")
        touch.sign_in(page, rig, s)
        touch.identify_new(page, s, id_number=id_number(), name=name)
        assert "首次来访" in page.get_by_test_id("person-card").inner_text()
        touch.register(page, s, request="举报某村干部侵占征地补偿款", high_risk=True)
        ref = touch.matter_ref(rig)
        with poller(world.url, OFFICER) as officer:
            to_console = seconds_until(
                "the matter on the console",
                lambda: officer.get(f"/console/matters/{ref}").status_code == 200,
            )
        to_alert = to_console + seconds_until(
            "the high-risk alert for the 分管领导",
            lambda: touch.RISK_REASON in leader.get("/console/alerts").text,
        )
        touch.notify(page)
        touch.accept(page, s)
        touch.rate(page, rig, s, "dissatisfied")
        to_review = seconds_until(
            "the 不满意 in the leader's review queue",
            lambda: name in leader.get("/console/leader/reviews").text,
        )
        report(capsys, f"{world.db} touchscreen {tag}: 登记 → matter on the console "
               f"{to_console:.2f} s; 登记 (高风险) → alert to the 分管领导 {to_alert:.2f} s; "
               f"不满意 → review item {to_review:.2f} s")  # fmt: skip
        steps = [b["step"] for t, b in touch.events(rig) if t == "workflow.step"]
        assert steps == ["register", "notify", "accept"]
        wait_for("the recording at central",
                 lambda: "录音录像尚未上传" not in leader.get("/console/leader/reviews").text
                 or None)  # fmt: skip

    def accepted() -> MatterRow | None:
        x = matter_of(world, ref)
        return x if x is not None and x.status == "accepted" else None

    m = wait_for("the 受理 at central", accepted)
    assert m.officer_id == OFFICER and m.ref_no
    console_journey(world, browser, shots, tag, ref, m.ref_no, name, capsys)


def console_journey(
    world: World,
    browser: Browser,
    shots: Path,
    tag: str,
    ref: str,
    ref_no: str,
    name: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """What the 分管领导 and the officer see and do at the console."""
    with console_as(browser, world.url, LEADER, shots, tag) as (page, s):
        page.goto(f"{world.url}/console/alerts")
        alerts = page.inner_text("main")
        assert f"高风险接访进行中（{ref_no}）：{touch.RISK_REASON}" in alerts, alerts
        s.check("alerts")
        page.goto(f"{world.url}/console/leader/reviews")
        card = page.locator(".card", has_text=name)
        assert card.locator("a", has_text="录音录像").count() == 1, card.inner_text()
        s.check("reviews")
        page.goto(f"{world.url}/console/kpi")
        closed_before = kpi_closed(page)
    with console_as(browser, world.url, OFFICER, shots, tag) as (page, s):
        page.goto(f"{world.url}/console/matters/{ref}")
        head = page.inner_text("main")
        assert ref_no in head and name in head and NAMES[OFFICER] in head
        assert f"分管领导 {NAMES[LEADER]}" in head  # the officer's leader, as alerted
        assert "计时中" in head or "剩" in head or "天" in head, head  # the clocks run
        s.check("matter")
        form = page.locator("form[data-step=reply]")
        if form.count() == 0:  # the procedure asks for 办理 before the 答复
            page.fill("form[data-step=handle] textarea[name=reason]", "已调查核实，依法处理")
            page.click("form[data-step=handle] button[type=submit]")
            page.wait_for_load_state()
        page.fill("form[data-step=reply] textarea[name=reason]", "经调查，依法作出处理")
        page.fill("form[data-step=reply] input[name=documents]", "闽侯检信答〔2026〕1号")
        page.click("form[data-step=reply] button[type=submit]")
        page.wait_for_load_state()
        assert page.inner_text("main .badge") == REPLIED
        s.check("replied")
        page.click(f"main a:has-text('{name}')")
        page.wait_for_load_state()
        assert REPLIED in page.inner_text("main")
        s.check("dossier")
        page.goto(f"{world.url}/console/work")
        row = page.locator("[data-testid=worklist] tr", has_text=ref_no)
        assert REPLIED in row.inner_text()
        s.check("work")
    with console_as(browser, world.url, CLERK, shots, tag) as (page, _s):
        page.goto(f"{world.url}/console/kpi")
        assert kpi_closed(page) == closed_before + 1


def kpi_closed(page: Page) -> int:
    return int(page.locator(".kpi", has_text="已办结").locator(".v").inner_text())


def test_returning_visitor_is_linked_to_her_open_matter(
    world: World, touchscreen: Page, size: tuple[int, int], shots: Path
) -> None:
    tag = f"{size[0]}x{size[1]}"
    page, person_id = touchscreen, id_number("19750505")
    with world.desk(f"desk-first-{tag}") as rig:  # her first visit, the day before
        s = Screens(page, shots, f"{tag}-first")
        touch.sign_in(page, rig, s)
        touch.identify_new(page, s, id_number=person_id, name="郑秀英")
        touch.register(page, s, request="不服民事判决，申请监督", high_risk=False)
        touch.notify(page)
        touch.accept(page, s)
        touch.rate(page, rig, s, "basically_satisfied")
        first = touch.matter_ref(rig)
    wait_for("her matter, accepted, at central",
             lambda: (m := matter_of(world, first)) and m.status == "accepted")  # fmt: skip
    with world.desk(f"desk-return-{tag}") as rig:
        s = Screens(page, shots, f"{tag}-return")
        touch.sign_in(page, rig, s)
        touch.tap(page, "[data-testid=start]")
        page.fill("#id_number", person_id)  # nothing else: her dossier knows the rest
        touch.tap(page, "#identify-form button[type=submit]")
        page.wait_for_selector("[data-testid=open-matters]")
        shown = page.inner_text("[data-testid=open-matters]")
        assert "不服民事判决，申请监督" in shown and "已受理" in shown, shown
        s.check("matter-choice")
        touch.tap(page, "[data-testid=link-matter]")
        page.wait_for_selector("#step-form[data-step=register]")
        assert page.locator("select[name=category]").count() == 0  # not asked twice
        assert page.locator("#name").count() == 0
        s.check("register-linked")
        page.fill("textarea[name=request]", "补充：法院已二审，新证据一份")
        touch.tap(page, "#step-form button[type=submit]")
        page.wait_for_selector("#step-form[data-step=notify]")
        touch.notify(page)
        page.wait_for_selector("[data-testid=arm-rating]")  # decided before: no second 受理
        touch.rate(page, rig, s, "satisfied")
        assert touch.matter_ref(rig) == first
        steps = [b["step"] for t, b in touch.events(rig) if t == "workflow.step"]
        assert steps == ["register", "notify"]
    wait_for("the second visit on her matter", lambda: world.visits(first) >= 2)
    assert world.step_actions(first).count("register") == 1  # the visit added no matter


# the smaller screen only: its screens are the walk-in's (checked at both sizes above)
@pytest.mark.parametrize("size", [SIZES[0]], indirect=True, ids=["800x480"])
def test_offline_desk_the_matter_arrives_later_complete_and_in_order(
    world: World, touchscreen: Page, size: tuple[int, int], shots: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    tag = f"{size[0]}x{size[1]}"
    page = touchscreen
    with world.desk(f"desk-offline-{tag}", offline_capable=True) as rig:
        s = Screens(page, shots, f"{tag}-offline")
        rig.cut()  # before the officer signs in: central never answers this reception
        touch.sign_in(page, rig, s)
        touch.identify_new(page, s, id_number=id_number("19660606"), name="陈阿婆")
        touch.register(page, s, request="反映邻居违建堵路，多次投诉无果", high_risk=False)
        touch.notify(page)
        touch.accept(page, s)
        touch.rate(page, rig, s, "dissatisfied")
        ref = touch.matter_ref(rig)
        assert matter_of(world, ref) is None  # nothing reached central
        rig.restore()
        arrived = seconds_until(
            "the offline reception's matter, accepted, at central",
            lambda: (m := matter_of(world, ref)) is not None and m.status == "accepted",
        )
    report(capsys, f"{world.db} touchscreen {tag}: link restored → offline matter complete "
           f"at central {arrived:.2f} s")  # fmt: skip
    steps = world.step_actions(ref)
    assert steps[:3] == ["register", "notify", "accept"], steps


# the smaller screen only: the cancel screen is the one new here
@pytest.mark.parametrize("size", [SIZES[0]], indirect=True, ids=["800x480"])
def test_a_reception_cancelled_at_the_desk_leaves_its_matter_for_the_officer(
    world: World, browser: Browser, touchscreen: Page, size: tuple[int, int], shots: Path
) -> None:
    tag = f"{size[0]}x{size[1]}"
    page = touchscreen
    with world.desk(f"desk-cancel-{tag}") as rig:
        s = Screens(page, shots, f"{tag}-cancel")
        touch.sign_in(page, rig, s)
        touch.identify_new(page, s, id_number=id_number("19800808"), name="何志强")
        touch.register(page, s, request="反映邻里宅基地纠纷，要求调解", high_risk=False)
        touch.tap(page, "[data-testid=cancel-reception]")
        page.wait_for_selector("#cancel-form")
        s.check("cancel")
        page.fill("#cancel-form input[name=reason]", "当事人接电话后离开，未办完")
        touch.tap(page, "[data-testid=confirm-cancel]")
        page.wait_for_selector("[data-testid=done]")
        assert "接待已撤销" in page.inner_text("body")
        s.check("cancelled")
        ref = touch.matter_ref(rig)
    wait_for("the cancellation at central",
             lambda: world.cancelled(ref) or None)  # fmt: skip
    with console_as(browser, world.url, OFFICER, shots, tag) as (console, cs):
        console.goto(f"{world.url}/console/matters/{ref}")
        notice = console.inner_text("[data-testid=visit-cancelled]")
        assert "在接待终端撤销（原因：当事人接电话后离开，未办完）" in notice, notice
        assert "反映邻里宅基地纠纷" in console.inner_text("main h1")
        cs.check("matter-cancelled")
