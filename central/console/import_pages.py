"""历史导入: a site admin brings in the site's earlier petition records. One page:
the template to download, the site's column mapping, a file to try (the dry run's
report, row by row), then the import itself; the service (``central.imports.service``)
does the work.

The file waits between the dry run and the import under ``<data_dir>/imports`` by its
SHA-256 (readable by the server only) and is deleted once imported: it holds ID numbers.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from central.access.gates import Admin
from central.access.scope import SiteScope
from central.deps import SessionDep, SettingsDep
from central.imports import columns, service
from central.imports.columns import Mapping, MappingError
from central.imports.reader import MAX_BYTES, FileRefused, read

from .actions import FormAction
from .intake_pages import _sites
from .templating import render

router = APIRouter()
SHOWN = 500  # rows of each kind on the page; the CLI prints them all


def _pending(data_dir: Path) -> Path:
    return data_dir / "imports"


def _keep(data_dir: Path, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    root = _pending(data_dir)
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    dest = root / digest
    if not dest.exists():
        tmp = root / f".part-{digest}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        tmp.replace(dest)
    return digest


def _kept(data_dir: Path, digest: str) -> bytes:
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise FileRefused("文件标识不正确，请重新上传")
    try:
        data = (_pending(data_dir) / digest).read_bytes()
    except OSError:
        raise FileRefused("试导入的文件已不在（已导入或已过期），请重新上传") from None
    if hashlib.sha256(data).hexdigest() != digest:
        raise FileRefused("试导入的文件已被改动，请重新上传")
    return data


def _page(
    request: Request, session: Any, acc: Any, *, site: str, error: str = "",
    report: service.Report | None = None, kept: str = "", status_code: int = 200,
    mapping: Mapping | None = None, msg: str = "",
) -> HTMLResponse:  # fmt: skip
    sites = _sites(session, acc)
    site = site or (sites[0] if sites else "")
    m = mapping or (service.saved_mapping(session, site) if site else Mapping())
    ctx: dict[str, Any] = {
        "site": site, "sites": sites, "error": error, "msg": msg, "report": report, "kept": kept,
        "fields": columns.COLUMNS, "mapping": m.columns, "shown": SHOWN,
        "max_mb": MAX_BYTES // (1024 * 1024),
    }  # fmt: skip
    if report is not None:
        ctx["rejected"] = [r for r in report.rows if r.outcome == "reject"][:SHOWN]
        ctx["others"] = [r for r in report.rows if r.outcome != "reject"][:SHOWN]
    return render(request, "import.html", ctx, session=session, acc=acc, status_code=status_code)


def _site_of(session: Any, acc: Any, site: str) -> str:
    site = site or (acc.site or "")
    if site not in _sites(session, acc):
        raise FileRefused("请选择本院")
    SiteScope.of(acc).write([site], what="该院的信访记录")
    return site


@router.get("/import", response_class=HTMLResponse)
def import_page(
    request: Request, session: SessionDep, acc: Admin, site: str = "", msg: str = ""
) -> HTMLResponse:
    return _page(request, session, acc, site=site[:63] or (acc.site or ""), msg=msg[:200])


@router.get("/import/template.csv")
def template_csv(session: SessionDep, acc: Admin, site: str = "") -> Response:
    return _template(session, acc, site, xlsx=False)


@router.get("/import/template.xlsx")
def template_xlsx(session: SessionDep, acc: Admin, site: str = "") -> Response:
    return _template(session, acc, site, xlsx=True)


def _template(session: Any, acc: Any, site: str, *, xlsx: bool) -> Response:
    site = (site or acc.site or "")[:63]
    m = service.saved_mapping(session, site) if site in _sites(session, acc) else Mapping()
    body = columns.template_xlsx(m) if xlsx else columns.template_csv(m)
    kind = (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        if xlsx
        else "text/csv; charset=utf-8"
    )
    ext = "xlsx" if xlsx else "csv"
    name = "%E5%8E%86%E5%8F%B2%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF"  # 历史导入模板
    disposition = f"attachment; filename=\"import-template.{ext}\"; filename*=UTF-8''{name}.{ext}"
    return Response(body, media_type=kind, headers={"Content-Disposition": disposition})


@router.post("/import/mapping")
async def save_mapping(request: Request, session: SessionDep, acc: Admin) -> Response:
    form = await request.form()
    site = str(form.get("site") or "")[:63]
    cols = {c.key: str(form.get(f"col_{c.key}") or "")[:100] for c in columns.COLUMNS}
    try:
        site = _site_of(session, acc, site)
        mapping = Mapping.model_validate({"columns": cols})
    except FileRefused as e:
        return _page(request, session, acc, site=site, error=str(e), status_code=422)
    except ValueError as e:  # pydantic's, with our message
        msg = str(e).split("Value error, ")[-1].split("\n")[0]
        return _page(request, session, acc, site=site, error=msg, status_code=422,
                     mapping=Mapping.model_construct(columns=cols))  # fmt: skip
    with FormAction(session, acc, back=f"/console/import?site={site}", refusals=()) as act:
        service.save_mapping(session, site, mapping, actor=acc.username)
        act.done("列对应已保存")
    return act.response


def _run(
    request: Request, session: Any, settings: Any, acc: Any, *, site: str, data: bytes,
    filename: str, dry_run: bool,
) -> service.Report:  # fmt: skip
    return service.run(
        session, read(data), mapping=service.saved_mapping(session, site), site=site,
        actor=acc.username, keys=(settings.id_hash_key_bytes, settings.id_enc_key_bytes),
        filename=filename, sha256=hashlib.sha256(data).hexdigest(), dry_run=dry_run,
        config=getattr(request.app.state, "workflow_config", None),
    )  # fmt: skip


@router.post("/import", max_body_size=MAX_BYTES + 1024 * 1024)
async def dry_run(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    acc: Admin,
    file: Annotated[UploadFile | None, File(description="信访记录表（.xlsx 或 .csv）")] = None,
    site: Annotated[str, Form(max_length=63)] = "",
) -> Response:
    """The dry run: what each row would do; nothing is written but the run's record."""
    try:
        site = _site_of(session, acc, site)
        if file is None or not file.filename:
            raise FileRefused("请选择要导入的文件")
        data = await file.read(MAX_BYTES + 1)
        name = (file.filename or "")[-200:]
        report = _run(request, session, settings, acc, site=site, data=data, filename=name,
                      dry_run=True)  # fmt: skip
        kept = _keep(settings.data_dir, data)
    except (FileRefused, MappingError) as e:
        session.rollback()
        return _page(request, session, acc, site=site, error=str(e), status_code=422)
    return _page(request, session, acc, site=site, report=report, kept=kept)


@router.post("/import/run")
async def run_import(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    acc: Admin,
    sha256: Annotated[str, Form(max_length=64)],
    filename: Annotated[str, Form(max_length=200)] = "",
    site: Annotated[str, Form(max_length=63)] = "",
) -> Response:
    """The import of the file tried before (by its hash); the report of what was done."""
    try:
        site = _site_of(session, acc, site)
        data = _kept(settings.data_dir, sha256)
        report = _run(request, session, settings, acc, site=site, data=data,
                      filename=filename or "导入文件", dry_run=False)  # fmt: skip
    except (FileRefused, MappingError) as e:
        session.rollback()
        return _page(request, session, acc, site=site, error=str(e), status_code=422)
    (_pending(settings.data_dir) / sha256).unlink(missing_ok=True)
    return _page(request, session, acc, site=site, report=report)
