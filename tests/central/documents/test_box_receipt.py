"""Printing the 回执 at the desk, on SQLite and PostgreSQL: the box that registered the
matter fetches it with a device-signed request (issued at central the first time, the
same bytes after) and hands it to its printer; another site's box, another box of the
same site, staff and strangers are refused; a matter central has not received yet is
"try later". The printers: the shipped file fake, and CUPS's ``lp`` (a stand-in script
with lp's output)."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from appliance.central_client import HttpCentralClient, PersonNotFound
from central.audit.models import AuditLog
from central.db import utcnow
from central.documents.models import IssuedDocumentRow
from central.settings import Settings
from central.workflow import service as wf
from central.workflow.states import Action, Command
from firmware_glue.printer import FilePrinter, LpPrinter, PrinterError
from tests.auth import box_client, register_box, staff_client
from tests.central.dossier.helpers import add_person, add_reception


def desk_matter(sessions: sessionmaker[Session], settings: Settings, device: str) -> str:
    pid = add_person(sessions, settings, "王五", phone="13800000009")
    rid = add_reception(sessions, pid, device=device)
    with sessions() as s:
        m = wf.open_matter(
            s, command=Command(action=Action.register, actor=f"device:{device}", at=utcnow(),
                               reason="登记"),
            officer_id="zhang", summary="要求返还被扣押的车辆", person_ids=[pid], reception_id=rid,
        )  # fmt: skip
    return m.id


def test_the_desk_prints_the_receipt_of_its_own_matter(
    app: FastAPI, sessions: sessionmaker[Session], settings: Settings, anon: TestClient,
    tmp_path: Path,
) -> None:  # fmt: skip
    key = register_box(sessions, "desk-1", "minhou")
    mid = desk_matter(sessions, settings, "desk-1")
    desk = HttpCentralClient(box_client(app, "desk-1", key))
    pdf = desk.receipt_pdf(mid, officer_id="zhang")
    again = desk.receipt_pdf(mid, officer_id="zhang")
    assert pdf[:5] == b"%PDF-" and again == pdf
    with sessions() as s:
        doc = s.scalars(select(IssuedDocumentRow)).one()  # issued once
        assert doc.sha256 == hashlib.sha256(pdf).hexdigest() and doc.kind == "receipt"
        assert doc.issued_by == "device:desk-1/zhang"
        acts = list(s.scalars(select(AuditLog.action).where(AuditLog.target == f"matter:{mid}")))
        assert acts.count("document.issue") == 1 and acts.count("document.read") == 2
    printer = FilePrinter(tmp_path / "printed")
    job = printer.print_pdf(pdf, title="接访回执")
    assert (tmp_path / "printed" / job).read_bytes() == pdf
    with pytest.raises(PersonNotFound):
        desk.receipt_pdf("00000000-0000-0000-0000-000000000000", officer_id="zhang")

    other_site = box_client(app, "desk-far", register_box(sessions, "desk-far", "fuqing"))
    same_site = box_client(app, "desk-2", register_box(sessions, "desk-2", "minhou"))
    url = f"/api/box/matters/{mid}/receipt.pdf"
    assert other_site.get(url).status_code == 403
    assert same_site.get(url).status_code == 403  # not the box that registered it
    assert anon.get(url).status_code == 401
    with staff_client(app, sessions, "zhang", "officer") as officer:
        assert officer.get(url).status_code == 403  # staff print from the console
    with sessions() as s:
        assert len(s.scalars(select(IssuedDocumentRow)).all()) == 1


def test_lp_queues_the_pdf_and_says_why_it_could_not(tmp_path: Path) -> None:
    got = tmp_path / "got.pdf"
    lp = tmp_path / "lp"
    lp.write_text(f'#!/bin/sh\ncat > {got}\necho "request id is desk-7 (1 file(s))"\n')
    lp.chmod(lp.stat().st_mode | stat.S_IEXEC)
    assert LpPrinter("desk", lp=str(lp)).print_pdf(b"%PDF-1.4 x", title="回执") == "desk-7"
    assert got.read_bytes() == b"%PDF-1.4 x"
    broken = tmp_path / "lp-broken"
    broken.write_text('#!/bin/sh\necho "lp: The printer or class does not exist." >&2\nexit 1\n')
    broken.chmod(broken.stat().st_mode | stat.S_IEXEC)
    with pytest.raises(PrinterError, match="does not exist"):
        LpPrinter("nope", lp=str(broken)).print_pdf(b"%PDF-1.4 x", title="回执")
    with pytest.raises(PrinterError, match="未安装打印服务"):
        LpPrinter(lp=str(tmp_path / "no-lp")).print_pdf(b"%PDF-1.4 x", title="回执")
    with pytest.raises(PrinterError, match="不是 PDF"):
        FilePrinter(tmp_path).print_pdf(b"<html>", title="回执")
