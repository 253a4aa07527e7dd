"""The triggers keep the dashboard's derived tables exactly what the base tables give.

Every test ends with ``facts.drift`` clean: the stored facts and matter times equal a
fresh derivation from reception, person, matter, tag and transition rows. The random
test drives the real write paths (ingest-like inserts, tagging and retagging, township
changes, dossier merges and their undo, transitions) in random orders.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from central.access.scope import SiteScope
from central.awareness import facts
from central.awareness.models import MatterTagRow, MatterTime, ReceptionFact
from central.awareness.service import tag_matter
from central.casefile.merge import merge_persons, undo_merge
from central.devices.models import Device
from central.dossier.models import Person, Reception
from central.workflow import service as wf
from central.workflow.errors import WorkflowError
from central.workflow.models import MatterRow
from central.workflow.states import Action
from tests.central.awareness.seed import CFG, SH, Seeded, _cmd, seed

ALL = SiteScope.everywhere("t")


def _clean(s: Session) -> None:
    d = facts.drift(s)
    assert d.clean, d


def test_the_seeded_site_has_exact_facts(sessions: sessionmaker[Session], seeded: Seeded) -> None:
    with sessions() as s:
        _clean(s)
        one_each = s.scalar(select(func.count()).where(ReceptionFact.weight == 1))
        assert one_each == s.scalar(select(func.count()).select_from(Reception))
        assert s.scalar(select(func.count()).select_from(MatterTime)) > 0


def test_retag_township_and_delete_follow(sessions: sessionmaker[Session], seeded: Seeded) -> None:
    mid = next(iter(seeded.matters.values()))
    with sessions() as s:
        rid = s.get(MatterRow, mid).reception_id  # type: ignore[union-attr]
        tag_matter(s, matter_id=mid, category="新类别", organ=None, actor="t")
        s.commit()
        cats = set(
            s.scalars(select(ReceptionFact.category).where(ReceptionFact.reception_id == rid))
        )
        assert "新类别" in cats
        s.execute(update(Person).where(Person.id == seeded.persons["张三"]).values(township="丁镇"))
        s.commit()
        towns = s.scalars(
            select(ReceptionFact.township).where(ReceptionFact.person_id == seeded.persons["张三"])
        ).all()
        assert towns and set(towns) == {"丁镇"}
        s.execute(delete(MatterTagRow).where(MatterTagRow.matter_id == mid))
        s.commit()
        _clean(s)


def _reception(s: Session, rnd: random.Random, persons: list[str]) -> str:
    rid = str(uuid.uuid4())
    s.add(
        Reception(
            id=rid,
            device="box-1",
            officer_id=f"officer-{rnd.randrange(3)}",
            kind=rnd.choice(["walk_in", "leader", None]),
            visitors=rnd.choice([1, 2, None]),
            person_id=rnd.choice([*persons, None]),
            started_at=datetime(2026, 11, rnd.randint(1, 28), rnd.randint(0, 23), tzinfo=SH),
        )
    )
    s.flush()
    return rid


@pytest.mark.parametrize("seed_", [1, 2, 3])
def test_random_write_sequences_keep_facts_exact(
    sessions: sessionmaker[Session], seed_: int
) -> None:
    rnd = random.Random(seed_)
    seeded = seed(sessions)
    with sessions() as s:
        persons = list(seeded.persons.values())
        receptions = list(seeded.receptions)
        matters = list(seeded.matters.values())
        merges: list[int] = []
        done: set[str] = set()
        for step in range(60):
            op = rnd.choice(
                ["reception", "rate", "move", "matter", "tag", "retag", "untag", "town",
                 "merge", "undo", "transition"]
            )  # fmt: skip
            if op == "reception":
                receptions.append(_reception(s, rnd, persons))
            elif op == "rate":
                r = s.get(Reception, rnd.choice(receptions))
                assert r is not None
                r.rating = rnd.choice(["satisfied", "dissatisfied", None])
                r.officer_id = f"officer-{rnd.randrange(3)}"
            elif op == "move":  # a reception re-attributed to another person
                r = s.get(Reception, rnd.choice(receptions))
                assert r is not None
                r.person_id = rnd.choice(persons)
            elif op == "matter":
                rid = rnd.choice(receptions)
                r = s.get(Reception, rid)
                at = r.started_at if r and r.started_at else datetime(2026, 11, 1, tzinfo=SH)
                m = wf.open_matter_uncommitted(
                    s, command=_cmd(Action.register, at), officer_id="officer-1",
                    summary=f"事项{step}", person_ids=[r.person_id] if r and r.person_id else [],
                    reception_id=rid,
                )  # fmt: skip
                matters.append(m.id)
            elif op in ("tag", "retag"):
                tag_matter(
                    s, matter_id=rnd.choice(matters), category=rnd.choice(["甲", "乙", "丙"]),
                    organ=None, actor="t",
                )  # fmt: skip
            elif op == "untag":
                s.execute(delete(MatterTagRow).where(MatterTagRow.matter_id == rnd.choice(matters)))
            elif op == "town":
                p = s.get(Person, rnd.choice(persons))
                assert p is not None
                p.township = rnd.choice(["甲镇", "乙镇", None])
            elif op == "merge":
                a, b = rnd.sample(persons, 2)
                try:
                    pm = merge_persons(s, survivor_id=a, merged_id=b, scope=ALL, reason="重复")
                except ValueError:
                    continue
                s.flush()
                merges.append(pm.id)
            elif op == "undo" and merges:
                try:
                    undo_merge(s, merge_id=merges.pop(), scope=ALL, reason="误合并")
                except ValueError:
                    continue
            elif op == "transition":
                mid = rnd.choice(matters)
                m = s.get(MatterRow, mid)
                assert m is not None
                at = m.registered_at + timedelta(hours=rnd.randint(1, 100))
                action = rnd.choice([Action.notify, Action.accept, Action.decline])
                try:  # a refused step (wrong state) writes nothing
                    wf.apply_step_uncommitted(
                        s, matter_id=mid, command=_cmd(action, at), config=CFG
                    )
                except WorkflowError:
                    continue
            s.flush()
            done.add(op)
            if step % 10 == 9:
                s.commit()
                _clean(s)
        s.commit()
        _clean(s)
        assert len(done) >= 8, done  # the sequence really exercised most write paths


def test_rebuild_restores_what_a_trigger_less_write_broke(
    sessions: sessionmaker[Session], seeded: Seeded
) -> None:
    with sessions() as s:
        s.execute(delete(ReceptionFact).where(ReceptionFact.weight == 1))
        s.execute(delete(MatterTime))
        s.commit()
        d = facts.drift(s)
        assert d.facts_missing > 0 and d.times_missing > 0
        n_facts, n_times = facts.rebuild(s)
        s.commit()
        assert n_facts >= len(seeded.receptions) and n_times > 0
        _clean(s)


def test_an_empty_site_has_no_facts(sessions: sessionmaker[Session]) -> None:
    with sessions() as s:
        s.add(Device(id="box-x", site="s", public_key="A" * 44))
        s.commit()
        _clean(s)
        assert s.scalar(select(func.count()).select_from(ReceptionFact)) == 0
