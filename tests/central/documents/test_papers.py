"""The petitioner's papers, as production runs them (real logins, CSRF), on SQLite and
PostgreSQL: each paper issued from the matter page when its step is done, typeset with
the font embedded and every character drawn (pdffonts, pdftotext, a page rendered to
PNG with pdftoppm, the 回执's QR code read back), kept by hash with its evidence leaf
and audit row, and reprinted as the same bytes; a site's admin rewords a paper (a
cited article must be in the legal library); the dossier exported as a PDF; and the
doors: anonymous, another site's officer, the auditor."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from appliance.progress import decode_qr
from central.audit.models import AuditLog
from central.documents.models import IssuedDocumentRow
from central.documents.render import missing_glyphs
from central.evidence.models import Leaf
from central.workflow.models import MatterRow
from protocol.petitions import query_qr_text
from tests.auth import staff_client
from tests.central.intake.test_console_intake import form, matter_of, submit

KEEP = os.environ.get("ZHIFANG_KEEP_PAPERS")  # a folder: the rendered pages, to look at


@pytest.fixture
def clerk(app: FastAPI, sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    with staff_client(app, sessions, "clerk", "officer", display_name="陈书记员") as c:
        yield c


def step(c: TestClient, mid: str, action: str, **kw: Any) -> None:
    r = c.post(f"/api/matters/{mid}/steps", json={"action": action, "reason": "已办", **kw})
    assert r.status_code == 200, r.text


def issue(c: TestClient, mid: str, kind: str) -> Any:
    return c.post(f"/console/matters/{mid}/documents", data={"kind": kind},
                  follow_redirects=False)  # fmt: skip


def issued(
    c: TestClient, mid: str, kind: str, sessions: sessionmaker[Session]
) -> IssuedDocumentRow:
    r = issue(c, mid, kind)
    assert r.status_code == 303 and "issued=" in r.headers["location"], r.headers["location"]
    with sessions() as s:
        return s.scalars(
            select(IssuedDocumentRow)
            .where(IssuedDocumentRow.matter_id == mid, IssuedDocumentRow.kind == kind)
            .order_by(IssuedDocumentRow.issued_at.desc())
        ).first()  # type: ignore[return-value]


def check_pdf(pdf: bytes, tmp: Path, name: str) -> str:
    """The text of the PDF; every font embedded; the first page rendered to PNG."""
    path = tmp / f"{name}.pdf"
    path.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    rows = fonts.stdout.splitlines()[2:]
    assert rows, fonts.stdout
    for row in rows:  # name type encoding emb sub uni
        assert row.split()[-5] == "yes", f"a font not embedded: {row}"
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    assert "\ufffd" not in text and ".notdef" not in text
    subprocess.run(["pdftoppm", "-r", "80", "-png", "-f", "1", "-l", "1", str(path),
                    str(tmp / name)], check=True)  # fmt: skip
    png = next(tmp.glob(f"{name}*.png"))
    assert png.stat().st_size > 5000  # a page with something on it
    if KEEP:
        Path(KEEP).mkdir(parents=True, exist_ok=True)
        shutil.copy(png, Path(KEEP) / png.name)
    return "".join(text.split())  # CJK lines wrap anywhere: compare without spaces


def qr_of(tmp: Path, pdf: bytes) -> str:
    import cv2

    path = tmp / "qr.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", str(path),
                    str(tmp / "qr")], check=True)  # fmt: skip
    # read as the box's camera reads a 回执 (both of OpenCV's detectors)
    return decode_qr(cv2.imread(str(next(tmp.glob("qr*.png")))))


def test_a_letters_papers_from_receipt_to_reply(
    clerk: TestClient, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    mid = matter_of(submit(clerk, form()))
    with sessions() as s:
        m = s.get_one(MatterRow, mid)
        ref_no, code = m.ref_no, m.query_code
    assert ref_no and code
    page = clerk.get(f"/console/matters/{mid}").text
    assert "出具来信收到回执" in page and "出具受理告知书" not in page  # not accepted yet
    r = issue(clerk, mid, "accept_notice")
    assert "不能出具受理告知书" in r.headers["location"] or r.status_code == 303
    with sessions() as s:
        assert s.scalars(select(IssuedDocumentRow)).first() is None

    receipt = issued(clerk, mid, "receipt", sessions)
    pdf = clerk.get(f"/console/matters/{mid}/documents/{receipt.id}")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert hashlib.sha256(pdf.content).hexdigest() == receipt.sha256
    text = check_pdf(pdf.content, tmp_path, "receipt")
    for says in ("来信收到回执", ref_no, code, "郑秀英", "信访工作条例", "法律依据", "陈书记员"):
        assert says in text, (says, text)
    assert qr_of(tmp_path, pdf.content) == query_qr_text(ref_no, code)

    step(clerk, mid, "notify")
    step(clerk, mid, "accept")
    accept = issued(clerk, mid, "accept_notice", sessions)
    text = check_pdf(clerk.get(f"/console/matters/{mid}/documents/{accept.id}").content,
                     tmp_path, "accept")  # fmt: skip
    view = clerk.get(f"/api/matters/{mid}").json()
    handling = next(c for c in view["clocks"] if c["kind"] == "handling")
    y, mo, d = (int(x) for x in handling["due_on"].split("-"))
    assert "受理告知书" in text and f"{y}年{mo}月{d}日" in text  # the handling deadline
    # past the loaded holiday calendar, the printed day says it awaits confirmation
    assert ("待核定" in text) == (not handling["calendar_covered"])
    step(clerk, mid, "handle")
    step(clerk, mid, "reply", reason="经审查，已督促该公司支付拖欠工资。", documents=["答复意见书"])
    reply = issued(clerk, mid, "reply", sessions)
    text = check_pdf(clerk.get(f"/console/matters/{mid}/documents/{reply.id}").content,
                     tmp_path, "reply")  # fmt: skip
    assert "答复意见书" in text and "已督促该公司支付拖欠工资" in text and "30日内" in text

    with sessions() as s:
        rows = s.scalars(select(IssuedDocumentRow).where(IssuedDocumentRow.matter_id == mid)).all()
        assert [x.kind for x in rows] == ["receipt", "accept_notice", "reply"]
        for x in rows:  # each paper's hash is in its evidence leaf
            leaf = s.scalar(select(Leaf).where(Leaf.leaf_index == x.leaf_index))
            assert leaf is not None
            assert hashlib.sha256(leaf.data).hexdigest() == leaf.manifest_hash
            assert json.loads(leaf.data)["sha256"] == x.sha256
        acts = [
            a for a in s.scalars(select(AuditLog.action).where(AuditLog.target == f"matter:{mid}"))
        ]
        assert acts.count("document.issue") == 3 and acts.count("document.read") == 3
    # a reprint is the same bytes
    again = clerk.get(f"/console/matters/{mid}/documents/{receipt.id}")
    assert again.content == pdf.content
    page = clerk.get(f"/console/matters/{mid}").text
    assert page.count('data-testid="print-') == 3


@pytest.mark.parametrize(
    ("action", "kind", "extra", "says"),
    [
        ("decline", "decline_notice", {}, ["不予受理告知书", "不属于检察机关受理范围"]),
        ("transfer", "transfer_notice", {"target_organ": "闽侯县人力资源和社会保障局"},
         ["转办告知书", "闽侯县人力资源和社会保障局"]),
    ],
)  # fmt: skip
def test_a_declined_or_transferred_matter_gets_its_notice(
    clerk: TestClient, sessions: sessionmaker[Session], tmp_path: Path, action: str,
    kind: str, extra: dict[str, str], says: list[str],
) -> None:  # fmt: skip
    mid = matter_of(submit(clerk, form(channel="visit", received_time="09:00")))
    step(clerk, mid, "notify")
    step(clerk, mid, action, **extra, reason="不属于检察机关受理范围")
    doc = issued(clerk, mid, kind, sessions)
    text = check_pdf(clerk.get(f"/console/matters/{mid}/documents/{doc.id}").content,
                     tmp_path, kind)  # fmt: skip
    for s in says:
        assert s in text, (s, text)
    assert "接访回执" in clerk.get(f"/console/matters/{mid}").text  # a visit's receipt


def test_a_sites_admin_rewords_a_paper(
    app: FastAPI, clerk: TestClient, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    mid = matter_of(submit(clerk, form()))
    before = issued(clerk, mid, "receipt", sessions)
    old = clerk.get(f"/console/matters/{mid}/documents/{before.id}").content
    with staff_client(app, sessions, "adm", "admin") as adm:
        page = adm.get("/console/documents/templates")
        assert (
            page.status_code == 200 and "来信收到回执" not in page.text and "接访回执" in page.text
        )
        url = "/console/documents/templates"
        base = {"kind": "receipt", "basis": "《信访工作条例》（2022年）"}
        bad = [
            ({"body": "{信访人}：您的{未知}"}, "不认识的占位符"),
            ({"body": "{信访人：您"}, "花括号"),
            ({"body": "您好 \U0001f600"}, "字体中没有这些字"),
            ({"body": "{信访人}：", "basis": "《信访工作条例》第三十二条"}, "法条库中没有"),
            ({"body": "{信访人}：", "basis": ""}, "法律依据"),
        ]
        for data, says in bad:
            r = adm.post(url, data={**base, **data})
            assert r.status_code == 422 and says in r.text, (data, r.text[-500:])
        from central.legal.service import import_law

        with sessions() as s:
            import_law(s, name="信访工作条例", text="第三十二条 示例条文。\n")
            s.commit()
        body = "{信访人}：\n\n本院已收到您的来信，文号{文号}，查询码{查询码}。"
        r = adm.post(url, data={**base, "body": body, "basis": "《信访工作条例》第三十二条"},
                     follow_redirects=False)  # fmt: skip
        assert r.status_code == 303, r.text[-500:]
        r = adm.post(
            url, data={"kind": "header", "body": "闽侯县人民检察院"}, follow_redirects=False
        )
        assert r.status_code == 303
    after = issued(clerk, mid, "receipt", sessions)
    text = check_pdf(clerk.get(f"/console/matters/{mid}/documents/{after.id}").content,
                     tmp_path, "reworded")  # fmt: skip
    assert "本院已收到您的来信" in text and "第三十二条" in text and "闽侯县人民检察院" in text
    assert clerk.get(f"/console/matters/{mid}/documents/{before.id}").content == old  # as issued
    with sessions() as s:
        assert s.scalar(select(AuditLog).where(AuditLog.action == "document.template.save"))


def test_the_dossier_as_a_pdf(
    clerk: TestClient, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    mid = matter_of(submit(clerk, form()))
    issued(clerk, mid, "receipt", sessions)
    step(clerk, mid, "notify")
    with sessions() as s:
        m = s.get_one(MatterRow, mid)
        pid, ref_no = m.person_id, m.ref_no
    page = clerk.get(f"/console/persons/{pid}").text
    assert "导出专人专档 PDF" in page and "来信收到回执" in page
    r = clerk.get(f"/console/persons/{pid}/dossier.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = check_pdf(r.content, tmp_path, "dossier")
    for says in (
        "专人专档：郑秀英",
        (ref_no or "").split("〔")[0],  # a long site code wraps its number in the cell
        "来信收到回执",
        "信访事项",
        "时间线",
        "告知",
        "陈书记员",
    ):
        assert says in text, (says, text)
    assert "350121198001011232" not in text  # the ID number masked, as on screen
    with sessions() as s:
        assert s.scalar(
            select(AuditLog).where(
                AuditLog.action == "person.dossier.export", AuditLog.target == f"person:{pid}"
            )
        )


def test_the_doors(
    app: FastAPI, anon: TestClient, clerk: TestClient, sessions: sessionmaker[Session]
) -> None:
    """Nobody anonymous; the auditor prints, does not issue; another site's officer
    neither issues nor prints without a reason, and with one is audited."""
    mid = matter_of(submit(clerk, form()))
    doc = issued(clerk, mid, "receipt", sessions)
    url = f"/console/matters/{mid}/documents/{doc.id}"
    with sessions() as s:
        pid = s.get_one(MatterRow, mid).person_id
    assert anon.get(url, follow_redirects=False).status_code in (303, 401)
    assert anon.post(f"/console/matters/{mid}/documents", data={"kind": "receipt"},
                     follow_redirects=False).status_code in (303, 401, 403)  # fmt: skip
    with staff_client(app, sessions, "aud", "auditor") as aud:
        assert aud.get(url).content[:5] == b"%PDF-"
        assert issue(aud, mid, "receipt").status_code == 403
        assert aud.get(f"/console/persons/{pid}/dossier.pdf").status_code == 200
    with staff_client(app, sessions, "other", "officer", org="fuqing") as other:
        assert issue(other, mid, "receipt").status_code == 403
        assert other.get(url, follow_redirects=False).status_code == 403
        assert other.get(f"/console/persons/{pid}/dossier.pdf").status_code == 403
        r = other.get(url, params={"reason": "协查同一诉求"})
        assert r.status_code == 200 and r.content[:5] == b"%PDF-"
    with staff_client(app, sessions, "adm-b", "admin", org="fuqing") as adm:
        r = adm.post("/console/documents/templates",
                     data={"kind": "header", "body": "别院", "site": "minhou"},
                     follow_redirects=False)  # fmt: skip
        assert r.status_code == 303 and "site=fuqing" in r.headers["location"]
    with sessions() as s:
        rows = s.scalars(select(IssuedDocumentRow)).all()
        assert len(rows) == 1  # nobody else issued anything
        why = s.scalars(
            select(AuditLog.reason).where(
                AuditLog.actor == "other", AuditLog.action == "document.read"
            )
        ).all()
        assert why and "协查同一诉求" in why[0]
    assert missing_glyphs("闽侯检信〔2026〕12号") == ""


def test_the_sites_file_names_the_procuratorate_on_its_papers(
    app: FastAPI, clerk: TestClient, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    """With the site in ZHIFANG_SITES_FILE, the 回执 is headed with its name and its
    文号 uses its short name; a header the site's admin wrote still wins."""
    import dataclasses

    from central.workflow.refs import SiteDirectory, SiteNames

    app.state.workflow_config = dataclasses.replace(
        app.state.workflow_config,
        sites=SiteDirectory({"minhou": SiteNames("闽侯", "闽侯县人民检察院")}),
    )
    mid = matter_of(submit(clerk, form()))
    doc = issued(clerk, mid, "receipt", sessions)
    pdf = clerk.get(f"/console/matters/{mid}/documents/{doc.id}").content
    text = check_pdf(pdf, tmp_path, "named")
    assert "闽侯县人民检察院" in text and "闽侯检信〔" in text.replace(" ", "")
