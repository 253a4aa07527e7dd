"""Historical import, on SQLite and PostgreSQL: the shipped sample tried and then
imported; a re-run changes nothing; a bad row is reported and leaves nothing behind;
rows are filed into the dossiers they belong to; long-closed matters raise no alerts;
a few thousand rows from Excel in several chunks."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from central.audit.models import AuditLog
from central.db import utcnow
from central.dossier import crypto
from central.dossier.models import Person
from central.imports import records, sample
from central.imports.models import ImportBatchRow, ImportedRecordRow
from central.settings import Settings
from central.workflow import service as wf
from central.workflow.config import WorkflowConfig
from central.workflow.models import MatterPersonRow, MatterRow, TransitionRow
from tests.auth import add_user

from .helpers import SAMPLE, SITE, count, run

# the sample's deliberate mistakes, by file row (data row i is file row i + 2)
MISTAKE_ROWS = {i + 2: what for i, _, what in sample.MISTAKES}
TABLES = (Person, MatterRow, TransitionRow, MatterPersonRow, ImportedRecordRow)


def snapshot(sessions: sessionmaker[Session]) -> dict[str, int]:
    return {t.__name__: count(sessions, t) for t in TABLES}


def test_the_sample_is_tried_then_imported_and_a_rerun_changes_nothing(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    add_user(sessions, "imp-admin", "admin", SITE)
    data = SAMPLE.read_bytes()
    dry = run(sessions, settings, data, dry_run=True)
    assert len(dry.rows) == 60
    refused = {r.row_no: r.reasons for r in dry.rows if r.outcome == "reject"}
    assert set(refused) == set(MISTAKE_ROWS), refused
    said = {n: "；".join(rs) for n, rs in refused.items()}
    assert "不是有效日期" in said[5]  # 2025-02-30
    assert "校验码" in said[9]
    assert "事项类别「投诉」" in said[13]
    assert "来源「微信」" in said[17]
    assert "转来机关" in said[21]
    assert "已受理" in said[25]
    assert "早于受理日期" in said[29]
    assert "信访人姓名必填" in said[33]
    assert snapshot(sessions) == dict.fromkeys(snapshot(sessions), 0)  # nothing written

    real = run(sessions, settings, data, dry_run=False)
    assert [(r.row_no, r.outcome) for r in real.rows] == [(r.row_no, r.outcome) for r in dry.rows]
    created = real.count("create")
    assert created == dry.count("create") > 40
    assert count(sessions, MatterRow) == count(sessions, ImportedRecordRow) == created
    assert count(sessions, Person) == real.new_people < created  # people came back
    assert count(sessions, AuditLog, AuditLog.action == "matter.import") == created
    with sessions() as s:
        rows = s.scalars(select(MatterRow)).all()
        assert all(m.site == SITE and m.ref_no and m.query_code for m in rows)
        assert {m.channel for m in rows} == {"visit", "letter", "phone", "online", "transfer"}
        own = {m.ref_no for m in rows if m.ref_no and m.ref_no.startswith("侯检控")}
        assert own and all(m.ref_no.startswith(("侯检控", "minhou检信")) for m in rows)
        for m in rows:  # each is what the machine makes of its steps, and reads back
            wf.load(s, m.id)
        batches = s.scalars(select(ImportBatchRow).order_by(ImportBatchRow.started_at)).all()
        assert [b.dry_run for b in batches] == [True, False]
        assert batches[1].created == created and batches[1].rejected == len(MISTAKE_ROWS)

    before = snapshot(sessions)
    again = run(sessions, settings, data, dry_run=False, name="sample-again.csv")
    assert again.count("create") == 0
    assert again.count("unchanged") == real.count("create") + real.count("unchanged")
    assert snapshot(sessions) == before


def test_a_bad_row_is_reported_and_leaves_nothing_behind(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    good = dict(next(sample.rows(1)), name="好行人", id_number="", phone="13911112222")
    bad = dict(good, name="错行人", phone="13911113333", id_number="350121198001011233",
               request="错行的诉求")  # fmt: skip
    late = dict(good, name="错步人", phone="13911114444", decision="", decided_on="",
                decision_note="", handling="", replied_on="", reply="",
                archived_on="2025-12-01")  # fmt: skip
    report = run(sessions, settings, sample.to_csv([good, bad, late]), dry_run=False)
    assert [r.outcome for r in report.rows] == ["create", "reject", "reject"]
    assert "校验码" in report.rows[1].reasons[0]
    assert "归档须在" in "；".join(report.rows[2].reasons)
    with sessions() as s:
        assert s.scalars(select(Person.name)).all() == ["好行人"]
        assert s.scalar(select(MatterRow.id).where(MatterRow.summary == "错行的诉求")) is None
    assert count(sessions, TransitionRow) == len(
        records.steps(records.parse(good, today=utcnow().date()), actor="x", document="d")
    )


def test_rows_are_filed_into_existing_dossiers(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    idn = "350121198001011232"
    with sessions.begin() as s:
        s.add(Person(id="p-id", name="郑秀英", id_number_hash=crypto.id_number_hash(
            settings.id_hash_key_bytes, idn)))  # fmt: skip
        s.add(Person(id="p-phone", name="林阿明", phone="13800138000"))
    base = dict(next(sample.rows(1)), own_no="")
    rows = [
        dict(base, name="郑秀英", id_number=idn, phone=""),  # the same ID number
        dict(base, name="林阿明", id_number="", phone="+86 138-0013-8000", request="二"),
        dict(base, name="林阿明", id_number="", phone="13800138001", request="三"),  # not him
        dict(base, name="林阿明", id_number="", phone="13800138001", request="四"),  # as row 4
    ]
    report = run(sessions, settings, sample.to_csv(rows), dry_run=False)
    assert [r.person for r in report.rows] == [
        "并入已有档案（身份证号一致）", "并入已有档案（姓名、电话一致）", "新建档案",
        "并入本次导入新建的档案",
    ]  # fmt: skip
    with sessions() as s:
        owners = {k: v for k, v in s.execute(select(MatterRow.summary, MatterRow.person_id))}
    assert owners[rows[0]["request"]] == "p-id" and owners["二"] == "p-phone"
    assert owners["三"] == owners["四"] not in ("p-id", "p-phone")
    assert count(sessions, Person) == 3


def test_long_closed_matters_raise_no_alerts(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    run(sessions, settings, SAMPLE.read_bytes(), dry_run=False)
    with sessions() as s:
        imported = {
            m: n
            for m, n in s.execute(select(ImportedRecordRow.matter_id, ImportedRecordRow.row_no))
        }
        alerts = wf.open_alerts(s, config=WorkflowConfig(), now=utcnow())
    flagged = {a.alert.matter_id for a in alerts}
    data = sample.with_mistakes(list(sample.rows(60)))
    today = utcnow().date()
    closed = {mid for mid, row in imported.items()
              if records.parse(data[row - 2], today=today).closed}  # fmt: skip
    assert closed and not (flagged & closed)
    assert flagged <= set(imported) - closed  # only the matters still open in the register


def test_a_few_thousand_rows_from_excel_in_chunks(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    data = sample.to_xlsx(list(sample.rows(2500, seed=7)))
    dry = run(sessions, settings, data, dry_run=True, name="2025.xlsx", chunk=1000)
    assert dry.count("reject") == 0 and len(dry.rows) == 2500
    real = run(sessions, settings, data, dry_run=False, name="2025.xlsx", chunk=1000,
               now=utcnow() + timedelta(seconds=1))  # fmt: skip
    assert real.count("create") == dry.count("create")
    assert real.new_people == dry.new_people == count(sessions, Person)
    assert count(sessions, MatterRow) == real.count("create")
