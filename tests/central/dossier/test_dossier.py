"""The dossier: search (name, pinyin, ID, phone), the full timeline, audited merges,
领导接访 counts — on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from central.access.scope import SiteScope
from central.audit.models import AuditLog
from central.casefile import people
from central.casefile.full import full_dossier
from central.casefile.merge import MergeRefused, merge_persons, undo_merge
from central.dossier.matching import pinyin_key
from central.dossier.models import Person, Reception
from central.dossier.search import classify
from central.settings import Settings
from central.workflow import service as wf
from central.workflow.models import MatterPersonRow
from central.workflow.states import Action, Command
from tests.central.dossier.helpers import T0, add_device, add_person, add_reception

ID_A = "35012119800101123X"
ID_B = "110101199003074514"


def test_query_kinds() -> None:
    assert classify(ID_A).kind == "id_number"  # type: ignore[union-attr]
    assert classify("138 0000 0000").kind == "phone"  # type: ignore[union-attr]
    assert classify("Zhang Wei").value == "zhangwei"  # type: ignore[union-attr]
    assert classify("张伟").kind == "name"  # type: ignore[union-attr]
    assert classify("  ") is None
    assert pinyin_key("曾 伟") == "cengwei" or pinyin_key("曾 伟") == "zengwei"


def test_search_by_name_pinyin_id_and_phone(sessions, settings: Settings) -> None:
    a = add_person(sessions, settings, "张伟", id_number=ID_A, phone="13800000000")
    b = add_person(sessions, settings, "张卫", phone="13900000000")
    add_person(sessions, settings, "李四")
    key = settings.id_hash_key_bytes

    def ids(q: str) -> list[str]:
        with sessions() as s:
            hits = people.search(s, q=q, hash_key=key, limit=10, actor="zhang", client=None)
            s.commit()
            return sorted(h.id for h in hits)

    assert ids("张") == sorted([a, b])
    assert ids("张伟") == [a]
    assert ids("zhangwei") == sorted([a, b])  # 伟 and 卫 read the same
    assert ids(ID_A.lower()) == [a]
    assert ids("+86 138-0000-0000") == [a]
    assert ids("1390") == [b]
    assert ids("王") == []
    assert ids("伟") == [a]  # part of a name, not only its start
    assert ids("0000") == sorted([a, b])  # the end of a phone number
    with sessions() as s:
        logged = s.scalars(select(AuditLog).where(AuditLog.action == "person.search")).all()
        assert len(logged) == 9 and all(ID_A not in r.reason for r in logged)


def test_the_full_dossier_is_newest_first_and_audited(sessions, settings: Settings) -> None:
    add_device(sessions)
    pid = add_person(sessions, settings, "张伟", id_number=ID_A)
    old = add_reception(sessions, pid, days=0, rating="dissatisfied")
    new = add_reception(sessions, pid, days=10, kind="leader")
    with sessions() as s:
        wf.open_matter(
            s,
            command=Command(action=Action.register, actor="zhang", at=T0, reason="登记"),
            officer_id="zhang",
            summary="拖欠工资",
            person_ids=[pid],
            reception_id=old,
        )
    with sessions() as s:
        d = full_dossier(
            s,
            person_id=pid,
            scope=SiteScope("zhang", "minhou", "复访"),
            client=None,
            enc_key=settings.id_enc_key_bytes,
        )
        s.commit()
    assert [r.id for r in d.receptions] == [new, old]
    assert d.receptions[1].matter_ids and d.matters[0].summary == "拖欠工资"
    times = [e.at for e in d.entries if e.at]
    assert times == sorted(times, reverse=True)
    assert {"reception", "rating", "matter"} <= {e.kind for e in d.entries}
    assert d.person.id_number_masked == "350121********123X"
    with sessions() as s:
        row = s.scalars(select(AuditLog).where(AuditLog.action == "person.dossier.read")).one()
        assert (row.actor, row.reason, row.target) == ("zhang", "复访", f"person:{pid}")


def test_merge_moves_everything_and_undo_puts_it_back(sessions, settings: Settings) -> None:
    add_device(sessions)
    keep = add_person(sessions, settings, "张伟", phone="13800000000")
    dup = add_person(
        sessions, settings, "张卫", id_number=ID_A, phone="13800000000", township="甘蔗街道"
    )
    r1 = add_reception(sessions, dup)
    with sessions() as s:
        m = wf.open_matter(
            s,
            command=Command(action=Action.register, actor="zhang", at=T0, reason="登记"),
            officer_id="zhang",
            summary="集体访",
            person_ids=[keep, dup],
        )
    with sessions() as s:
        cands = people.duplicates(
            s,
            person_id=keep,
            hash_key=settings.id_hash_key_bytes,
            scope=SiteScope("zhang", "minhou"),
        )
        assert [c.id for c in cands] == [dup] and "电话一致" in cands[0].reasons
        with pytest.raises(MergeRefused, match="理由"):
            merge_persons(
                s, survivor_id=keep, merged_id=dup, scope=SiteScope("zhang", "minhou"), reason=" "
            )
        row = merge_persons(
            s,
            survivor_id=keep,
            merged_id=dup,
            scope=SiteScope("zhang", "minhou"),
            reason="同一人，电话一致",
        )
        s.commit()
        merge_id = row.id
    with sessions() as s:
        assert s.get(Reception, r1).person_id == keep  # type: ignore[union-attr]
        kept = s.get(Person, keep)
        assert kept.id_number_hash and kept.township == "甘蔗街道"  # type: ignore[union-attr]
        assert s.get(Person, dup).merged_into == keep  # type: ignore[union-attr]
        on = s.scalars(
            select(MatterPersonRow.person_id).where(MatterPersonRow.matter_id == m.id)
        ).all()
        assert list(on) == [keep]
        hits = people.search(
            s, q=ID_A, hash_key=settings.id_hash_key_bytes, limit=5, actor="z", client=None
        )
        assert [h.id for h in hits] == [keep]
        undo_merge(s, merge_id=merge_id, scope=SiteScope("lin", "minhou"), reason="误合并")
        s.commit()
    with sessions() as s:
        assert s.get(Reception, r1).person_id == dup  # type: ignore[union-attr]
        back = s.get(Person, dup)
        assert back.merged_into is None and back.id_number_hash  # type: ignore[union-attr]
        assert s.get(Person, keep).id_number_hash is None  # type: ignore[union-attr]
        on = s.scalars(
            select(MatterPersonRow.person_id).where(MatterPersonRow.matter_id == m.id)
        ).all()
        assert sorted(on) == sorted([keep, dup])
        actions = [r.action for r in s.scalars(select(AuditLog).order_by(AuditLog.id))]
        assert "person.merge" in actions and "person.merge.undo" in actions
        with pytest.raises(MergeRefused, match="已撤销"):
            undo_merge(s, merge_id=merge_id, scope=SiteScope("lin", "minhou"), reason="again")


def test_different_id_numbers_are_never_merged(sessions, settings: Settings) -> None:
    a = add_person(sessions, settings, "张伟", id_number=ID_A)
    b = add_person(sessions, settings, "张伟", id_number=ID_B)
    with sessions() as s, pytest.raises(MergeRefused, match="身份证号不同"):
        merge_persons(
            s, survivor_id=a, merged_id=b, scope=SiteScope("zhang", "minhou"), reason="同名"
        )


def test_leader_receptions_count_batches_and_persons(
    sessions: sessionmaker[Session], settings
) -> None:
    add_device(sessions)
    pid = add_person(sessions, settings, "张伟")
    add_reception(sessions, pid, kind="leader", visitors=1)
    add_reception(sessions, pid, kind="leader", visitors=6)
    add_reception(sessions, pid, kind="walk_in", visitors=2)
    with sessions() as s:
        n = people.leader_receptions(s)
        assert (n.batches, n.persons) == (2, 7)
        assert people.leader_receptions(s, site="elsewhere").batches == 0


def test_dossier_api_search_merge_and_undo(client, sessions, settings: Settings) -> None:
    a = add_person(sessions, settings, "王芳", phone="13700000000")
    b = add_person(sessions, settings, "王方", phone="13700000000")
    h = {"X-Actor": "zhang"}
    found = client.get("/api/persons", params={"q": "wangfang"}, headers=h).json()
    assert sorted(p["id"] for p in found) == sorted([a, b])
    assert client.get(f"/api/persons/{a}/duplicates").json()[0]["id"] == b
    r = client.post(
        f"/api/persons/{a}/merge", json={"duplicate_id": b, "reason": "电话一致"}, headers=h
    )
    assert r.status_code == 201, r.text
    assert (
        client.post(
            f"/api/persons/{a}/merge", json={"duplicate_id": b, "reason": "x"}, headers=h
        ).status_code
        == 409
    )
    d = client.get(f"/api/persons/{a}/dossier", headers=h).json()
    assert d["merged_from"][0]["merged_id"] == b and d["entries"][0]["kind"] == "merge"
    u = client.post(f"/api/persons/merges/{r.json()['id']}/undo", json={"reason": "误"}, headers=h)
    assert u.status_code == 200 and u.json()["undone_at"]


def test_hearings_on_the_persons_matters_join_the_timeline(sessions, settings: Settings) -> None:
    try:
        from central.hearings.models import HearingRow
    except ImportError:
        pytest.skip("the hearings domain is not installed")
    from sqlalchemy import inspect

    with sessions() as s:
        if "hearing" not in inspect(s.connection()).get_table_names():
            pytest.skip("no hearing table in this schema (hearings migration not present)")
    pid = add_person(sessions, settings, "张伟")
    with sessions() as s:
        m = wf.open_matter(
            s,
            command=Command(action=Action.register, actor="zhang", at=T0, reason="登记"),
            officer_id="zhang",
            summary="复核听证",
            person_ids=[pid],
        )
    with sessions.begin() as s:
        s.add(
            HearingRow(
                id="h-1", matter_id=m.id, title="公开听证", mode="in_person",
                starts_at=T0, ends_at=T0, status="held", created_by="lin", created_at=T0,
                outcome="维持原答复", petitioner_accepts=True, held_at=T0,
            )
        )  # fmt: skip
    with sessions() as s:
        d = full_dossier(
            s, person_id=pid, scope=SiteScope("zhang", "minhou", ""),
            client=None,
            enc_key=settings.id_enc_key_bytes,
        )  # fmt: skip
    hearing = next(e for e in d.entries if e.kind == "hearing")
    assert "公开听证" in hearing.title and "维持原答复" in hearing.detail
