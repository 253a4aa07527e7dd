"""Matters in the database: atomic steps, replay from the record, concurrency."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from central.access.scope import SiteScope
from central.devices.models import Device
from central.dossier.models import Person, Reception
from central.workflow import service
from central.workflow.alerts import Recipient
from central.workflow.clocks import ClockKind, ClockState
from central.workflow.config import WorkflowConfig
from central.workflow.errors import IllegalTransition, InvalidStep
from central.workflow.models import (
    ExtensionRow,
    MatterPersonRow,
    MatterRow,
    PauseRow,
    TransitionRow,
)
from central.workflow.states import Action, Status

from .helpers import SH, cmd

CFG = WorkflowConfig()
T = datetime(2026, 3, 2, 9, tzinfo=SH)


def _people(s: Session, *names: str) -> list[str]:
    rows = [Person(name=n) for n in names]
    s.add_all(rows)
    s.commit()
    return [r.id for r in rows]


def _reception(s: Session, rid: str) -> str:
    if s.get(Device, "box-1") is None:
        s.add(Device(id="box-1", site="minhou", public_key="k" * 43 + "="))
        s.flush()
    s.add(Reception(id=rid, device="box-1"))
    s.commit()
    return rid


def _open(s: Session, **kw: object) -> str:
    m = service.open_matter(
        s,
        command=cmd(Action.register, T),
        officer_id="officer-1",
        summary="拖欠工程款",
        **kw,  # type: ignore[arg-type]
    )
    return m.id


def _step(s: Session, mid: str, action: Action, days: float, **kw: object) -> None:
    service.apply_step(
        s,
        matter_id=mid,
        command=cmd(action, T + timedelta(days=days), **kw),
        config=CFG,
        scope=SiteScope.everywhere("test"),
    )


def test_a_matter_through_its_whole_life(sessions: sessionmaker[Session]):
    with sessions() as s:
        p1, p2, p3 = _people(s, "张伟", "李娜", "王芳")
        mid = _open(s, person_ids=[p1, p2, p3])
        for i, a in enumerate([Action.notify, Action.accept, Action.handle]):
            _step(s, mid, a, i)
        _step(s, mid, Action.pause, 3, reason="等待补充合同")
        _step(s, mid, Action.resume, 8)
        _step(s, mid, Action.extend, 9, extension_days=30, reason="涉及多个部门")
        _step(s, mid, Action.supervise, 10)
        _step(s, mid, Action.reply, 20)
        _step(s, mid, Action.archive, 70, waived=False)
    with sessions() as s:
        row, m = service.load(s, mid)
        assert (row.status, row.version, m.status) == ("archived", 10, Status.archived)
        assert row.supervisions == 1 and not row.paused and row.reply_at == T + timedelta(days=20)
        pause = s.scalars(select(PauseRow)).one()
        assert (pause.reason, pause.started_seq, pause.ended_seq) == ("等待补充合同", 5, 6)
        assert s.scalars(select(ExtensionRow)).one().days == 30
        roles = dict(service.persons(s, mid))
        assert roles == {p1: "representative", p2: "member", p3: "member"}
        t = s.scalars(select(TransitionRow).where(TransitionRow.seq == 7)).one()
        assert (t.action, t.actor, t.details["approved_by"]) == ("extend", "officer-1", "leader-1")


def test_a_refused_step_writes_nothing(sessions: sessionmaker[Session]):
    with sessions() as s:
        mid = _open(s)
        with pytest.raises(IllegalTransition) as e:
            _step(s, mid, Action.reply, 1)
        assert set(e.value.allowed) == {Action.notify, Action.pause, Action.supervise}
        _step(s, mid, Action.notify, 1)
        with pytest.raises(InvalidStep):
            _step(s, mid, Action.decline, 2, reason="")
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(TransitionRow)) == 2
        assert s.get(MatterRow, mid).status == "notified"  # type: ignore[union-attr]


def test_a_failure_half_way_rolls_the_whole_step_back(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
):
    with sessions() as s:
        mid = _open(s)
        _step(s, mid, Action.notify, 1)
        _step(s, mid, Action.accept, 2)

        def boom(*_a: object, **_k: object) -> None:
            raise RuntimeError("disk full")

        monkeypatch.setattr(service, "_project", boom)
        with pytest.raises(RuntimeError):
            _step(s, mid, Action.extend, 3, extension_days=10)
    with sessions() as s:
        row, m = service.load(s, mid)
        assert (row.version, m.status, m.extensions) == (3, Status.accepted, ())
        assert s.scalar(select(func.count()).select_from(ExtensionRow)) == 0


def test_two_officers_at_once_only_one_step_lands(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
):
    with sessions() as s:
        mid = _open(s)
    with sessions() as a, sessions() as b:
        # b read the matter (version 1) just before a applied 告知.
        _, stale = service.load(b, mid)
        b.rollback()
        _step(a, mid, Action.notify, 1)
        monkeypatch.setattr(service, "load", lambda *_a, **_k: (SimpleNamespace(version=1), stale))
        with pytest.raises(service.ConcurrentUpdate, match="刷新"):
            _step(b, mid, Action.notify, 1)
    monkeypatch.undo()
    with sessions() as s:
        row, m = service.load(s, mid)
        assert (row.version, m.status) == (2, Status.notified)
        assert s.scalar(select(func.count()).select_from(TransitionRow)) == 2


def test_stale_version_is_a_concurrent_update(sessions: sessionmaker[Session]):
    with sessions() as s:
        mid = _open(s)
        # Someone else bumped the version without us seeing their transition.
        s.execute(update(MatterRow).values(version=5))
        s.commit()
        with pytest.raises(service.StoredHistoryError, match="version"):
            _step(s, mid, Action.notify, 1)


def test_a_tampered_record_is_reported_not_used(sessions: sessionmaker[Session]):
    with sessions() as s:
        mid = _open(s)
        _step(s, mid, Action.notify, 1)
        _step(s, mid, Action.accept, 2)
        s.execute(update(TransitionRow).where(TransitionRow.seq == 2).values(action="transfer"))
        s.commit()
        with pytest.raises(service.StoredHistoryError):
            service.load(s, mid)


def test_link_a_repeat_visit(sessions: sessionmaker[Session]):
    with sessions() as s:
        (p,) = _people(s, "赵磊")
        first = _reception(s, "00000000-0000-0000-0000-000000000001")
        mid = _open(s, person_ids=[p], reception_id=first)
        again = _reception(s, "00000000-0000-0000-0000-000000000002")
        service.link_visit(
            s, matter_id=mid, reception_id=again, scope=SiteScope.everywhere("officer-2"), at=T
        )
        service.link_visit(
            s, matter_id=mid, reception_id=again, scope=SiteScope.everywhere("officer-2"), at=T
        )
        assert service.visits(s, mid) == [first, again]
        assert s.scalars(select(MatterPersonRow.role)).one() == "petitioner"
        with pytest.raises(service.ReferenceMissing):
            service.link_visit(
                s, matter_id=mid, reception_id="nope", scope=SiteScope.everywhere("x"), at=T
            )
        with pytest.raises(service.MatterNotFound):
            service.link_visit(
                s, matter_id="nope", reception_id=first, scope=SiteScope.everywhere("x"), at=T
            )


def test_unknown_person_is_refused_and_nothing_is_left(sessions: sessionmaker[Session]):
    with sessions() as s:
        with pytest.raises(service.ReferenceMissing, match="no-such-person"):
            _open(s, person_ids=["no-such-person"])
        with pytest.raises(service.ReferenceMissing, match="接访"):
            _open(s, reception_id="no-such-reception")
        assert s.scalar(select(func.count()).select_from(MatterRow)) == 0
        assert s.scalar(select(func.count()).select_from(TransitionRow)) == 0


def test_open_alerts_address_the_officer_and_leader(sessions: sessionmaker[Session]):
    with sessions() as s:
        late = service.open_matter(
            s,
            command=cmd(Action.register, T),
            officer_id="officer-1",
            leader_id="leader-9",
            summary="a",
        ).id
        soon = service.open_matter(
            s,
            command=cmd(Action.register, T + timedelta(days=8)),
            officer_id="officer-2",
            summary="b",
        ).id
        done = _open(s)
        for i, a in enumerate([Action.notify, Action.decline, Action.archive]):
            _step(s, done, a, i + 1)
        got = service.open_alerts(s, config=CFG, now=T + timedelta(days=14))
    by = {(x.alert.matter_id, x.alert.clock): x for x in got}
    assert {m for m, _ in by} == {late, soon}
    p = by[(late, ClockKind.procedural_reply)]
    assert p.alert.recipients == (Recipient.officer, Recipient.leader)
    assert (p.officer_id, p.leader_id) == ("officer-1", "leader-9")
    assert by[(soon, ClockKind.procedural_reply)].alert.state is ClockState.due_soon
    assert got[0].alert.matter_id == late  # the most overdue first


def test_a_broken_record_raises_an_alert_instead_of_vanishing(sessions: sessionmaker[Session]):
    with sessions() as s:
        mid = _open(s)
        s.execute(update(MatterRow).values(version=9))
        s.commit()
        got = service.open_alerts(s, config=CFG, now=T)
    assert [(x.alert.matter_id, x.alert.clock) for x in got] == [(mid, None)]
    assert "办理记录异常" in got[0].alert.message
