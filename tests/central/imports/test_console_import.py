"""历史导入 at the console, as production runs it (real logins, CSRF), on SQLite and
PostgreSQL: a site admin downloads the template, saves the site's column mapping, tries
a file and imports it; bad files and mappings are refused with what to correct; the
doors (anonymous, officer, auditor, another site's admin)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from central.imports import sample
from central.imports.columns import COLUMNS
from central.imports.models import ImportMappingRow
from central.workflow.models import MatterRow
from tests.auth import staff_client

from .helpers import SAMPLE, count


@pytest.fixture
def admin(app: FastAPI, sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    with staff_client(app, sessions, "adm", "admin", display_name="王管理员") as c:
        yield c


def upload(c: TestClient, data: bytes, name: str = "2025.csv", site: str = "") -> object:
    return c.post("/console/import", data={"site": site}, files={"file": (name, data)})


def test_an_admin_tries_the_sample_then_imports_it(
    admin: TestClient, sessions: sessionmaker[Session]
) -> None:
    page = admin.get("/console/import")
    assert page.status_code == 200 and "历史导入" in page.text and "试导入" in page.text
    t = admin.get("/console/import/template.xlsx")
    assert t.status_code == 200 and "attachment" in t.headers["content-disposition"]
    ws = load_workbook(io.BytesIO(t.content)).worksheets[0]
    assert [c.value for c in ws[1]] == [c.header for c in COLUMNS]
    assert admin.get("/console/import/template.csv").content.startswith("\ufeff原文号".encode())

    r = upload(admin, SAMPLE.read_bytes())
    assert r.status_code == 200, r.text[-1500:]
    assert "试导入结果（尚未写入）" in r.text and "被拒绝的行" in r.text
    assert "第 9 行" in r.text and "校验码" in r.text
    assert count(sessions, MatterRow) == 0
    sha = re.search(r'name="sha256" value="([0-9a-f]{64})"', r.text)
    assert sha
    n = int(re.search(r'data-testid="n-create">(\d+)<', r.text).group(1))  # type: ignore[union-attr]
    done = admin.post("/console/import/run", data={"sha256": sha.group(1), "filename": "2025.csv"})
    assert done.status_code == 200 and "导入完成" in done.text
    assert count(sessions, MatterRow) == n
    # the kept file is gone once imported (it holds ID numbers)
    again = admin.post("/console/import/run", data={"sha256": sha.group(1)})
    assert again.status_code == 422 and "已不在" in again.text
    assert count(sessions, MatterRow) == n


def test_the_site_mapping_is_saved_and_used(
    admin: TestClient, sessions: sessionmaker[Session]
) -> None:
    form = {f"col_{c.key}": c.header for c in COLUMNS} | {"col_name": "姓名", "col_request": "内容"}
    assert (
        admin.post("/console/import/mapping", data=form, follow_redirects=False).status_code == 303
    )
    with sessions() as s:
        row = s.get(ImportMappingRow, "minhou")
        assert row and row.columns["name"] == "姓名"
    tpl = admin.get("/console/import/template.csv").content.decode("utf-8-sig")
    assert tpl.splitlines()[0].split(",")[1] == "姓名"
    data = sample.to_csv(list(sample.rows(5)))  # headers of the default template
    r = upload(admin, data)
    assert r.status_code == 422 and "文件缺少必填列" in r.text and "「姓名」" in r.text
    body = data.decode("utf-8-sig").replace("信访人姓名", "姓名", 1).replace(",诉求,", ",内容,", 1)
    r = upload(admin, body.encode("gb18030"))  # as Excel in China saves a CSV
    assert r.status_code == 200 and 'data-testid="n-create">5<' in r.text
    bad = admin.post("/console/import/mapping", data={**form, "col_name": ""})
    assert bad.status_code == 422 and "必填字段未对应到列：信访人姓名" in bad.text
    twice = admin.post("/console/import/mapping", data={**form, "col_phone": "姓名"})
    assert twice.status_code == 422 and "同一列不能对应两个字段" in twice.text


def test_bad_files_are_refused_with_what_to_do(admin: TestClient) -> None:
    assert "上传的文件是空的" in upload(admin, b"").text
    assert "无法读取 Excel" in upload(admin, b"PK\x03\x04broken", "a.xlsx").text
    assert "不是 CSV" in upload(admin, b"\x00\x01\x02", "a.csv").text
    assert "请选择要导入的文件" in admin.post("/console/import", data={}).text


def test_the_doors(app: FastAPI, sessions: sessionmaker[Session], admin: TestClient) -> None:
    """Nobody anonymous; officers and auditors neither see nor import; another site's
    admin cannot import for this site, nor run this site's kept file."""
    data = SAMPLE.read_bytes()
    r = upload(admin, data)
    sha = re.search(r'name="sha256" value="([0-9a-f]{64})"', r.text).group(1)  # type: ignore[union-attr]
    with TestClient(app) as anon:
        assert anon.get("/console/import", follow_redirects=False).status_code in (303, 401)
        assert anon.post("/console/import", files={"file": ("a.csv", data)}).status_code in (
            401, 403)  # fmt: skip
        r = anon.get("/console/import/template.csv", follow_redirects=False)
        assert r.status_code in (303, 401) and not r.content.startswith(b"\xef\xbb\xbf")
    for role in ("officer", "auditor", "leader"):
        with staff_client(app, sessions, f"u-{role}", role) as c:
            assert c.get("/console/import").status_code == 403
            assert upload(c, data).status_code == 403
            assert c.post("/console/import/run", data={"sha256": sha}).status_code == 403
    with staff_client(app, sessions, "adm-fq", "admin", org="fuqing") as other:
        assert other.get("/console/import").status_code == 200  # their own site's page
        r = upload(other, data, site="minhou")
        assert r.status_code == 422 and "请选择本院" in r.text
        r = other.post("/console/import/run", data={"sha256": sha, "site": "minhou"})
        assert r.status_code == 422
    assert count(sessions, MatterRow) == 0
    with TestClient(app) as c:  # a logged-in form without its CSRF token is refused
        from tests.auth import login

        login(c, "adm")
        assert upload(c, data).status_code == 403
